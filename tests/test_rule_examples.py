"""Every example of every shipped rule runs through the whole pipeline (ids like en-GR01-fail-0)."""
from __future__ import annotations

import pytest

from analyzer.engine import PackRuntime
from analyzer.pack import find_packs
from analyzer.ruletest import cases, run_case
from support import RULES

PACKS = find_packs(RULES)
CASES = [(lang, case) for lang, pack in sorted(PACKS.items()) for case in cases(pack)]
_RUNTIMES: dict[str, PackRuntime] = {}


@pytest.mark.parametrize("lang, case", CASES, ids=[f"{lang}-{case.id}" for lang, case in CASES])
def test_rule_example(lang, case):
    runtime = _RUNTIMES.get(lang) or _RUNTIMES.setdefault(lang, PackRuntime(PACKS[lang]))
    result = run_case(runtime, case)
    assert result.ok, result.describe()


def test_every_rule_has_pass_and_fail_examples():
    for pack in PACKS.values():
        for rd in pack.rules:
            assert rd.rule.examples.pass_ and rd.rule.examples.fail, rd.id
