"""Lemmas and stop words per language: a token string in, its lemma out (cached per string).

The only module that imports spaCy. Lemmas come from spaCy's lookup tables (spacy-lookups-data) for
languages that have one, pymorphy3 for Russian, and from `LEMMA_BACKENDS` for languages spaCy lacks.
A user with an installed trained pipeline can name it (`--spacy-model`), and its lemmatizer is used.
Tokens are looked up one string at a time and cached, because a call-center vocabulary is small and
repeats: running a whole spaCy pipeline per turn would cost most of the time budget.
"""
from __future__ import annotations

import functools
import gzip
import importlib.util
import json
import threading
from collections.abc import Callable
from pathlib import Path

_lock = threading.Lock()


def _spacy_lookup(language: str) -> Callable[[str], str] | None:
    table = _lookup_table(language)
    if table is None:
        try:
            from spacy.lookups import load_lookups

            table = load_lookups(language, ["lemma_lookup"], strict=True).get_table("lemma_lookup")
        except (ValueError, ImportError, OSError):
            return None
    return lambda word: table.get(word, word)


def _lookup_table(language: str) -> dict[str, str] | None:
    """spacy-lookups-data's lemma table, read from the package as spaCy reads it (through the
    "spacy_lookups" entry point), without importing spaCy itself: that takes a second or more, and
    a process that checks a handful of calls (or that a pool starts) should not pay it."""
    try:
        from importlib.metadata import entry_points

        found = [ep for ep in entry_points(group="spacy_lookups") if ep.name == language]
        if not found:
            return None
        path = Path(found[0].load()["lemma_lookup"])
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
        return json.loads(gzip.decompress(path.with_suffix(path.suffix + ".gz").read_bytes()))
    except (KeyError, OSError, ValueError, ImportError):
        return None


def _pymorphy_ru() -> Callable[[str], str] | None:
    try:
        import pymorphy3
    except ImportError:
        return None
    morph = pymorphy3.MorphAnalyzer(lang="ru")
    return lambda word: morph.parse(word)[0].normal_form.replace("ё", "е")


def _bulgarian() -> Callable[[str], str] | None:
    try:
        from .lemmas_bg import lemmatize_bg
    except ImportError:
        return None
    return lemmatize_bg


# Languages whose lemmas come from somewhere other than spaCy's lookup tables.
LEMMA_BACKENDS: dict[str, Callable[[], Callable[[str], str] | None]] = {
    "ru": _pymorphy_ru,
    "bg": _bulgarian,
}


def _bulstem(language: str) -> Callable[[str], str] | None:
    try:
        from .lemmas_bg import stem_bg
    except ImportError:
        return None
    return stem_bg


# Languages whose stems come from somewhere other than Snowball (a callable taking the language code).
STEM_BACKENDS: dict[str, Callable[[str], Callable[[str], str] | None]] = {
    "bg": _bulstem,
}


def _trained_pipeline(name: str) -> Callable[[str], str]:
    import spacy

    nlp = spacy.load(name, exclude=["parser", "ner", "textcat"])
    return lambda word: nlp(word)[0].lemma_.casefold() if word else word


SNOWBALL_NAMES = {"en": "english", "ru": "russian", "it": "italian", "ro": "romanian", "es": "spanish",
                  "fr": "french", "de": "german", "pt": "portuguese", "pl": "polish", "sr": "serbian"}


def _snowball(language: str) -> Callable[[str], str] | None:
    """Snowball stems back up the lemma tables, which are context-free and have gaps ("putting" -> "putt")."""
    name = SNOWBALL_NAMES.get(language)
    if name is None:
        return None
    try:
        import snowballstemmer
    except ImportError:
        return None
    return snowballstemmer.stemmer(name).stemWord


