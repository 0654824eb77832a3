"""required_literals() may only skip texts a pattern cannot match: every match holds one of its strings."""
from __future__ import annotations

import random
import re

import pytest

import yaml

from analyzer.models import Transcript
from analyzer.normalize import normalize_text
from analyzer.readers import discover, read_file
from analyzer.regex_literals import required_literals
from support import ROOT, RULES, SAMPLES

HELDOUT = ROOT / "heldout"


@pytest.mark.parametrize(("source", "expected"), [
    (r"\bwhatever\b(?!'s)", ("whatever",)),
    (r"(?<!\w)that(?:'s|s| is) all(?! right)", ("that is all", "that's all", "thats all")),
    (r"^(?=.*\b(?:monday|tuesday))", ("monday", "tuesday")),
    (r"\bwhy (?:\w+ ){0,4}(?:nobody|no one)\b", ("why ",)),  # one string of four letters: cheaper
    (r"\b(?:ending|ends) (?:in|with) \d{3,4}", ("ending in ", "ending with ", "ends in ", "ends with ")),
    (r"cancell?ing my", ("cancel",)),
    (r"\?!|!\?", ("!?", "?!")),
    # Nothing useful is known: case-insensitive letters, an optional word, a one-letter class.
    (r"(?i)hello", None),
    (r"(?i:he)llo", ("llo",)),
    (r"hel(?i:l)o", ("hel",)),
    (r"(?:sorry)?\w+", None),
    (r"[ab]\d", None),
])
def test_literals_of_pack_like_patterns(source, expected):
    assert required_literals(re.compile(source)) == expected


_ALPHABET = "ab c'\nAB"
_ATOMS = ["a", "b", "c", "ab", "ba", " ", "'", "A", r"\w", r"\W", ".", "[ab]", "[^a]", r"\s", r"\d"]


def _random_pattern(rng: random.Random, depth: int = 0) -> str:
    parts = []
    for _ in range(rng.randint(1, 4)):
        roll = rng.random()
        if depth < 3 and roll < 0.25:
            inner = "|".join(_random_pattern(rng, depth + 1) for _ in range(rng.randint(1, 3)))
            opener = rng.choice(["(?:", "(", "(?=", "(?!", "(?<=a", "(?i:", "(?-i:"])
            if opener == "(?<=a":
                parts.append("(?<=a)")  # lookbehinds need a fixed width
                continue
            parts.append(f"{opener}{inner})")
        elif roll < 0.35:
            parts.append(rng.choice(["^", "$", r"\b", r"\B"]))
        else:
            parts.append(rng.choice(_ATOMS))
        if rng.random() < 0.3:
            parts[-1] = f"(?:{parts[-1]})" + rng.choice(["?", "*", "+", "{2}", "{0,2}", "{1,3}", "*?", "+?"])
    return "".join(parts)


def test_every_match_of_a_random_pattern_holds_one_of_its_literals():
    rng = random.Random(7)
    checked = skipped = 0
    for _ in range(4000):
        source = _random_pattern(rng)
        flags = re.IGNORECASE if rng.random() < 0.1 else 0
        try:
            pattern = re.compile(source, flags)
        except re.error:
            continue
        literals = required_literals(pattern)
        if literals is None:
            skipped += 1
            continue
        for _ in range(40):
            text = "".join(rng.choice(_ALPHABET) for _ in range(rng.randrange(0, 14)))
            if pattern.search(text):
                checked += 1
                assert any(literal in text for literal in literals), (source, text, literals)
    assert checked > 500 and skipped > 500  # the fuzzing exercised both kinds


def _pack_regexes(language: str) -> list[str]:
    """Every `regex:` of a pack's files (formulas, cues, exceptions)."""
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "regex" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted((RULES / language).glob("*.yml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


@pytest.mark.parametrize("language", ["en", "ru", "it", "ro", "bg"])
def test_pack_regexes_match_only_texts_holding_their_literals(language):
    """Every regex of a shipped pack, alone and all joined in one alternation (as the matcher joins
    them), with and without case folding, searched in every turn of the language's bundled and
    held-out calls."""
    texts = []
    for path in discover([SAMPLES / language, HELDOUT]):
        if language in path.parts:
            for transcript in read_file(path):
                if isinstance(transcript, Transcript):
                    texts.extend(normalize_text(turn.text, language) for turn in transcript.turns)
    sources = _pack_regexes(language)
    sources.append("|".join(f"(?:{source})" for source in sources if not re.search(r"\\[1-9]|\(\?P=", source)))
    with_literals = matched = 0
    for source in sources:
        for flags in (0, re.IGNORECASE):
            pattern = re.compile(source, flags)
            literals = required_literals(pattern)
            if literals is None:
                continue
            with_literals += 1
            for text in texts:
                if pattern.search(text):
                    matched += 1
                    assert any(literal in text for literal in literals), (source, text, literals)
    assert texts and with_literals > 20 and matched > 20
