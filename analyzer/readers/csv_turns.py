"""CSV/TSV with one row per turn and a call_id column; other columns become call metadata.

`--map speaker=speaker_role,text=transcript,start_ms=start_ms` names the columns when they differ.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from ..models import Transcript
from .base import ReadOptions, TranscriptReadError, build_transcript, make_turns, parse_seconds

_ALIASES = {
    "call_id": ("call_id", "callid", "conversation_id", "call"),
    "speaker": ("speaker", "role", "speaker_role", "participant", "channel"),
    "text": ("text", "utterance", "transcript", "content"),
    "start": ("start", "start_s", "start_time", "begin"),
    "end": ("end", "end_s", "end_time"),
    "start_ms": ("start_ms",),
    "end_ms": ("end_ms",),
}
_TURN_FIELDS = {"call_id", "speaker", "text", "start", "end", "start_ms", "end_ms"}


def detect(path: Path, text: str) -> bool:
    if path.suffix.lower() not in (".csv", ".tsv"):
        return False
    return True


def read(path: Path, text: str, options: ReadOptions) -> list[Transcript]:
    delimiter = "\t" if path.suffix.lower() == ".tsv" else _sniff(text)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in (reader.fieldnames or [])]
    columns = _resolve_columns(header, options)
    if "text" not in columns or "speaker" not in columns:
        raise TranscriptReadError(
            f"CSV header {header} has no speaker and text columns: name them 'speaker' and 'text' "
            "or map them with --map speaker=COLUMN,text=COLUMN",
            1,
        )
    used = set(columns.values())
    calls: dict[str, dict] = {}
    for row in reader:
        lineno = reader.line_num
        row = {(k or "").strip(): v for k, v in row.items()}
        call_id = (row.get(columns["call_id"]) if "call_id" in columns else None) or path.stem
        call = calls.setdefault(call_id, {"rows": [], "meta": {}})
        start = _time(row, columns, "start", lineno)
        end = _time(row, columns, "end", lineno)
        call["rows"].append(
            {
                "speaker": row.get(columns["speaker"], ""),
                "text": row.get(columns["text"], ""),
                "start_s": start,
                "end_s": end,
                "source_line": lineno,
            }
        )
        for key, value in row.items():
            if key and key not in used and value not in (None, "") and key not in call["meta"]:
                call["meta"][key] = value.strip()
    return [build_transcript(path, cid, make_turns(c["rows"]), c["meta"]) for cid, c in calls.items()]


def _sniff(text: str) -> str:
    first = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=first.count)


def _resolve_columns(header: list[str], options: ReadOptions) -> dict[str, str]:
    lower = {h.lower(): h for h in header}
    columns: dict[str, str] = {}
    for target, aliases in _ALIASES.items():
        for alias in aliases:
            if alias in lower:
                columns[target] = lower[alias]
                break
    for target, source in options.field_map.items():
        if source not in header:
            raise TranscriptReadError(f"--map {target}={source}: no column {source!r} in header {header}", 1)
        columns[target] = source
    return columns


def _time(row: dict, columns: dict[str, str], name: str, lineno: int) -> float | None:
    if f"{name}_ms" in columns:
        value = parse_seconds(row.get(columns[f"{name}_ms"]), where=f"column {columns[name + '_ms']}", line=lineno)
        return None if value is None else value / 1000.0
    if name in columns:
        return parse_seconds(row.get(columns[name]), where=f"column {columns[name]}", line=lineno)
    return None
