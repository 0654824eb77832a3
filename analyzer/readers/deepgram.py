"""Deepgram pre-recorded transcription JSON into turns.

Input: a response with `results.utterances[]` (utterances=true), one turn per utterance; without
utterances, the words of `results.channels[].alternatives[0].words` are joined into a turn at each
change of speaker (or channel). Speakers become "speaker_0", "speaker_1" (or "channel_0" when the
audio was split by channel and not diarized), role UNKNOWN: Deepgram does not know who the agent is.
Diarization errors, such as a customer's sentence inside an agent's utterance, are kept as they are.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..models import Role, Transcript
from .base import ReadOptions, TranscriptReadError, build_transcript, make_turns
from .vendor_json import language_metadata, load_json, need_dict, need_list, need_object, number

_FIX = "request the transcript with diarize=true (and utterances=true) and save the whole response"


def detect(path: Path, text: str) -> bool:
    data = load_json(text)
    if not isinstance(data, dict) or not isinstance(data.get("results"), dict):
        return False
    results = data["results"]
    return "utterances" in results or (
        isinstance(results.get("channels"), list) and "items" not in results
    )


def read(path: Path, text: str, options: ReadOptions) -> list[Transcript]:
    data = load_json(text)
    results = need_dict(data, "results", "", _FIX)
    if results.get("utterances") is not None:
        rows = _from_utterances(need_list(results, "utterances", "results", _FIX))
        source = "utterances"
    else:
        rows = _from_words(need_list(results, "channels", "results", _FIX))
        source = "words"
    if not rows:
        raise TranscriptReadError(f"results: no utterances or words found; {_FIX}")

    metadata: dict[str, Any] = {"source_format": "deepgram", "turn_source": source}
    meta = data.get("metadata")
    if isinstance(meta, dict):
        if meta.get("request_id"):
            metadata["request_id"] = meta["request_id"]
        if isinstance(meta.get("duration"), (int, float)):
            metadata["audio_duration_s"] = float(meta["duration"])
    channels = results.get("channels")
    if isinstance(channels, list) and channels and isinstance(channels[0], dict):
        metadata.update(language_metadata(channels[0].get("detected_language")))
    return [build_transcript(path, None, make_turns(rows), metadata)]


def _from_utterances(utterances: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for i, utterance in enumerate(utterances):
        where = f"results.utterances[{i}]"
        utterance = need_object(utterance, where, _FIX)
        words = utterance.get("transcript")
        if not isinstance(words, str):
            raise TranscriptReadError(f"{where}.transcript: missing or not a string; {_FIX}")
        rows.append(
            {
                "speaker": _label(utterance, where),
                "role": Role.UNKNOWN,
                "text": words,
                "start_s": number(utterance.get("start"), f"{where}.start"),
                "end_s": number(utterance.get("end"), f"{where}.end"),
            }
        )
    return rows


def _from_words(channels: list[Any]) -> list[dict[str, Any]]:
    words: list[tuple[float, int, str, str, float | None]] = []
    for c, channel in enumerate(channels):
        where = f"results.channels[{c}]"
        channel = need_object(channel, where, _FIX)
        alternatives = need_list(channel, "alternatives", where, _FIX)
        if not alternatives:
            continue
        best = need_object(alternatives[0], f"{where}.alternatives[0]", _FIX)
        for w, word in enumerate(need_list(best, "words", f"{where}.alternatives[0]", _FIX)):
            wwhere = f"{where}.alternatives[0].words[{w}]"
            word = need_object(word, wwhere, _FIX)
            token = word.get("punctuated_word") or word.get("word")
            if not isinstance(token, str):
                raise TranscriptReadError(f"{wwhere}.word: missing or not a string; {_FIX}")
            if "speaker" not in word and len(channels) > 1:
                label = f"channel_{c}"
            else:
                label = _label(word, wwhere)
            start = number(word.get("start"), f"{wwhere}.start")
            words.append((start if start is not None else 0.0, len(words), label, token, number(word.get("end"), f"{wwhere}.end")))
    # Several channels each list their own words; merge them in time so the dialogue reads in order.
    words.sort(key=lambda w: (w[0], w[1]))
    rows: list[dict[str, Any]] = []
    for start, _, label, token, end in words:
        if rows and rows[-1]["speaker"] == label:
            rows[-1]["text"] += " " + token
            rows[-1]["end_s"] = end
        else:
            rows.append({"speaker": label, "role": Role.UNKNOWN, "text": token, "start_s": start, "end_s": end})
    return rows


def _label(obj: dict[str, Any], where: str) -> str:
    speaker = obj.get("speaker")
    if speaker is None:
        channel = obj.get("channel")
        if isinstance(channel, int) and not isinstance(channel, bool):
            return f"channel_{channel}"
        raise TranscriptReadError(f"{where}.speaker: missing; {_FIX}")
    if isinstance(speaker, bool) or not isinstance(speaker, (int, str)):
        raise TranscriptReadError(f"{where}.speaker: expected a speaker number, got {speaker!r}")
    return f"speaker_{speaker}"
