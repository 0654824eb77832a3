"""Any other JSON holding a list of turns, read through recognisable keys or the --map field mapping.

Input shapes: a list of turn objects (one call, or several when the turns carry a call_id); an
object with its turns under one key (other keys become metadata); a list of such objects (one call
each). A turn is an object or a `[speaker, text]` pair. `ReadOptions.field_map` names the fields
(target=source): call_id, speaker, text, start, end (seconds or mm:ss), start_ms, end_ms,
duration_ms. Without a mapping the usual names are recognised; a human transcript is preferred over
ASR (`human_transcript` before `transcript`) and `start_ms` + `duration_ms` give the end.

detect() cannot see the options, so it accepts any JSON with a list of objects and read() reports
what to map when neither the mapping nor the recognised names find the speaker and the text.
callqa's own files (calls with a "turns" list) are left to json_calls.

A file inside a `transcript/` folder with a `metadata/<same name>` beside it (the Harper Valley
layout) takes the agent's name, speaker id and tasks from that file, and nothing it does not state.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..models import Role, Transcript
from .base import ReadOptions, TranscriptReadError, build_transcript, make_turns, parse_seconds, role_from_label, split_metadata
from .vendor_json import language_metadata, load_json

TARGETS = ("call_id", "speaker", "text", "start", "end", "start_ms", "end_ms", "duration_ms")
_SPEAKER_KEYS = ("speaker", "speaker_role", "speaker_label", "role", "participant", "spk", "from", "author", "sender")
_ROLE_KEYS = ("role", "speaker_role")
# A person's transcript is more faithful than the recogniser's, so it wins when a file has both.
_TEXT_KEYS = ("human_transcript", "text", "transcript", "utterance", "content", "message", "body")
_TIME_KEYS = {
    "start": ("start", "start_s", "start_time", "begin"),
    "end": ("end", "end_s", "end_time"),
    "start_ms": ("start_ms", "begin_ms"),
    "end_ms": ("end_ms",),
    "duration_ms": ("duration_ms",),
}
_CALL_KEYS = ("call_id", "conversation_id", "convo_id", "dialogue_id", "dialog_id", "session_id", "sid", "id")
_TURN_CALL_KEYS = ("call_id", "conversation_id")
# Where datasets keep their turns; "original" before "delexed": ABCD's delexed copy hides names.
_LIST_KEYS = ("turns", "utterances", "original", "messages", "dialogue", "dialog", "conversation", "transcript", "segments")
# Labels of non-human or non-party lines (dataset actions, system notices, IVR): never agent speech.
_OTHER_LABELS = {"action", "system", "system_message", "event", "ivr", "bot"}
_CALLQA_TEXT_KEYS = ("text", "utterance", "transcript", "content")


def detect(path: Path, text: str) -> bool:
    data = load_json(text)
    if data is None or _is_callqa(data):
        return False
    return bool(_conversations(data, {}))


def read(path: Path, text: str, options: ReadOptions) -> list[Transcript]:
    fmap = dict(options.field_map)
    unknown = sorted(set(fmap) - set(TARGETS))
    if unknown:
        raise TranscriptReadError(f"--map {unknown[0]}=...: unknown target; use one of {', '.join(TARGETS)}")
    data = load_json(text)
    conversations = _conversations(data, fmap)
    if not conversations:
        raise TranscriptReadError("no list of turns found: expected a JSON list of turn objects or an object holding one")
    sidecar = _sidecar_metadata(path)
    calls: list[Transcript] = []
    for where, holder, list_key, turns in conversations:
        fields = _resolve_fields(turns, fmap, where)
        groups = _group_by_call(turns, fields)
        for call_value, members in groups:
            rows = [_row(turn, fields, f"{where}[{i}]") for i, turn in members]
            metadata: dict[str, Any] = {"source_format": "generic_json", "text_field": fields.get("text", "pair")}
            call_id = call_value
            if holder is not None:
                # Other copies of the turns (ABCD's delexed list) would only bloat the metadata.
                skip = {k for k, v in holder.items() if k == list_key or v == [] or _turn_like_list(v, {})}
                call_key = fmap.get("call_id") if fmap.get("call_id") in holder else next(
                    (k for k in _CALL_KEYS if isinstance(holder.get(k), (str, int)) and not isinstance(holder.get(k), bool)), None
                )
                if call_key:
                    skip.add(call_key)
                    call_id = call_id or holder[call_key]
                metadata.update(split_metadata(holder, exclude=skip))
                metadata.update(language_metadata(holder.get("language")))
            metadata.update(sidecar)
            if call_id in (None, "") and (len(conversations) > 1 or len(groups) > 1):
                call_id = f"{path.stem}-{len(calls) + 1}"
            calls.append(build_transcript(path, call_id, make_turns(rows), metadata))
    return calls


def _is_callqa(data: Any) -> bool:
    """callqa's own call objects: a "turns" list whose objects json_calls can read."""
    calls = data if isinstance(data, list) else [data]
    for call in calls[:5]:
        if isinstance(call, dict) and isinstance(call.get("turns"), list):
            turns = [t for t in call["turns"][:5] if isinstance(t, dict)]
            if not turns or any(k in t for t in turns for k in _CALLQA_TEXT_KEYS):
                return True
    return False


