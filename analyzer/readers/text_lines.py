"""Plain-text transcripts: `Speaker: words` lines, optionally `[mm:ss]` or `[hh:mm:ss - hh:mm:ss]` first
(or right after the speaker's label: `Agent: [00:12] words`, as some exports write it).

`#` lines are comments; `# key: value` lines before the first turn are call metadata. A line with no
speaker prefix continues the previous turn.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..models import Transcript
from .base import ReadOptions, TranscriptReadError, build_transcript, make_turns, parse_seconds

_TS = r"\d{1,2}(?::\d{1,2}){1,2}(?:[.,]\d+)?"
_LINE_RE = re.compile(
    rf"^\s*(?:\[(?P<start>{_TS})(?:\s*[-–]\s*(?P<end>{_TS}))?\]\s*)?"
    r"(?P<speaker>[^\W\d][\w .'-]{0,40}?)\s*:\s*"
    rf"(?:\[(?P<late_start>{_TS})(?:\s*[-–]\s*(?P<late_end>{_TS}))?\]\s*)?(?P<text>.*)$"
)
_META_RE = re.compile(r"^#\s*(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<value>.*)$")


def detect(path: Path, text: str) -> bool:
    for line in text.splitlines()[:50]:
        if line.strip() and not line.lstrip().startswith("#"):
            return bool(_LINE_RE.match(line))
    return False


def read(path: Path, text: str, options: ReadOptions) -> list[Transcript]:
    metadata: dict[str, str] = {}
    rows: list[dict] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            m = _META_RE.match(stripped)
            if m and not rows:
                metadata[m.group("key").lower().replace("-", "_")] = m.group("value").strip()
            continue
        m = _LINE_RE.match(line)
        if m:
            start = m.group("start") or m.group("late_start")
            end = m.group("end") if m.group("start") else m.group("late_end")
            rows.append(
                {
                    "speaker": m.group("speaker").strip(),
                    "text": m.group("text"),
                    "start_s": parse_seconds(start, where="timestamp", line=lineno),
                    "end_s": parse_seconds(end, where="timestamp", line=lineno),
                    "source_line": lineno,
                }
            )
        elif rows:
            rows[-1]["text"] += " " + stripped
        else:
            raise TranscriptReadError(
                f"expected 'Speaker: text' (e.g. 'Agent: Good morning'), got {stripped[:60]!r}", lineno
            )
    if not rows:
        raise TranscriptReadError("no 'Speaker: text' lines found")
    call_id = metadata.pop("call_id", None)
    return [build_transcript(path, call_id, make_turns(rows), dict(metadata))]
