"""Amazon Connect Contact Lens and Amazon Transcribe Call Analytics output (Transcript[]) into turns.

Input: the analysis JSON of a voice call (`Transcript[]` with `ParticipantId` or `ParticipantRole`,
`Content`, `BeginOffsetMillis`/`EndOffsetMillis`) or of a chat (`Transcript[]` of MESSAGE and EVENT
items with `AbsoluteTime`). The role comes from the item's `ParticipantRole`, else from
`Participants[]` by `ParticipantId`: AGENT and CUSTOMER map to agent and customer; SYSTEM messages
(queue notices, bots) become Role.OTHER so they can never pass for agent speech. Chat events
(joined, left, ended) carry no words; they are kept in metadata `chat_events`, not as turns.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from ..models import Role, Transcript
from .base import ReadOptions, TranscriptReadError, build_transcript, make_turns
from .vendor_json import language_metadata, load_json, need_list, need_object, number

_FIX = "export the complete Contact Lens / Call Analytics output (Transcript[] with Content)"
_ROLES = {"AGENT": Role.AGENT, "CUSTOMER": Role.CUSTOMER, "SYSTEM": Role.OTHER, "SUPERVISOR": Role.OTHER}


def detect(path: Path, text: str) -> bool:
    data = load_json(text)
    if not isinstance(data, dict) or not isinstance(data.get("Transcript"), list):
        return False
    items = [t for t in data["Transcript"][:20] if isinstance(t, dict)]
    return any("ParticipantId" in t or "ParticipantRole" in t for t in items) or "Participants" in data


def read(path: Path, text: str, options: ReadOptions) -> list[Transcript]:
    data = load_json(text)
    items = need_list(data, "Transcript", "", _FIX)
    participants = _participants(data)
    chat = str(data.get("Channel", "")).upper() == "CHAT" or any(
        isinstance(t, dict) and "AbsoluteTime" in t and "BeginOffsetMillis" not in t for t in items
    )
    origin = _chat_origin(items) if chat else None

    rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        where = f"Transcript[{i}]"
        item = need_object(item, where, _FIX)
        participant = str(item.get("ParticipantId") or "")
        role_name = str(item.get("ParticipantRole") or participants.get(participant, {}).get("role") or "")
        if not role_name and participant.upper() in _ROLES:
            role_name = participant  # voice analyses name the participants AGENT and CUSTOMER
        role_name = role_name.upper()
        start, end = _times(item, where, origin)
        if str(item.get("Type", "")).upper() == "EVENT" or (chat and "Content" not in item):
            events.append(
                {"event": str(item.get("ContentType", "")).rsplit(".event.", 1)[-1], "role": role_name, "start_s": start}
            )
            continue
        content = item.get("Content")
        if not isinstance(content, str):
            raise TranscriptReadError(f"{where}.Content: missing or not a string; each message needs its words; {_FIX}")
        if not role_name and not participant:
            raise TranscriptReadError(
                f"{where}: no ParticipantRole or ParticipantId; each turn must say who spoke; {_FIX}"
            )
        rows.append(
            {
                "speaker": role_name or participant,
                "role": _ROLES.get(role_name, Role.UNKNOWN),
                "text": content,
                "start_s": start,
                "end_s": end,
            }
        )

    metadata: dict[str, Any] = {"source_format": "aws_contact_lens", "channel": "chat" if chat else "voice"}
    metadata.update(language_metadata(data.get("LanguageCode")))
    customer_meta = data.get("CustomerMetadata")
    if isinstance(customer_meta, dict) and customer_meta.get("ContactId"):
        metadata["contact_id"] = customer_meta["ContactId"]
    if data.get("JobName"):
        metadata["job_name"] = data["JobName"]
    agent_names = [p["name"] for p in participants.values() if p["role"] == "AGENT" and _real_name(p["name"])]
    if agent_names:
        metadata["agent_name"] = agent_names[0]
    if participants:
        metadata["participants"] = {pid: p["role"] or p["name"] for pid, p in participants.items()}
    if events:
        metadata["chat_events"] = events
    return [build_transcript(path, None, make_turns(rows), metadata)]


def _participants(data: dict[str, Any]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    raw = data.get("Participants")
    if raw is None:
        return found
    if not isinstance(raw, list):
        raise TranscriptReadError(f"Participants: expected a list, got {type(raw).__name__}; {_FIX}")
    for i, p in enumerate(raw):
        p = need_object(p, f"Participants[{i}]", _FIX)
        pid = str(p.get("ParticipantId") or p.get("ParticipantRole") or "")
        if pid:
            found[pid] = {"role": str(p.get("ParticipantRole") or "").upper(), "name": str(p.get("DisplayName") or "")}
    return found


def _times(item: dict[str, Any], where: str, origin: datetime | None) -> tuple[float | None, float | None]:
    if "BeginOffsetMillis" in item or "EndOffsetMillis" in item:
        return (
            number(item.get("BeginOffsetMillis"), f"{where}.BeginOffsetMillis", scale=1000.0),
            number(item.get("EndOffsetMillis"), f"{where}.EndOffsetMillis", scale=1000.0),
        )
    if origin is not None and item.get("AbsoluteTime"):
        moment = _parse_time(item["AbsoluteTime"], f"{where}.AbsoluteTime")
        return round((moment - origin).total_seconds(), 3), None
    return None, None


def _chat_origin(items: list[Any]) -> datetime | None:
    # Chat messages carry wall-clock times; seconds count from the first item so holds can be timed.
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get("AbsoluteTime"):
            return _parse_time(item["AbsoluteTime"], f"Transcript[{i}].AbsoluteTime")
    return None


def _parse_time(value: Any, where: str) -> datetime:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise TranscriptReadError(f"{where}: {value!r} is not an ISO time like 2022-10-27T03:31:50.735Z") from None


def _real_name(name: str) -> bool:
    # Redacted outputs replace names with "[PII]"; that is no agent name.
    return bool(name.strip()) and not name.strip().startswith("[")
