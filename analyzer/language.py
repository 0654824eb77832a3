"""Which language (and so which pack) a call is in: its metadata, else detection from the text.

Detection needs no model and works on unpunctuated ASR text without diacritics. It first reads the
script (Cyrillic or Latin), then, among the candidates written in that script, counts two kinds of
evidence in the call's words:

- words only that language uses: its stop words that no other candidate has (Russian "вы", "что",
  "это" against Bulgarian "ще", "това", "какво"; Italian "il", "che", "per" against Romanian "nu",
  "să", "pentru"), compared without diacritics so that "sa"/"va"/"si" still count when ASR drops
  them, plus a few call-centre words per language;
- letters or letter patterns only that language writes: Russian ы, э, ё; Bulgarian ъ inside a word
  (Russian writes ъ only before е, ё, ю, я) and ѝ; Romanian ă, â, î, ș, ț; Italian accented
  vowels at the end of a word.

Stop words shared by two candidates ("на", "за", "да"; "la", "un", "in") prove nothing and are left out.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from .models import Transcript
from .nlp import language_model
from .normalize import fold_diacritics, tokenize

SAMPLE_WORDS = 400
CYRILLIC = frozenset({"ru", "bg", "uk", "sr", "mk", "be"})

# Spellings that one candidate writes and its neighbours do not; each word showing one is evidence.
DISTINCT_SPELLINGS: dict[str, re.Pattern[str]] = {
    "ru": re.compile(r"[ыэё]"),
    "bg": re.compile(r"ъ(?![еёюя])|ѝ"),
    "ro": re.compile(r"[ăâîșşțţ]"),
    "it": re.compile(r"[àèìòù]$|é$"),
}
# Everyday call words that a language's stop list lacks (or shares): greetings, thanks, please.
MARKER_WORDS: dict[str, frozenset[str]] = {
    "ru": frozenset("здравствуйте спасибо пожалуйста свидания минуту подскажите хорошо".split()),
    "bg": frozenset("здравейте благодаря моля довиждане дочуване момент добре ами".split()),
    "it": frozenset("buongiorno grazie prego arrivederci attesa allora perfetto cortesia".split()),
    "ro": frozenset("buna ziua multumesc multumim revedere rog dumneavoastra doamna domnul".split()),
    "en": frozenset("hello thanks thank please goodbye bye okay yeah".split()),
}
SPELLING_WEIGHT = 2.0  # one word with a distinctive letter outweighs one distinctive word


def normalise_code(value: object) -> str | None:
    """'en', 'EN', 'en-GB', 'en_US' -> 'en'."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower().replace("_", "-").split("-")[0]


@functools.lru_cache(maxsize=32)
def _exclusive_words(candidates: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """Per candidate: its stop and marker words (without diacritics) that no other candidate has."""
    vocab = {
        lang: frozenset(fold_diacritics(w) for w in language_model(lang).stop_words | MARKER_WORDS.get(lang, frozenset()))
        for lang in candidates
    }
    return {
        lang: words - frozenset().union(*(vocab[other] for other in candidates if other != lang))
        for lang, words in vocab.items()
    }


def language_scores(transcript: Transcript, candidates: Iterable[str]) -> dict[str, float]:
    """Evidence per candidate language, per word of the call (higher is likelier)."""
    candidates = tuple(sorted(set(candidates)))
    text = " ".join(t.text for t in transcript.turns)
    words = [w for w in tokenize(text, "xx") if not w.isdigit()][:SAMPLE_WORDS]
    if not words or not candidates:
        return {}
    script = _script(words)
    in_script = tuple(lang for lang in candidates if _script_of(lang) == script) or candidates
    exclusive = _exclusive_words(in_script)
    folded = [fold_diacritics(w) for w in words]
    scores: dict[str, float] = {}
    for lang in candidates:
        if lang not in in_script:
            scores[lang] = -1.0
            continue
        hits = sum(1 for w in folded if w in exclusive[lang])
        pattern = DISTINCT_SPELLINGS.get(lang)
        spelled = sum(1 for w in words if pattern.search(w)) if pattern else 0
        scores[lang] = (hits + SPELLING_WEIGHT * spelled) / len(words)
    return scores


def detect_language(transcript: Transcript, candidates: Iterable[str]) -> str | None:
    scores = language_scores(transcript, candidates)
    if not scores:
        return None
    # Ties go to the alphabetically first candidate, so a run is reproducible.
    return max(sorted(scores), key=lambda lang: scores[lang])


def _script(words: list[str]) -> str:
    cyrillic = sum(1 for w in words if any("\u0400" <= ch <= "\u04ff" for ch in w))
    return "cyrillic" if cyrillic > len(words) / 2 else "latin"


def _script_of(lang: str) -> str:
    return "cyrillic" if lang in CYRILLIC else "latin"


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
