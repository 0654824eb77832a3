"""OpenAI Whisper and WhisperX JSON (segments[] with start, end, text) into one turn per segment.

Input: `whisper --output_format json` or a WhisperX result after diarization, whose segments carry
`speaker` ("SPEAKER_00"). The label is kept as given, or "speaker" when the file was not diarized;
the role is UNKNOWN unless the label itself says agent or customer.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..models import Transcript
from .base import ReadOptions, TranscriptReadError, build_transcript, make_turns
from .vendor_json import language_metadata, load_json, need_list, need_object, number

_FIX = "save the Whisper/WhisperX result as JSON with segments[] of {start, end, text}"


def detect(path: Path, text: str) -> bool:
    data = load_json(text)
    if not isinstance(data, dict) or not isinstance(data.get("segments"), list):
        return False
    first = [s for s in data["segments"][:5] if isinstance(s, dict)]
    return bool(first) and all("start" in s and "text" in s for s in first)


def read(path: Path, text: str, options: ReadOptions) -> list[Transcript]:
    data = load_json(text)
    rows: list[dict[str, Any]] = []
    for i, segment in enumerate(need_list(data, "segments", "", _FIX)):
        where = f"segments[{i}]"
        segment = need_object(segment, where, _FIX)
        words = segment.get("text")
        if not isinstance(words, str):
            raise TranscriptReadError(f"{where}.text: missing or not a string; {_FIX}")
        speaker = segment.get("speaker")
        rows.append(
            {
                "speaker": str(speaker).strip() if speaker not in (None, "") else "speaker",
                "text": words,
                "start_s": number(segment.get("start"), f"{where}.start"),
                "end_s": number(segment.get("end"), f"{where}.end"),
            }
        )
    if not rows:
        raise TranscriptReadError(f"segments: the list is empty; {_FIX}")
    metadata: dict[str, Any] = {"source_format": "whisper"}
    metadata.update(language_metadata(data.get("language")))
    return [build_transcript(path, None, make_turns(rows), metadata)]
