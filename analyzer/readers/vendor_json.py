"""What the JSON format readers share: one parse per document, and key look-ups that fail clearly.

Every JSON reader's detect() looks at the parsed document, so the text is parsed once and cached
rather than once per reader. The `need_*` look-ups raise `TranscriptReadError` naming the key path
(`results.items[3].alternatives`) and how to fix the file.
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from .base import TranscriptReadError

_MISSING = object()


def load_json(text: str) -> Any:
    """The parsed document, or None when the text is not one JSON document (JSONL, broken JSON)."""
    head = text.lstrip()[:1]
    if head not in ("{", "["):
        return None
    return _parse(text)


@lru_cache(maxsize=4)
def _parse(text: str) -> Any:
    # Small cache: read_file hands the same string to each reader's detect() and then to read().
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return None


def need(data: dict[str, Any], key: str, where: str, fix: str) -> Any:
    """data[key], or an error naming `where.key` and the fix."""
    value = data.get(key, _MISSING) if isinstance(data, dict) else _MISSING
    if value is _MISSING or value is None:
        raise TranscriptReadError(f"{_path(where, key)}: key is missing; {fix}")
    return value


def need_list(data: dict[str, Any], key: str, where: str, fix: str) -> list[Any]:
    value = need(data, key, where, fix)
    if not isinstance(value, list):
        raise TranscriptReadError(f"{_path(where, key)}: expected a list, got {_kind(value)}; {fix}")
    return value


def need_dict(data: dict[str, Any], key: str, where: str, fix: str) -> dict[str, Any]:
    value = need(data, key, where, fix)
    if not isinstance(value, dict):
        raise TranscriptReadError(f"{_path(where, key)}: expected an object, got {_kind(value)}; {fix}")
    return value


def need_text(data: dict[str, Any], key: str, where: str, fix: str) -> str:
    value = need(data, key, where, fix)
    if not isinstance(value, str):
        raise TranscriptReadError(f"{_path(where, key)}: expected a string, got {_kind(value)}; {fix}")
    return value


def need_object(value: Any, where: str, fix: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TranscriptReadError(f"{where}: expected an object, got {_kind(value)}; {fix}")
    return value


def number(value: Any, where: str, *, scale: float = 1.0) -> float | None:
    """A time value as float seconds (numbers or numeric strings, divided by `scale`); None if absent."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TranscriptReadError(f"{where}: expected a number, got {value!r}")
    try:
        return float(value) / scale
    except (TypeError, ValueError):
        raise TranscriptReadError(f"{where}: expected a number, got {value!r}") from None


def language_metadata(code: Any) -> dict[str, str]:
    """`language` as the primary subtag rule packs are named by ("en-US" -> "en"), plus the code as given."""
    if not isinstance(code, str) or not code.strip():
        return {}
    code = code.strip()
    return {"language": code.replace("_", "-").split("-")[0].lower(), "language_code": code}


def _path(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__
