"""callqa's own JSON: one call object per file, a list of call objects, or JSONL (one call per line).

A call is `{"call_id", "agent_id", ..., "turns": [{"speaker", "text", "start", "end"}]}`; unknown
top-level keys are kept as metadata.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..models import Role, Transcript
from .base import ReadOptions, TranscriptReadError, build_transcript, make_turns, parse_seconds, split_metadata
from .vendor_json import load_json

_SPEAKER_KEYS = ("speaker", "role", "spk", "participant")
_TEXT_KEYS = ("text", "utterance", "transcript", "content")


def detect(path: Path, text: str) -> bool:
    head = text.lstrip()[:1]
    if head not in ("{", "["):
        return False
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return True
    # Other JSON shapes (ASR outputs) have their own readers; this one takes objects with "turns",
    # and claims any other .json last so that a broken file gets a located JSON syntax error.
    return '"turns"' in text[:200000] or path.suffix.lower() == ".json"


def read(path: Path, text: str, options: ReadOptions) -> list[Transcript]:
    stripped = text.lstrip()
    if path.suffix.lower() in (".jsonl", ".ndjson") or (stripped.startswith("{") and _is_jsonl(text)):
        return _read_jsonl(path, text)
    # The detectors have parsed the text already (load_json caches it); a broken file is parsed
    # again by _loads for its located error.
    data = load_json(text)
    if data is None:
        data = _loads(text)
    if isinstance(data, list):
        return [_call(path, item, f"[{i}]") for i, item in enumerate(data)]
    return [_call(path, data, "")]


def _is_jsonl(text: str) -> bool:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) < 2:
        return False
    try:
        json.loads(lines[0])
    except json.JSONDecodeError:
        return False
    return True


def _loads(text: str, line_offset: int = 0) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptReadError(
            f"invalid JSON: {exc.msg} (column {exc.colno}); fix the syntax or export the call again",
            exc.lineno + line_offset,
        ) from None


def _read_jsonl(path: Path, text: str) -> list[Transcript]:
    calls = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        data = _loads(line, lineno - 1)
        try:
            calls.append(_call(path, data, f"line {lineno}"))
        except TranscriptReadError as exc:
            raise TranscriptReadError(exc.message, exc.line or lineno) from None
    return calls


def _call(path: Path, data: Any, where: str) -> Transcript:
    prefix = f"{where}: " if where else ""
    if not isinstance(data, dict):
        raise TranscriptReadError(f"{prefix}expected a call object with a 'turns' list, got {type(data).__name__}")
    turns_data = data.get("turns")
    if not isinstance(turns_data, list):
        raise TranscriptReadError(
            f"{prefix}key 'turns' is missing or not a list: give the call's turns as "
            '[{"speaker": "agent", "text": "..."}]'
        )
    rows = []
    # A loop per turn of a long call: the key path is only put together for an error message.
    for i, turn in enumerate(turns_data):
        if not isinstance(turn, dict):
            raise TranscriptReadError(f"{prefix}turns[{i}]: expected an object with 'speaker' and 'text'")
        speaker = _first(turn, *_SPEAKER_KEYS)
        text = _first(turn, *_TEXT_KEYS)
        if text is None:
            raise TranscriptReadError(f"{prefix}turns[{i}]: key 'text' is missing: every turn needs the words spoken")
        if not isinstance(text, str):
            raise TranscriptReadError(f"{prefix}turns[{i}].text: expected a string, got {type(text).__name__}")
        role = None
        if isinstance(turn.get("role"), str) and turn.get("speaker"):
            role = _role_value(turn["role"])
        rows.append(
            {
                "speaker": "" if speaker is None else str(speaker),
                "text": text,
                "role": role,
                "start_s": _seconds(_first(turn, "start", "start_s"), prefix, i, "start"),
                "end_s": _seconds(_first(turn, "end", "end_s"), prefix, i, "end"),
            }
        )
    metadata = split_metadata(data, exclude=("turns", "call_id"))
    return build_transcript(path, data.get("call_id"), make_turns(rows), metadata)


def _first(turn: dict[str, Any], *keys: str) -> Any:
    for k in keys:
        value = turn.get(k)
        if value is not None and value != "":
            return value
    return None


def _seconds(value: Any, prefix: str, i: int, name: str) -> float | None:
    if value is None:
        return None
    if type(value) is float or type(value) is int:
        return float(value)  # what parse_seconds gives a number, without building its error path
    return parse_seconds(value, where=f"{prefix}turns[{i}].{name}")


def _role_value(value: str) -> Role | None:
    from .base import role_from_label

    role = role_from_label(value)
    return role if role is not Role.UNKNOWN else None
