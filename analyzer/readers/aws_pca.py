"""Post-call-analytics JSON (ConversationAnalytics + SpeechSegments[]) into one turn per segment.

Input: the result the AWS post-call-analytics solution writes for a call. Turns keep the internal
speaker name ("spk_0") as their label and role UNKNOWN. The declared mapping in
`ConversationAnalytics.SpeakerLabels` is kept in metadata (`speaker_labels` as given,
`declared_roles` as agent/customer) but not trusted: it is a display setting that is often wrong
(the published sample names spk_0 the agent while spk_1 plainly is), so role inference decides.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..models import Role, Transcript
from .base import ReadOptions, TranscriptReadError, build_transcript, make_turns, role_from_label
from .vendor_json import language_metadata, load_json, need_dict, need_list, need_object, number

_FIX = "export the complete post-call-analytics result (SpeechSegments[] with SegmentSpeaker and text)"
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def detect(path: Path, text: str) -> bool:
    data = load_json(text)
    return isinstance(data, dict) and "SpeechSegments" in data and isinstance(data.get("ConversationAnalytics"), dict)


def read(path: Path, text: str, options: ReadOptions) -> list[Transcript]:
    data = load_json(text)
    analytics = need_dict(data, "ConversationAnalytics", "", _FIX)
    segments = need_list(data, "SpeechSegments", "", _FIX)
    labels = _speaker_labels(analytics)

    rows: list[dict[str, Any]] = []
    for i, segment in enumerate(segments):
        where = f"SpeechSegments[{i}]"
        segment = need_object(segment, where, _FIX)
        speaker = segment.get("SegmentSpeaker")
        if not isinstance(speaker, str) or not speaker.strip():
            raise TranscriptReadError(f"{where}.SegmentSpeaker: missing; each segment must name its speaker (spk_0); {_FIX}")
        # DisplayText is the text after any edit in the PCA UI; OriginalText is the raw recognition.
        words = segment.get("DisplayText")
        if not isinstance(words, str) or not words.strip():
            words = segment.get("OriginalText")
        if not isinstance(words, str):
            raise TranscriptReadError(f"{where}: no DisplayText or OriginalText string; {_FIX}")
        rows.append(
            {
                "speaker": speaker.strip(),
                "role": Role.UNKNOWN,
                "text": words,
                "start_s": number(segment.get("SegmentStartTime"), f"{where}.SegmentStartTime"),
                "end_s": number(segment.get("SegmentEndTime"), f"{where}.SegmentEndTime"),
            }
        )

    metadata: dict[str, Any] = {"source_format": "aws_pca"}
    metadata.update(language_metadata(analytics.get("LanguageCode")))
    if labels:
        metadata["speaker_labels"] = labels
        declared = {spk: role_from_label(name).value for spk, name in labels.items()}
        metadata["declared_roles"] = {spk: r for spk, r in declared.items() if r != Role.UNKNOWN.value}
    agent = analytics.get("Agent")
    if isinstance(agent, str) and agent.strip() and agent.strip() != "None":
        metadata["agent_id"] = agent.strip()
    when = analytics.get("ConversationTime")
    if isinstance(when, str) and _DATE_RE.match(when):
        metadata["date"] = when[:10]
        metadata["conversation_time"] = when
    guid = analytics.get("GUID")
    if isinstance(guid, str) and guid.strip() and guid.strip() != "None":
        metadata["guid"] = guid.strip()
    return [build_transcript(path, None, make_turns(rows), metadata)]


def _speaker_labels(analytics: dict[str, Any]) -> dict[str, str]:
    raw = analytics.get("SpeakerLabels")
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise TranscriptReadError(
            f"ConversationAnalytics.SpeakerLabels: expected a list of {{Speaker, DisplayText}}, got {type(raw).__name__}"
        )
    labels: dict[str, str] = {}
    for i, entry in enumerate(raw):
        entry = need_object(entry, f"ConversationAnalytics.SpeakerLabels[{i}]", "give {Speaker, DisplayText}")
        if entry.get("Speaker") and entry.get("DisplayText"):
            labels[str(entry["Speaker"])] = str(entry["DisplayText"])
    return labels
