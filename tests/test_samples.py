"""The labelled sample calls of every language agree with their expected verdicts."""
from __future__ import annotations

import pytest

from analyzer.evaluation import compare, load_labels
from analyzer.models import CallResult
from analyzer.runner import Checker
from support import RULES, SAMPLES

LANGS = sorted(p.parent.name for p in SAMPLES.glob("*/labels.yml"))


@pytest.mark.parametrize("lang", LANGS)
def test_labelled_samples_agree(lang):
    checker = Checker.from_rules(RULES / lang)
    results = [r for r in checker.check_paths([SAMPLES / lang]) if isinstance(r, CallResult)]
    agreement = compare(results, load_labels(SAMPLES / lang / "labels.yml"))
    assert not agreement.missing_calls and not agreement.unlabelled, agreement.summary()
    assert agreement.misses == [], agreement.summary()


@pytest.mark.parametrize("lang", LANGS)
def test_samples_cover_every_rule_both_ways(lang):
    labels = load_labels(SAMPLES / lang / "labels.yml")
    names = {name for verdicts in labels.values() for name in verdicts if name != "end_reason"}
    for name in names:
        seen = {verdicts.get(name) for verdicts in labels.values()}
        assert {"pass", "fail"} <= seen, f"{lang}: {name} never {({'pass', 'fail'} - seen)}"
