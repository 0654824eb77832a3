"""Amazon Transcribe batch output (results.items) into turns, one per run of words by one speaker.

Input: the job's JSON with speaker diarization (`speaker_labels`) or channel identification
(`channel_labels`). The speaker of a word is its own `speaker_label`/`channel_label` when the item
carries one (current outputs), or is looked up in `speaker_labels.segments[].items` /
`channel_labels.channels[].items` (older outputs). Punctuation joins the word before it. Labels such
as "spk_0" or "ch_1" are kept as they are with role UNKNOWN: Transcribe does not know who the agent
is. Vocabulary-filter masks ("***") stay in the text as spoken placeholders.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..models import Role, Transcript
from .base import ReadOptions, TranscriptReadError, build_transcript, make_turns
from .vendor_json import language_metadata, load_json, need_dict, need_list, number

_FIX = "export the complete Amazon Transcribe job output (results.items with alternatives)"


def detect(path: Path, text: str) -> bool:
    data = load_json(text)
    if not isinstance(data, dict):
        return False
    results = data.get("results")
    return isinstance(results, dict) and "items" in results and (
        "transcripts" in results or "jobName" in data or "speaker_labels" in results or "channel_labels" in results
    )


def read(path: Path, text: str, options: ReadOptions) -> list[Transcript]:
    data = load_json(text)
    results = need_dict(data, "results", "", _FIX)
    items = need_list(results, "items", "results", _FIX)
    lookup = _speaker_lookup(results)
    by_channel = "channel_labels" in results and "speaker_labels" not in results

    tokens: list[dict[str, Any]] = []  # a word with the punctuation that follows it
    for i, item in enumerate(items):
        where = f"results.items[{i}]"
        if not isinstance(item, dict):
            raise TranscriptReadError(f"{where}: expected an object with 'type' and 'alternatives'; {_FIX}")
        content = _content(item, where)
        if item.get("type") == "punctuation":
            if tokens:
                tokens[-1]["text"] += content
            continue
        start = number(item.get("start_time"), f"{where}.start_time")
        end = number(item.get("end_time"), f"{where}.end_time")
        speaker = item.get("speaker_label") or item.get("channel_label")
        if speaker is None:
            speaker = lookup.get((item.get("start_time"), item.get("end_time")))
        if speaker is None and tokens:
            speaker = tokens[-1]["speaker"]  # no label for this word: it continues the current turn
        tokens.append({"speaker": str(speaker or ""), "text": content, "start": start, "end": end})

    if by_channel:
        # Channels are recorded side by side; interleave their words in time (stable for equal starts).
        tokens.sort(key=lambda t: (t["start"] is None, t["start"] or 0.0))

    rows: list[dict[str, Any]] = []
    for token in tokens:
        if rows and rows[-1]["speaker"] == token["speaker"]:
            row = rows[-1]
            row["text"] += " " + token["text"]
            row["end_s"] = token["end"] if token["end"] is not None else row["end_s"]
        else:
            rows.append(
                {
                    "speaker": token["speaker"],
                    "role": Role.UNKNOWN,
                    "text": token["text"],
                    "start_s": token["start"],
                    "end_s": token["end"],
                }
            )
    if not rows:
        raise TranscriptReadError(f"results.items: no words found; {_FIX}")

    metadata: dict[str, Any] = {"source_format": "aws_transcribe"}
    if data.get("jobName"):
        metadata["job_name"] = data["jobName"]
    metadata.update(language_metadata(results.get("language_code")))
    metadata["speaker_source"] = "channel" if by_channel else ("speaker" if lookup or _items_labelled(items) else "none")
    return [build_transcript(path, None, make_turns(rows), metadata)]


def _content(item: dict[str, Any], where: str) -> str:
    alternatives = need_list(item, "alternatives", where, _FIX)
    if not alternatives or not isinstance(alternatives[0], dict) or not isinstance(alternatives[0].get("content"), str):
        raise TranscriptReadError(f"{where}.alternatives[0].content: missing or not a string; {_FIX}")
    return alternatives[0]["content"]


def _speaker_lookup(results: dict[str, Any]) -> dict[tuple[Any, Any], str]:
    """(start_time, end_time) of each word -> its speaker or channel label, from the older layouts."""
    lookup: dict[tuple[Any, Any], str] = {}
    speakers = results.get("speaker_labels")
    if isinstance(speakers, dict):
        segments = need_list(speakers, "segments", "results.speaker_labels", _FIX)
        for s, segment in enumerate(segments):
            where = f"results.speaker_labels.segments[{s}]"
            if not isinstance(segment, dict):
                raise TranscriptReadError(f"{where}: expected an object with 'speaker_label' and 'items'; {_FIX}")
            for word in segment.get("items") or []:
                if isinstance(word, dict):
                    label = word.get("speaker_label") or segment.get("speaker_label")
                    lookup[(word.get("start_time"), word.get("end_time"))] = str(label)
    channels = results.get("channel_labels")
    if isinstance(channels, dict) and not lookup:
        for c, channel in enumerate(need_list(channels, "channels", "results.channel_labels", _FIX)):
            where = f"results.channel_labels.channels[{c}]"
            if not isinstance(channel, dict) or not channel.get("channel_label"):
                raise TranscriptReadError(f"{where}: expected an object with 'channel_label' and 'items'; {_FIX}")
            for word in channel.get("items") or []:
                if isinstance(word, dict) and word.get("type") != "punctuation":
                    lookup[(word.get("start_time"), word.get("end_time"))] = str(channel["channel_label"])
    return lookup


def _items_labelled(items: list[Any]) -> bool:
    return any(isinstance(i, dict) and (i.get("speaker_label") or i.get("channel_label")) for i in items)
