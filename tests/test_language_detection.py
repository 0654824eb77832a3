"""Language detection: every labelled sample is recognised from its text alone, and the closest
pairs (Russian/Bulgarian, Italian/Romanian without diacritics) are told apart."""
from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.language import choose_language, detect_language, normalise_code
from analyzer.models import Role, Transcript, Turn
from analyzer.readers import discover, read_file

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_transcripts"
CANDIDATES = ("bg", "en", "it", "ro", "ru")


def _samples() -> list[tuple[str, Path]]:
    return [(path.parent.name, path) for path in discover([SAMPLES]) if path.name != "labels.yml"]


def _lines(*texts: str) -> Transcript:
    return Transcript("t", tuple(Turn(i, "agent", Role.AGENT, text) for i, text in enumerate(texts)))


@pytest.mark.parametrize("lang,path", _samples(), ids=lambda v: v.name if isinstance(v, Path) else v)
def test_every_sample_is_detected_from_its_text(lang, path):
    for transcript in read_file(path):
        assert detect_language(transcript, CANDIDATES) == lang


def test_calls_without_language_metadata_are_detected_in_every_language():
    seen: dict[str, int] = {}
    for lang, path in _samples():
        for transcript in read_file(path):
            if transcript.metadata.get("language"):
                continue
            assert choose_language(transcript, CANDIDATES) == (lang, "detected")
            seen[lang] = seen.get(lang, 0) + 1
    assert {lang: n >= 3 for lang, n in seen.items() if lang != "en"} == {"bg": True, "it": True, "ro": True, "ru": True}


@pytest.mark.parametrize("text,lang", [
    ("Добрый день, чем могу помочь?", "ru"),
    ("Добър ден, с какво мога да помогна?", "bg"),
    ("спасибо что позвонили всего доброго", "ru"),
    ("благодаря че се обадихте приятен ден", "bg"),
    ("Buongiorno, come posso aiutarla?", "it"),
    ("buna ziua cu ce va pot ajuta", "ro"),
    ("grazie per l'attesa e tutto a posto", "it"),
    ("va multumim ca ati sunat o zi buna", "ro"),
    ("Good morning, how can I help you?", "en"),
])
def test_close_languages_are_told_apart(text, lang):
    assert detect_language(_lines(text), CANDIDATES) == lang


def test_metadata_wins_over_detection_and_a_forced_pack_over_both():
    russian_text = _lines("Добрый день, чем могу помочь?")
    tagged = Transcript("t", russian_text.turns, {"language": "bg-BG"})
    assert choose_language(tagged, CANDIDATES) == ("bg", "metadata")
    assert choose_language(tagged, CANDIDATES, forced="it") == ("it", "pack")
    assert choose_language(russian_text, CANDIDATES) == ("ru", "detected")
    assert choose_language(russian_text, ["ro"]) == ("ro", "only pack")
    assert normalise_code("ro_RO") == "ro"