def _conversations(data: Any, fmap: dict[str, str]) -> list[tuple[str, dict[str, Any] | None, str, list[Any]]]:
    """(key path, holding object or None, key of the list, turns) for every call in the document."""
    if isinstance(data, list):
        if _turn_like_list(data, fmap):
            return [("", None, "", data)]
        found = []
        for i, item in enumerate(data):
            key = _pick_list(item, fmap) if isinstance(item, dict) else None
            if key is not None:
                found.append((f"[{i}].{key}", item, key, item[key]))
        return found
    if isinstance(data, dict):
        key = _pick_list(data, fmap)
        if key is not None:
            return [(key, data, key, data[key])]
        for outer, value in data.items():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value[:5]):
                nested = _conversations(value, fmap)
                if nested and nested[0][1] is not None:
                    return [(f"{outer}{w}", h, k, t) for w, h, k, t in nested]
    return []


def _pick_list(obj: dict[str, Any], fmap: dict[str, str]) -> str | None:
    candidates = [k for k, v in obj.items() if _turn_like_list(v, fmap)]
    if not candidates:
        return None
    recognised = [k for k in candidates if _recognised(obj[k], fmap)] or candidates
    ranked = sorted(recognised, key=lambda k: _LIST_KEYS.index(k) if k in _LIST_KEYS else len(_LIST_KEYS))
    return ranked[0]


def _turn_like_list(value: Any, fmap: dict[str, str]) -> bool:
    if not isinstance(value, list) or not value:
        return False
    sample = value[:10]
    if all(_is_pair(v) for v in sample):
        return True
    return all(isinstance(v, dict) and not _is_conversation(v, fmap) for v in sample)


def _is_conversation(obj: dict[str, Any], fmap: dict[str, str]) -> bool:
    """An object holding a list of turns and no words of its own (a turn may hold word lists)."""
    text_keys = (fmap["text"],) if "text" in fmap else _TEXT_KEYS
    if any(isinstance(obj.get(k), str) for k in text_keys):
        return False
    return any(_turn_like_list(v, fmap) for v in obj.values() if isinstance(v, list))


def _recognised(turns: list[Any], fmap: dict[str, str]) -> bool:
    if _is_pair(turns[0]):
        return True
    keys = {k for t in turns[:10] if isinstance(t, dict) for k in t}
    text_ok = fmap.get("text") in keys if "text" in fmap else any(k in keys for k in _TEXT_KEYS)
    speaker_ok = fmap.get("speaker") in keys if "speaker" in fmap else any(k in keys for k in _SPEAKER_KEYS)
    return text_ok and speaker_ok