class LanguageModel:
    """Lemma and stop-word knowledge for one language, built once per process."""

    def __init__(self, language: str, spacy_model: str | None = None):
        self.language = language
        if spacy_model:
            backend = _trained_pipeline(spacy_model)
            self.lemma_source = f"spacy:{spacy_model}"
        else:
            factory = LEMMA_BACKENDS.get(language)
            backend = factory() if factory else _spacy_lookup(language)
            self.lemma_source = (
                "none" if backend is None else ("spacy-lookups" if factory is None else factory.__name__.strip("_"))
            )
        self._lemma = backend
        self.lemma = functools.lru_cache(maxsize=200_000)(self._lemma_uncached)
        stemmer = STEM_BACKENDS.get(language, _snowball)(language) if language in STEM_BACKENDS else _snowball(language)
        self._stemmer = stemmer
        self._stem_lock = threading.Lock()
        self.stem = functools.lru_cache(maxsize=200_000)(self._stem_uncached)
        self.stop_words = _stop_words(language)

    def _stem_uncached(self, word: str) -> str:
        if self._stemmer is None or not word:
            return word
        # A Snowball stemmer keeps the word being stemmed in its own state: one thread at a time
        # (a Dask worker runs several tasks in threads of one process).
        with self._stem_lock:
            return self._stemmer(word.replace("'", ""))

    def _lemma_uncached(self, word: str) -> str:
        if self._lemma is None or not word:
            return word
        return self._lemma(word).casefold()


# spaCy's stop lists are built for search and include verbs and nouns that carry a formula's meaning
# ("thank you for your call" vs "... your patience"); those keep full weight when matching.
CONTENT_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "call name full please back first last give take make keep move put get go see show say "
        "serious empty top bottom front side part amount hundred well one two three four five six "
        "seven eight nine ten eleven twelve fifteen twenty forty fifty sixty help thank".split()
    ),
    # Modal verbs make a request a question ("вы можете подождать?" vs "подождите"); "ещё" is
    # what makes "чем-то ещё помочь" an offer of further help.
    "ru": frozenset(
        "могу можно можете может мочь сможете еще ещё ничего ничем хорошо давайте надо нужно хочу "
        "больше другие другое другой данные сами никто действительно раньше сколько нибудь".split()
    ),
    # "благодаря" is the thanks itself; "нещо друго" the offer of further help; "може ли" the question.
    "bg": frozenset(
        "благодаря мога може можем ден добре добър добро искам съжалявам нещо друго други друг "
        "друга обратно моля казвам всичко нищо наистина прав път ужасно три сам такива отивам "
        "няма".split()
    ),
    # "grazie", "attesa" and "altro" carry the closing, the hold and the offer of further help;
    # "può" makes "può restare in linea?" a question rather than the order "resti in linea".
    "it": frozenset(
        "grazie attesa altro bene può puo fare faccio momento subito casa niente nulla basta volta "
        "ultimo essere nessuno fine quattro".split()
    ),
    # "mai" is the "further" of "vă mai pot ajuta cu ceva"; "pot"/"puteți" make a request a question.
    "ro": frozenset(
        "mulțumesc mulţumesc mulțumim pot puteți puteţi poate bună zi ceva altceva mai știu ştiu face "
        "bine nimic acord treia nevoie patru nimeni".split()
    ),
}


def _stop_words(language: str) -> frozenset[str]:
    words = _stop_words_module(language)
    if words is None:
        try:
            import spacy

            words = spacy.blank(language).Defaults.stop_words
        except (ImportError, OSError, KeyError, ValueError):
            return frozenset()
    keep = CONTENT_WORDS.get(language, frozenset())
    return frozenset(w.casefold().replace("’", "'") for w in words) - keep


def _stop_words_module(language: str) -> set[str] | None:
    """spacy/lang/<language>/stop_words.py's STOP_WORDS (what spacy.blank(language).Defaults has, for
    every language spaCy ships), run on its own so that spaCy is not imported."""
    try:
        spec = importlib.util.find_spec("spacy")
        if spec is None or not spec.submodule_search_locations:
            return None
        source = Path(next(iter(spec.submodule_search_locations))) / "lang" / language / "stop_words.py"
        if not source.is_file() or "import" in source.read_text(encoding="utf-8"):
            return None
        namespace: dict = {}
        exec(compile(source.read_text(encoding="utf-8"), str(source), "exec"), namespace)
        words = namespace.get("STOP_WORDS")
        return set(words) if isinstance(words, (set, frozenset)) else None
    except (OSError, SyntaxError, ValueError, ImportError):
        return None


_models: dict[tuple[str, str | None], LanguageModel] = {}


def language_model(language: str, spacy_model: str | None = None) -> LanguageModel:
    key = (language, spacy_model)
    with _lock:
        model = _models.get(key)
        if model is None:
            model = _models[key] = LanguageModel(language, spacy_model)
        return model
