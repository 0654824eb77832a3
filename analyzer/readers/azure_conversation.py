"""Azure AI Language conversation JSON (conversationItems[]) into one turn per item.

Input: the conversation-analysis request body as the Azure call-center sample writes it
(`analysisInput.conversations[].conversationItems[]`), a bare `{"conversationItems": [...]}`, or a
list of conversations; each conversation becomes one call. An item's words are its display `text`,
falling back to `itn`, `maskedItn` and `lexical`. Its role is the item's `role` when given
(agent/customer; anything else is UNKNOWN), else what the `participantId` label states.
Word timings (`audioTimings`, in 100-ns ticks) give the turn's start and end when present.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..models import Transcript
from .base import ReadOptions, TranscriptReadError, build_transcript, make_turns, role_from_label
from .vendor_json import language_metadata, load_json, need_list, need_object, number

_FIX = "give each conversation a conversationItems[] list of {participantId, text}"
_TEXT_KEYS = ("text", "itn", "maskedItn", "lexical")
_TICKS_PER_S = 10_000_000.0


def detect(path: Path, text: str) -> bool:
    return bool(_conversations(load_json(text)))


def read(path: Path, text: str, options: ReadOptions) -> list[Transcript]:
    data = load_json(text)
    conversations = _conversations(data)
    calls = []
    for n, (where, conversation) in enumerate(conversations):
        items = need_list(conversation, "conversationItems", where, _FIX)
        rows = [_row(item, f"{_join(where, 'conversationItems')}[{i}]") for i, item in enumerate(items)]
        metadata: dict[str, Any] = {"source_format": "azure_conversation"}
        metadata.update(language_metadata(conversation.get("language")))
        if isinstance(data, dict) and isinstance(data.get("displayName"), str):
            metadata["display_name"] = data["displayName"]
        if conversation.get("modality"):
            metadata["modality"] = conversation["modality"]
        if conversation.get("id"):
            metadata["conversation_id"] = conversation["id"]
        # One conversation is the file's call; several need ids of their own to stay apart.
        call_id = None if len(conversations) == 1 else conversation.get("id") or f"{path.stem}-{n + 1}"
        calls.append(build_transcript(path, call_id, make_turns(rows), metadata))
    return calls


def _conversations(data: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every object holding conversationItems, with its key path, in the nestings Azure uses."""
    if isinstance(data, dict):
        if "conversationItems" in data:
            return [("", data)]
        analysis = data.get("analysisInput")
        if isinstance(analysis, dict) and isinstance(analysis.get("conversations"), list):
            return _listed(analysis["conversations"], "analysisInput.conversations")
        if isinstance(data.get("conversations"), list):
            return _listed(data["conversations"], "conversations")
        return []
    if isinstance(data, list):
        return _listed(data, "")
    return []


def _listed(items: list[Any], where: str) -> list[tuple[str, dict[str, Any]]]:
    found = [(f"{where}[{i}]", c) for i, c in enumerate(items) if isinstance(c, dict) and "conversationItems" in c]
    return found


def _row(item: Any, where: str) -> dict[str, Any]:
    item = need_object(item, where, _FIX)
    words = next((item[k] for k in _TEXT_KEYS if isinstance(item.get(k), str) and item[k].strip()), None)
    if words is None:
        raise TranscriptReadError(f"{where}: no 'text' (or itn/lexical) string; every item needs its words; {_FIX}")
    speaker = item.get("participantId")
    role_value = item.get("role")
    if not speaker and not role_value:
        raise TranscriptReadError(f"{where}.participantId: missing; every item must say who spoke; {_FIX}")
    role = role_from_label(str(role_value)) if isinstance(role_value, str) else role_from_label(str(speaker))
    start, end = _timings(item, where)
    return {
        "speaker": str(speaker or role_value),
        "role": role,
        "text": words,
        "start_s": start,
        "end_s": end,
    }


def _timings(item: dict[str, Any], where: str) -> tuple[float | None, float | None]:
    timings = item.get("audioTimings") or item.get("wordLevelTimings")
    if not isinstance(timings, list) or not timings:
        return None, None
    first, last = timings[0], timings[-1]
    if not isinstance(first, dict) or not isinstance(last, dict):
        raise TranscriptReadError(f"{where}.audioTimings: expected objects with offset and duration")
    start = number(first.get("offset"), f"{where}.audioTimings[0].offset", scale=_TICKS_PER_S)
    last_start = number(last.get("offset"), f"{where}.audioTimings[-1].offset", scale=_TICKS_PER_S)
    duration = number(last.get("duration"), f"{where}.audioTimings[-1].duration", scale=_TICKS_PER_S)
    end = last_start + duration if last_start is not None and duration is not None else None
    return start, end


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
