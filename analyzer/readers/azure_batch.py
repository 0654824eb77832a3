"""Azure AI Speech batch transcription results (`recognizedPhrases[]`) into turns.

Input: one transcription result file as the batch API writes it (`source`, `durationInTicks`,
`combinedRecognizedPhrases`, `recognizedPhrases[]`). Each phrase's words are its best alternative's
`display` text (falling back to `itn`, `maskedITN` and `lexical`); phrases that recognised nothing
(`recognitionStatus` other than Success) are skipped. Consecutive phrases of one speaker form a turn.

Who spoke: in a stereo recording (phrases on more than one channel) each channel is one side of the
call, "channel_0" and "channel_1", which is more reliable than diarization; in a mono recording,
diarization's "speaker_1", "speaker_2". Roles are UNKNOWN: Azure does not know who the agent is, so
they are inferred from what each side says. Times come from `offsetInTicks`/`durationInTicks`
(100-ns ticks), else from the ISO 8601 `offset`/`duration` ("PT1M4.12S").
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..models import Role, Transcript
from .base import ReadOptions, TranscriptReadError, build_transcript, make_turns
from .vendor_json import language_metadata, load_json, need_list, need_object, number

_FIX = "save the transcription file the batch API returns (its recognizedPhrases[] with nBest[])"
_TEXT_KEYS = ("display", "itn", "maskedITN", "lexical")
_TICKS_PER_S = 10_000_000.0
_ISO_DURATION = re.compile(r"^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def detect(path: Path, text: str) -> bool:
    data = load_json(text)
    return isinstance(data, dict) and isinstance(data.get("recognizedPhrases"), list)


def read(path: Path, text: str, options: ReadOptions) -> list[Transcript]:
    data = load_json(text)
    phrases = need_list(data, "recognizedPhrases", "", _FIX)
    parsed = [_phrase(p, f"recognizedPhrases[{i}]", i) for i, p in enumerate(phrases)]
    spoken = [p for p in parsed if p is not None]
    if not spoken:
        raise TranscriptReadError(f"recognizedPhrases: no phrase with recognised words; {_FIX}")
    by_channel = len({p["channel"] for p in spoken}) > 1
    spoken.sort(key=lambda p: (p["start_s"] if p["start_s"] is not None else 0.0, p["order"]))
    rows: list[dict[str, Any]] = []
    for p in spoken:
        if by_channel or p["speaker"] is None:
            label = f"channel_{p['channel']}"
        else:
            label = f"speaker_{p['speaker']}"
        if rows and rows[-1]["speaker"] == label:
            rows[-1]["text"] += " " + p["text"]
            rows[-1]["end_s"] = p["end_s"]
        else:
            rows.append({"speaker": label, "role": Role.UNKNOWN, "text": p["text"],
                         "start_s": p["start_s"], "end_s": p["end_s"]})

    metadata: dict[str, Any] = {"source_format": "azure_batch"}
    if isinstance(data.get("source"), str):
        metadata["audio_source"] = data["source"]
    if isinstance(data.get("timestamp"), str):
        metadata["transcribed_at"] = data["timestamp"]
    duration = _seconds(data, "durationInTicks", "duration", "")
    if duration is not None:
        metadata["audio_duration_s"] = duration
    locale = next((p["locale"] for p in spoken if p["locale"]), None)
    metadata.update(language_metadata(locale))
    return [build_transcript(path, None, make_turns(rows), metadata)]


def _phrase(phrase: Any, where: str, order: int) -> dict[str, Any] | None:
    phrase = need_object(phrase, where, _FIX)
    status = phrase.get("recognitionStatus", "Success")
    if status != "Success":
        return None
    alternatives = need_list(phrase, "nBest", where, _FIX)
    if not alternatives:
        return None
    best = need_object(alternatives[0], f"{where}.nBest[0]", _FIX)
    words = next((best[k] for k in _TEXT_KEYS if isinstance(best.get(k), str) and best[k].strip()), None)
    if words is None:
        if any(k in best for k in _TEXT_KEYS):
            return None  # a phrase of silence or noise: nothing was said
        raise TranscriptReadError(f"{where}.nBest[0]: no 'display' (or itn/lexical) string; {_FIX}")
    start = _seconds(phrase, "offsetInTicks", "offset", where)
    length = _seconds(phrase, "durationInTicks", "duration", where)
    speaker = phrase.get("speaker")
    channel = phrase.get("channel", 0)
    return {
        "text": words,
        "start_s": start,
        "end_s": start + length if start is not None and length is not None else None,
        "speaker": speaker if isinstance(speaker, (int, str)) and not isinstance(speaker, bool) else None,
        "channel": channel if isinstance(channel, (int, str)) and not isinstance(channel, bool) else 0,
        "locale": phrase.get("locale") if isinstance(phrase.get("locale"), str) else None,
        "order": order,
    }


def _seconds(obj: dict[str, Any], ticks_key: str, iso_key: str, where: str) -> float | None:
    """Seconds from a tick count, else from an ISO 8601 duration; None when neither is given."""
    prefix = f"{where}." if where else ""
    if obj.get(ticks_key) is not None:
        return number(obj[ticks_key], f"{prefix}{ticks_key}", scale=_TICKS_PER_S)
    value = obj.get(iso_key)
    if value is None:
        return None
    m = _ISO_DURATION.match(value.strip()) if isinstance(value, str) else None
    if m is None or not any(m.groups()):
        raise TranscriptReadError(f"{prefix}{iso_key}: {value!r} is not an ISO 8601 duration such as 'PT1M4.12S'")
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in m.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds
