"""Which language (and so which pack) a call is in: its metadata, else detection from the text.

Detection scores the call's words against each candidate language's stop words and letters that only
that language writes, so it needs no model and works on unpunctuated ASR text.
"""
from __future__ import annotations

from collections.abc import Iterable

from .models import Transcript
from .nlp import language_model
from .normalize import tokenize

# Letters that one candidate writes and its nearest neighbour does not.
DISTINCT_LETTERS: dict[str, frozenset[str]] = {
    "ru": frozenset("ыэё"),
    "bg": frozenset("ѝ"),
    "ro": frozenset("ăâîșşțţ"),
    "it": frozenset("àèéìòù"),
}
SAMPLE_WORDS = 400


def normalise_code(value: object) -> str | None:
    """'en', 'EN', 'en-GB', 'en_US' -> 'en'."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower().replace("_", "-").split("-")[0]


def detect_language(transcript: Transcript, candidates: Iterable[str]) -> str | None:
    candidates = list(candidates)
    if not candidates:
        return None
    text = " ".join(t.text for t in transcript.turns)
    words = tokenize(text, "xx")[:SAMPLE_WORDS]
    if not words:
        return None
    letters = set("".join(words))
    best, best_score = None, -1.0
    for lang in candidates:
        stops = language_model(lang).stop_words
        score = sum(1 for w in words if w in stops) / len(words)
        score += 0.2 * len(letters & DISTINCT_LETTERS.get(lang, frozenset()))
        if _script(words) != _script_of(lang):
            score -= 1.0
        if score > best_score:
            best, best_score = lang, score
    return best


def _script(words: list[str]) -> str:
    cyrillic = sum(1 for w in words if any("\u0400" <= ch <= "\u04ff" for ch in w))
    return "cyrillic" if cyrillic > len(words) / 2 else "latin"


def _script_of(lang: str) -> str:
    return "cyrillic" if lang in ("ru", "bg", "uk", "sr", "mk", "be") else "latin"


def choose_language(transcript: Transcript, available: Iterable[str], forced: str | None = None) -> tuple[str | None, str]:
    """(language, how it was chosen): forced by --rules, metadata, detected, or the only pack."""
    available = list(available)
    if forced:
        return forced, "pack"
    declared = normalise_code(transcript.metadata.get("language"))
    if declared in available:
        return declared, "metadata"
    if len(available) == 1:
        return available[0], "only pack"
    detected = detect_language(transcript, available)
    return detected, "detected"
