"""The check command end to end: tables with the documented columns, bad files in errors.csv, exit codes."""
from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.export import neutralise
from analyzer.tables import AGENTS_COLUMNS, CALLS_COLUMNS, ERRORS_COLUMNS, FINDINGS_COLUMNS, STAGES_COLUMNS
from support import CATALOG, RULES, SAMPLES



@pytest.fixture(scope="module")
def en_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    result = CliRunner().invoke(main, ["check", str(SAMPLES / "en"), "--rules", str(RULES / "en"), "--out", str(out), "-q"])
    return out, result


def test_writes_the_tables_with_documented_columns(en_results):
    out, result = en_results
    assert result.exit_code == 1, result.output  # the samples contain error-level failures on purpose
    expected = {"findings": FINDINGS_COLUMNS, "calls": CALLS_COLUMNS, "stages": STAGES_COLUMNS, "errors": ERRORS_COLUMNS}
    for name, columns in expected.items():
        frame = pd.read_csv(out / f"{name}.csv")
        assert list(frame.columns[: len(columns)]) == columns, name
    agents = pd.read_csv(out / "agents.csv")
    assert list(agents.columns[: len(AGENTS_COLUMNS)]) == AGENTS_COLUMNS
    assert {f"pass_rate:{n}" for n in CATALOG} <= set(agents.columns)


def test_every_catalog_rule_in_findings(en_results):
    out, _ = en_results
    findings = pd.read_csv(out / "findings.csv")
    assert set(CATALOG) <= set(findings["rule_name"])
    calls = pd.read_csv(out / "calls.csv")
    assert len(calls) == len(list((SAMPLES / "en").glob("*.txt"))) + len(list((SAMPLES / "en").glob("*.json")))
    # one finding per call x rule, more only for episode stages
    per_call = findings[~findings["stage"].isin(["transfer", "difficult_client"])].groupby(["call_id", "rule_id"]).size()
    assert per_call.max() == 1


def test_summary_on_stdout(en_results):
    _, result = en_results
    assert "30 calls checked" in result.output
    assert "tables written to" in result.output


def test_broken_file_goes_to_errors_and_batch_continues(tmp_path):
    src = tmp_path / "calls"
    src.mkdir()
    for path in sorted((SAMPLES / "en").glob("*.txt"))[:10]:
        shutil.copy(path, src / path.name)
    (src / "broken.json").write_text('{"call_id": "x", "turns": [ {"speaker": "agent", "text": "hi"} ')
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["check", str(src), "--rules", str(RULES / "en"), "--out", str(out), "-q"])
    assert result.exit_code == 2
    calls = pd.read_csv(out / "calls.csv")
    errors = pd.read_csv(out / "errors.csv")
    assert len(calls) == 10
    assert len(errors) == 1
    assert errors.loc[0, "file"].endswith("broken.json")
    assert errors.loc[0, "line"] == 1
    assert "invalid JSON" in errors.loc[0, "message"]
    assert "Traceback" not in result.output


def test_set_fills_company_and_fail_on_none(tmp_path):
    call = tmp_path / "c.json"
    call.write_text(json.dumps({"call_id": "c1", "turns": [
        {"speaker": "agent", "text": "Hello, Zenith Power, Anna speaking, how can I help?"},
        {"speaker": "customer", "text": "Just checking you are open."},
        {"speaker": "agent", "text": "We are. Anything else I can help you with?"},
        {"speaker": "customer", "text": "No thanks."},
        {"speaker": "agent", "text": "Thank you for calling Zenith Power, goodbye."}]}))
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["check", str(call), "--rules", str(RULES / "en"), "--out", str(out), "-q",
                                       "--set", 'company="Zenith Power"', "--fail-on", "none"])
    assert result.exit_code == 0, result.output
    findings = pd.read_csv(out / "findings.csv").set_index("rule_name")
    assert findings.loc["greeting.company", "status"] == "pass"
    assert "Zenith Power" in findings.loc["greeting.company", "evidence"]


def test_formula_cells_neutralised_in_csv(tmp_path):
    call = tmp_path / "evil.txt"
    call.write_text("Agent: =HYPERLINK(\"http://x\") hello\nCustomer: +1 -2 @SUM(A1)\n")
    out = tmp_path / "out"
    CliRunner().invoke(main, ["check", str(call), "--rules", str(RULES / "en"), "--out", str(out), "-q"])
    findings = pd.read_csv(out / "findings.csv", dtype=str).fillna("")
    assert not any(v.startswith(("=", "+", "-", "@")) for v in findings["evidence"])
    assert neutralise("=1+1") == "'=1+1" and neutralise("fine") == "fine"


def test_bad_rules_exit_2(tmp_path):
    result = CliRunner().invoke(main, ["check", str(SAMPLES / "en"), "--rules", str(tmp_path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "no rule packs here" in result.output


@pytest.mark.parametrize("args", [[], ["check"], ["rules"], ["rules", "validate"], ["rules", "test"],
                                  ["rules", "list"], ["rules", "explain"], ["show"]])
def test_every_command_has_help(args):
    result = CliRunner().invoke(main, [*args, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output and len(result.output.splitlines()) > 3


def test_show_prints_stages_and_verdicts():
    result = CliRunner().invoke(main, ["show", str(SAMPLES / "en" / "en-017-angry-blame.txt"), "--rules", str(RULES / "en")])
    assert result.exit_code == 0, result.output
    assert "greeting" in result.output and "closing" in result.output
    assert "FAIL DC02 difficult.no-blame" in result.output


def test_rules_list_and_explain():
    listed = CliRunner().invoke(main, ["rules", "list", str(RULES / "en")])
    assert listed.exit_code == 0 and "closing.thanks" in listed.output
    explained = CliRunner().invoke(main, ["rules", "explain", "CL02", "--rules", str(RULES / "en")])
    assert explained.exit_code == 0 and "thank you for calling" in explained.output


def test_python_dash_m_works():
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "analyzer", "--version"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "callqa" in proc.stdout