def _is_pair(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(isinstance(x, str) for x in value)


def _resolve_fields(turns: list[Any], fmap: dict[str, str], where: str) -> dict[str, str]:
    """Which field of the turn objects holds each target, for the whole list."""
    if _is_pair(turns[0]):
        return {}
    keys: list[str] = []
    for turn in turns:
        if isinstance(turn, dict):
            keys.extend(k for k in turn if k not in keys)
    fields: dict[str, str] = {}
    for target, source in fmap.items():
        if target == "call_id":
            if source in keys:
                fields[target] = source
            continue
        if source not in keys:
            raise TranscriptReadError(
                f"--map {target}={source}: no field {source!r} in the turn objects of {where or 'the file'}; "
                f"their fields are {', '.join(keys)}"
            )
        fields[target] = source
    if "text" not in fields:
        found = next((k for k in _TEXT_KEYS if k in keys), None)
        if found is None:
            raise TranscriptReadError(
                f"{where or 'turns'}: no text field among {', '.join(keys)}; name it with --map text=FIELD"
            )
        fields["text"] = found
    if "speaker" not in fields:
        found = next((k for k in _SPEAKER_KEYS if k in keys), None)
        if found is None:
            raise TranscriptReadError(
                f"{where or 'turns'}: no speaker field among {', '.join(keys)}; name it with --map speaker=FIELD"
            )
        fields["speaker"] = found
    role_field = next((k for k in _ROLE_KEYS if k in keys and k != fields["speaker"]), None)
    if role_field:
        fields["role"] = role_field
    if "call_id" not in fields:
        turn_call = next((k for k in _TURN_CALL_KEYS if k in keys), None)
        if turn_call:
            fields["call_id"] = turn_call
    # A mapped time wins over a recognised one of the same kind (start, end, duration).
    for family in (("start", "start_ms"), ("end", "end_ms"), ("duration_ms",)):
        if any(target in fields for target in family):
            continue
        for target in family:
            found = next((k for k in _TIME_KEYS[target] if k in keys), None)
            if found:
                fields[target] = found
                break
    return fields


def _group_by_call(turns: list[Any], fields: dict[str, str]) -> list[tuple[Any, list[tuple[int, Any]]]]:
    """Turns split by their call_id field, in order of first appearance; one group when there is none."""
    key = fields.get("call_id")
    if not key:
        return [(None, list(enumerate(turns)))]
    groups: dict[Any, list[tuple[int, Any]]] = {}
    for i, turn in enumerate(turns):
        value = turn.get(key) if isinstance(turn, dict) else None
        groups.setdefault(value, []).append((i, turn))
    return list(groups.items())


def _row(turn: Any, fields: dict[str, str], where: str) -> dict[str, Any]:
    if _is_pair(turn):
        speaker, words = turn
        return {"speaker": speaker, "role": _role(speaker, None), "text": words}
    if not isinstance(turn, dict):
        raise TranscriptReadError(f"{where}: expected a turn object or a [speaker, text] pair, got {type(turn).__name__}")
    words = turn.get(fields["text"])
    if words is None:
        words = ""
    if not isinstance(words, str):
        raise TranscriptReadError(f"{where}.{fields['text']}: expected a string, got {type(words).__name__}")
    speaker = turn.get(fields["speaker"])
    speaker = "" if speaker is None else str(speaker)
    role_value = turn.get(fields["role"]) if "role" in fields else None
    start = _seconds(turn, fields, "start", where)
    end = _seconds(turn, fields, "end", where)
    if end is None and start is not None and "duration_ms" in fields:
        duration = parse_seconds(turn.get(fields["duration_ms"]), where=f"{where}.{fields['duration_ms']}")
        end = None if duration is None else round(start + duration / 1000.0, 3)
    return {"speaker": speaker, "role": _role(speaker, role_value), "text": words, "start_s": start, "end_s": end}


def _seconds(turn: dict[str, Any], fields: dict[str, str], name: str, where: str) -> float | None:
    if f"{name}_ms" in fields:
        key = fields[f"{name}_ms"]
        value = parse_seconds(turn.get(key), where=f"{where}.{key}")
        return None if value is None else value / 1000.0
    if name in fields:
        key = fields[name]
        return parse_seconds(turn.get(key), where=f"{where}.{key}")
    return None


def _role(speaker: str, role_value: Any) -> Role:
    for label in (role_value, speaker):
        if isinstance(label, str) and label.strip():
            if label.strip().casefold() in _OTHER_LABELS:
                return Role.OTHER
            role = role_from_label(label)
            if role is not Role.UNKNOWN:
                return role
    return Role.UNKNOWN


def _sidecar_metadata(path: Path) -> dict[str, Any]:
    """Agent name, speaker id and tasks from `../metadata/<same name>` beside a `transcript/` folder."""
    if path.parent.name != "transcript":
        return {}
    sidecar = path.parent.parent / "metadata" / path.name
    if not sidecar.is_file():
        return {}
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TranscriptReadError(f"metadata file {sidecar} cannot be read ({exc}): fix it or move it away") from None
    found: dict[str, Any] = {}
    agent = data.get("agent") if isinstance(data, dict) else None
    if isinstance(agent, dict):
        agent_meta = agent.get("metadata")
        if isinstance(agent_meta, dict) and isinstance(agent_meta.get("agent_name"), str):
            found["agent_name"] = agent_meta["agent_name"].strip()
        # speaker_id numbers the person who played the agent (the same one plays other names in
        # other calls), so it is kept under its own name rather than passed off as agent_id.
        if isinstance(agent.get("speaker_id"), (int, str)) and not isinstance(agent.get("speaker_id"), bool):
            found["agent_speaker_id"] = str(agent["speaker_id"])
    if isinstance(data, dict) and isinstance(data.get("tasks"), list):
        found["tasks"] = data["tasks"]
    if found:
        found["metadata_file"] = str(sidecar)
    return found
