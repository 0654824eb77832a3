"""Shared pieces of the readers: options, the read error, and the builders every format uses."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..models import KNOWN_METADATA, Role, Transcript, Turn


@dataclass(frozen=True)
class ReadOptions:
    encoding: str | None = None
    # --map target=source pairs: which input field holds speaker, text, start, end, call_id...
    field_map: Mapping[str, str] = field(default_factory=dict)


class TranscriptReadError(Exception):
    """Bad input in a transcript file; `line` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


_AGENT_LABELS = {"agent", "operator", "rep", "representative", "csr", "advisor", "adviser", "associate", "staff"}
_CUSTOMER_LABELS = {"customer", "caller", "client", "user", "consumer"}
# Third parties, named in English as often as the agent and customer are, whatever the call's language.
_OTHER_LABELS = {"colleague", "supervisor", "ivr", "system", "bot", "recording"}


def role_from_label(label: str) -> Role:
    """The role a speaker label states plainly; anything else is left for roles.py to decide."""
    key = label.strip().casefold()
    if key in _AGENT_LABELS:
        return Role.AGENT
    if key in _CUSTOMER_LABELS:
        return Role.CUSTOMER
    if key in _OTHER_LABELS:
        return Role.OTHER
    return Role.UNKNOWN


_TIME_RE = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:[.,]\d+)?)$")


def parse_seconds(value: Any, *, where: str = "time", line: int | None = None) -> float | None:
    """Seconds from a number or an [hh:]mm:ss[.fff] string; None for empty values."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TranscriptReadError(f"{where} must be seconds, got {value!r}", line)
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        pass
    m = _TIME_RE.match(text)
    if not m:
        raise TranscriptReadError(
            f"{where} {text!r} is not a time: use seconds (12.5) or mm:ss / hh:mm:ss", line
        )
    hours = int(m.group(1) or 0)
    return hours * 3600 + int(m.group(2)) * 60 + float(m.group(3).replace(",", "."))


def make_turns(rows: Iterable[dict[str, Any]]) -> tuple[Turn, ...]:
    """Build turns from dicts with speaker, text, optional role/start_s/end_s/source_line."""
    turns = []
    for row in rows:
        text = " ".join(str(row.get("text") or "").split())
        if not text:
            continue
        speaker = str(row.get("speaker") or "").strip()
        role = row.get("role")
        if not isinstance(role, Role):
            role = role_from_label(speaker) if speaker else Role.UNKNOWN
        turns.append(
            Turn(
                index=len(turns),
                speaker=speaker,
                role=role,
                text=text,
                start_s=row.get("start_s"),
                end_s=row.get("end_s"),
                source_line=row.get("source_line"),
            )
        )
    return tuple(turns)


def split_metadata(data: Mapping[str, Any], *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """Every top-level key but the turns becomes metadata; known keys keep their names."""
    skip = set(exclude)
    meta: dict[str, Any] = {}
    for key, value in data.items():
        if key in skip:
            continue
        if isinstance(value, (dict, list)) and key not in KNOWN_METADATA:
            meta[key] = value
            continue
        meta[key] = value if not isinstance(value, str) else value.strip()
    return meta


def build_transcript(path: Path, call_id: Any, turns: tuple[Turn, ...], metadata: dict[str, Any]) -> Transcript:
    cid = str(call_id).strip() if call_id not in (None, "") else path.stem
    return Transcript(call_id=cid, turns=turns, metadata=metadata, source_file=str(path))
