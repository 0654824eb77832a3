"""Every real transcript in ../shared/realdata goes through `check` with the right roles (skips when absent)."""
from __future__ import annotations

import pytest

from analyzer.evaluation import fold_findings
from analyzer.models import CallResult, InputError
from analyzer.readers import ReadOptions
from analyzer.runner import Checker
from support import REALDATA, ROOT

pytestmark = pytest.mark.skipif(not REALDATA.is_dir(), reason="shared/realdata is not beside the project")


def _files():
    import importlib.util

    spec = importlib.util.spec_from_file_location("realdata_report", ROOT / "scripts" / "realdata_report.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.transcript_files(REALDATA)


@pytest.fixture(scope="module")
def checker():
    return Checker.from_rules(ROOT / "rules" / "en")


def test_every_real_transcript_is_checked(checker):
    files = [p for p in _files() if "harper-valley" not in p.parts]
    assert len(files) >= 15
    for path in files:
        results = checker.check_file(path)
        assert results and all(isinstance(r, CallResult) for r in results), (path, results[:1])
        for r in results:
            roles = {t.role.value for t in r.transcript.turns}
            assert "agent" in roles, path
            # every conversation has both parties (the audiobook channel samples included)
            assert "customer" in roles, path


def test_harper_valley_asr_keeps_the_formulas_the_agent_said():
    harper = [p for p in _files() if "harper-valley" in p.parts]
    assert len(harper) == 60
    asr = Checker.from_rules(ROOT / "rules" / "en", read_options=ReadOptions(field_map={"text": "transcript"}))
    human = Checker.from_rules(ROOT / "rules" / "en")
    agree = total = 0
    for path in harper:
        (a,) = asr.check_file(path)
        (h,) = human.check_file(path)
        assert {t.role.value for t in a.transcript.turns} == {"agent", "customer"}
        fa, fh = fold_findings(a.findings), fold_findings(h.findings)
        for rule in ("greeting.salutation", "greeting.agent-name", "closing.thanks"):
            total += 1
            agree += fa[rule].status == fh[rule].status
    assert agree / total >= 0.9, (agree, total)


def test_broken_side_files_are_errors_not_crashes(checker):
    results = checker.check_file(REALDATA / "abcd" / "kb.json")
    assert len(results) == 1 and isinstance(results[0], InputError)
