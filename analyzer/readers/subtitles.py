"""WebVTT and SRT subtitle files into one turn per cue (or per voice inside a cue).

Input: WebVTT (parsed by webvtt-py) with `<v Name>` voice tags or `Name: text` prefixes, or SRT
(parsed by srt) with `Name: text` prefixes. "Agent"/"Customer"-like names give the role; any other
name is UNKNOWN. A cue with no name continues the previous speaker only when the previous cue broke
off mid-sentence (a subtitle splitting one utterance); otherwise its speaker is left empty for
role inference rather than guessed. Files are read as they are: when every cue carries the same label
(Azure tags a whole call `<v Agent>`), metadata `uniform_speaker_label` is true so that role
inference knows the labels say nothing.
"""
from __future__ import annotations

import html
import io
import re
from pathlib import Path
from typing import Any

import srt
import webvtt
from webvtt.errors import MalformedFileError

from ..models import Transcript
from .base import ReadOptions, TranscriptReadError, build_transcript, make_turns, parse_seconds

_SRT_HEAD_RE = re.compile(r"^\s*\d+\s*\n\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->", re.MULTILINE)
_VOICE_RE = re.compile(r"<v(?:\.[^\s>]*)?(?:\s+([^>]*))?>", re.IGNORECASE)
_TAG_RE = re.compile(r"</?[a-z][^>]*>|<\d[\d:.]*>|\{\\[^}]*\}", re.IGNORECASE)
_TIME = r"(?:\d{1,2}:)?\d{1,2}:\d{2}[.,]\d{1,3}"
_TIMING_RE = re.compile(rf"^\s*{_TIME}\s+-->\s+{_TIME}(?:\s+.*)?$")
_SENTENCE_END_RE = re.compile(r"[.?!…][\"'”»)]*\s*$")
_PREFIX_RE = re.compile(r"^\s*(?:-\s*)?(?P<speaker>[^\W\d][\w .'-]{0,40}?)\s*:\s+(?P<text>\S.*)$")


def detect(path: Path, text: str) -> bool:
    head = text.lstrip("\ufeff \t\n")
    return head.startswith("WEBVTT") or bool(_SRT_HEAD_RE.match(head[:400]))


def read(path: Path, text: str, options: ReadOptions) -> list[Transcript]:
    text = text.lstrip("\ufeff")
    if text.lstrip().startswith("WEBVTT"):
        cues, kind = _vtt_cues(text), "webvtt"
    else:
        cues, kind = _srt_cues(text), "srt"
    rows: list[dict[str, Any]] = []
    labels: list[str] = []
    current = ""
    for cue in cues:
        for speaker, words in _speaker_parts(cue["raw"]):
            if speaker:
                current = speaker
                labels.append(speaker)
            elif not rows or _SENTENCE_END_RE.search(rows[-1]["text"]):
                # A new unnamed utterance; after a cue that broke off mid-sentence it continues that speech.
                current = ""
            rows.append(
                {
                    "speaker": current,
                    "text": words,
                    "start_s": cue["start"],
                    "end_s": cue["end"],
                    "source_line": cue["line"],
                }
            )
    if not any(r["text"].strip() for r in rows):
        raise TranscriptReadError(f"no cue text found in this {kind.upper()} file: each cue needs a timing line and words")
    metadata: dict[str, Any] = {"source_format": kind}
    if len(labels) > 1 and len(set(labels)) == 1:
        metadata["uniform_speaker_label"] = True
    return [build_transcript(path, None, make_turns(rows), metadata)]


def _vtt_cues(text: str) -> list[dict[str, Any]]:
    _check_timing_lines(text, "00:00:01.000 --> 00:00:02.500")
    try:
        captions = webvtt.from_buffer(io.StringIO(text)).captions
    except MalformedFileError as exc:
        raise TranscriptReadError(
            f"invalid WebVTT ({exc}): start with a WEBVTT line and give every cue a timing line "
            "like '00:00:01.000 --> 00:00:02.500'"
        ) from None
    lines = _timing_lines(text)
    cues = []
    for i, caption in enumerate(captions):
        where = f"cue {i + 1}"
        cues.append(
            {
                "raw": caption.raw_text,
                "start": parse_seconds(caption.start, where=f"{where} start"),
                "end": parse_seconds(caption.end, where=f"{where} end"),
                "line": lines[i] + 1 if len(lines) == len(captions) else None,
            }
        )
    return cues


def _srt_cues(text: str) -> list[dict[str, Any]]:
    _check_timing_lines(text, "00:00:01,000 --> 00:00:02,500")
    try:
        subtitles = list(srt.parse(text))
    except srt.SRTParseError as exc:
        start = getattr(exc, "expected_start", None)
        line = text.count("\n", 0, start) + 1 if isinstance(start, int) else None
        raise TranscriptReadError(
            "invalid SRT: expected numbered cues like '1' / '00:00:01,000 --> 00:00:02,500' / text, "
            "separated by blank lines",
            line,
        ) from None
    lines = _timing_lines(text)
    return [
        {
            "raw": sub.content,
            "start": sub.start.total_seconds(),
            "end": sub.end.total_seconds(),
            "line": lines[i] + 1 if len(lines) == len(subtitles) else None,
        }
        for i, sub in enumerate(subtitles)
    ]


def _check_timing_lines(text: str, example: str) -> None:
    """Reject a malformed timing line: the parsers would silently drop its cue and the words in it."""
    for lineno, line in enumerate(text.splitlines(), start=1):
        if "-->" in line and not _TIMING_RE.match(line):
            raise TranscriptReadError(f"bad cue timing line {line.strip()!r}: write it as {example}", lineno)


def _timing_lines(text: str) -> list[int]:
    """1-based line numbers of the cue timing lines, so a turn can point at its cue's first text line."""
    return [n for n, line in enumerate(text.splitlines(), start=1) if "-->" in line]


def _speaker_parts(raw: str) -> list[tuple[str, str]]:
    """(speaker or "", words) for each voice in a cue; "" means the cue names no speaker."""
    voices = list(_VOICE_RE.finditer(raw))
    if voices:
        parts = []
        lead = _clean(raw[: voices[0].start()])
        if lead:
            parts.append(("", lead))
        for i, voice in enumerate(voices):
            end = voices[i + 1].start() if i + 1 < len(voices) else len(raw)
            parts.append(((voice.group(1) or "").strip(), _clean(raw[voice.end() : end])))
        return parts
    parts: list[tuple[str, str]] = []
    for line in raw.splitlines():
        words = _clean(line)
        if not words:
            continue
        m = _PREFIX_RE.match(words)
        if m:
            parts.append((m.group("speaker").strip(), m.group("text")))
        elif parts:
            parts[-1] = (parts[-1][0], f"{parts[-1][1]} {words}")  # a wrapped line of the same speech
        else:
            parts.append(("", words))
    return parts


def _clean(fragment: str) -> str:
    return " ".join(html.unescape(_TAG_RE.sub("", fragment)).split())
