"""Bulgarian lemmas (simplemma) and stems (BulStem): inflected forms of the formulas match."""
from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.engine import PackRuntime, check_call
from analyzer.evaluation import fold_findings
from analyzer.lemmas_bg import lemmatize_bg, stem_bg
from analyzer.models import Role, Transcript, Turn
from analyzer.nlp import language_model
from analyzer.pack import load_pack

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def runtime():
    return PackRuntime(load_pack(ROOT / "rules" / "bg"))


@pytest.mark.parametrize("form,lemma", [
    ("благодарим", "благодаря"),
    ("благодаря", "благодаря"),
    ("обадихте", "обадя"),
    ("обадили", "обадя"),
    ("проблемът", "проблем"),
    ("казва", "казвам"),  # the reflexive particle simplemma appends ("казвам-(се)") is dropped
    ("Моля", "моля"),
])
def test_lemmas(form, lemma):
    assert lemmatize_bg(form) == lemma


def test_stems_cover_forms_the_dictionary_lacks():
    assert lemmatize_bg("търпението") == "търпението"
    assert stem_bg("търпението") == stem_bg("търпение")
    assert stem_bg("изчакването") == stem_bg("изчакване")
    assert stem_bg("") == ""


def test_language_model_uses_both():
    lm = language_model("bg")
    assert lm.lemma("благодарим") == "благодаря"
    assert lm.stem("търпението") == lm.stem("търпение")
    assert "благодаря" not in lm.stop_words  # the thanks itself keeps full weight


def _closing(runtime: PackRuntime, last: str) -> str:
    call = Transcript("t", (
        Turn(0, "agent", Role.AGENT, "Добър ден, с какво мога да помогна?"),
        Turn(1, "customer", Role.CUSTOMER, "Искам да проверя сметката."),
        Turn(2, "agent", Role.AGENT, "Мога ли да ви помогна с нещо друго?"),
        Turn(3, "customer", Role.CUSTOMER, "Не, това е всичко."),
        Turn(4, "agent", Role.AGENT, last),
    ), {"language": "bg"})
    return fold_findings(check_call(call, runtime).findings)["closing.thanks"].status.value


@pytest.mark.parametrize("said", [
    "Благодаря, че се обадихте, довиждане.",
    "Благодарим ви, че се обадихте, приятен ден.",
    "благодарим че се обадихте",
    "Благодаря ви за обаждането, дочуване.",
])
def test_inflected_thanks_for_calling_pass(runtime, said):
    assert _closing(runtime, said) == "pass"


@pytest.mark.parametrize("said", ["Благодаря, довиждане.", "Благодаря за търпението, приятен ден."])
def test_bare_thanks_fail(runtime, said):
    assert _closing(runtime, said) == "fail"


def test_inflected_form_matches_through_the_lemma_not_only_the_spelling(runtime):
    matcher = runtime.matcher
    formula = matcher.compile("благодаря че се обадихте")
    call = matcher.prepare(Transcript("t", (Turn(0, "agent", Role.AGENT, "благодарим ви че се обадили"),)))
    match = matcher.best(formula, call, [0])
    assert match is not None and match.score >= 80
