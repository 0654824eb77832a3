"""Rule-pack validation: every mistake located as file:line:col with a hint, all reported in one run."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.pack import PackError, load_pack
from support import RULES

MANIFEST = """\
language: en
name: test-pack
files: [greeting.yml]
"""

GOOD_RULE = """\
stage: greeting
rules:
  - id: GR01
    name: greeting.salutation
    check: required
    message: "No greeting."
    any_of: [hello, good morning]
    examples:
      pass: ["Hello."]
      fail: ["Yes?"]
"""


def write_pack(tmp_path: Path, stage_text: str, manifest: str = MANIFEST) -> Path:
    (tmp_path / "ruleset.yml").write_text(manifest)
    (tmp_path / "greeting.yml").write_text(textwrap.dedent(stage_text))
    return tmp_path


def problems(path: Path) -> list[str]:
    with pytest.raises(PackError) as info:
        load_pack(path)
    return [str(p) for p in info.value.problems]


def test_good_pack_loads(tmp_path):
    pack = load_pack(write_pack(tmp_path, GOOD_RULE))
    assert [r.id for r in pack.rules] == ["GR01"]
    assert pack.rules[0].source.endswith("greeting.yml:3")


def test_unknown_key_with_did_you_mean(tmp_path):
    text = GOOD_RULE.replace("    any_of: [hello, good morning]", "    any_off: [hello, good morning]")
    (msg,) = problems(write_pack(tmp_path, text))
    assert msg.endswith("greeting.yml:7:5: error: rule GR01: unknown key 'any_off'\n  hint: did you mean 'any_of'?")


def test_not_after_names_a_rule_of_the_pack(tmp_path):
    text = GOOD_RULE.replace("    any_of: [hello, good morning]",
                             "    when: {role: agent, own_formulas: true, not_after: [GR02], any_of: [hi]}\n"
                             "    any_of: [hello, good morning]")
    (msg,) = problems(write_pack(tmp_path, text))
    assert "when.not_after names unknown rule id 'GR02'" in msg and "did you mean 'GR01'?" in msg


def test_cancelled_by_names_a_rule_of_the_pack_and_is_located(tmp_path):
    text = GOOD_RULE.replace("stage: greeting\n", "stage: greeting\nsegment:\n  cancelled_by: [GR02]\n")
    (msg,) = problems(write_pack(tmp_path, text))
    assert "greeting.yml:3:" in msg
    assert "segment.cancelled_by names unknown rule id 'GR02'" in msg and "did you mean 'GR01'?" in msg


def test_cues_from_adds_the_rules_formulas_to_the_cues_but_not_those_with_slots(tmp_path):
    text = GOOD_RULE.replace("stage: greeting\n", "stage: greeting\nsegment:\n  cues_from: [GR01]\n"
                             "  cues: {any_of: [hi there, hello]}\n").replace(
        "any_of: [hello, good morning]", "any_of: [hello, good morning, 'have a {*} day', 'hello {company}']")
    cues = load_pack(write_pack(tmp_path, text)).segment("greeting").cues
    assert cues.any_of == ["hi there", "hello", "good morning"]
    (msg,) = problems(write_pack(tmp_path, text.replace("cues_from: [GR01]", "cues_from: [GR02]")))
    assert "segment.cues_from names unknown rule id 'GR02'" in msg and "did you mean 'GR01'?" in msg


def test_bad_enum_lists_allowed_values(tmp_path):
    text = GOOD_RULE.replace("    check: required", "    check: requird")
    msgs = problems(write_pack(tmp_path, text))
    assert any("greeting.yml:5:12: error: rule GR01: check: 'requird' is not allowed; expected 'required'" in m
               and "hint: did you mean 'required'?" in m for m in msgs), msgs


def test_bad_threshold(tmp_path):
    text = GOOD_RULE.replace("    check: required", "    check: required\n    threshold: 180")
    (msg,) = problems(write_pack(tmp_path, text))
    assert "greeting.yml:6:16: error: rule GR01: threshold: Input should be less than or equal to 100" in msg
    assert "hint: thresholds are percentages from 0 to 100" in msg


def test_unknown_variable(tmp_path):
    text = GOOD_RULE.replace("[hello, good morning]", "[hello, 'welcome to {compnay}']")
    (msg,) = problems(write_pack(tmp_path, text))
    assert "greeting.yml:7:21: error: rule GR01: unknown variable {compnay} in formula 'welcome to {compnay}'" in msg
    assert "hint: did you mean {company}?" in msg


def test_window_before_needs_a_trigger_or_return_anchor(tmp_path):
    text = GOOD_RULE.replace("    check: required", "    check: required\n    window: {from: stage_start, before: 1}")
    (msg,) = problems(write_pack(tmp_path, text))
    assert "greeting.yml:6:" in msg and "rule GR01" in msg
    assert "'before' needs a window 'from: trigger' or 'from: return'; this window is from stage_start" in msg


def test_window_after_needs_a_stage_start_window(tmp_path):
    text = GOOD_RULE.replace("    check: required", "    check: required\n    window: {from: call_end, after: 1}")
    (msg,) = problems(write_pack(tmp_path, text))
    assert "greeting.yml:6:" in msg and "rule GR01" in msg
    assert "'after' extends a window over its stage from stage_start (with no 'to'); this window is from call_end" in msg


def test_also_forbids_names_a_forbidden_rule(tmp_path):
    text = GOOD_RULE.replace("    check: required", "    check: required\n    also_forbids: [GR01]")
    (msg,) = problems(write_pack(tmp_path, text))
    assert "also_forbids belongs to forbidden rules; this rule's check is 'required'" in msg
    forbidding = GOOD_RULE.replace("GR01", "GR02").replace("greeting.salutation", "greeting.slang").replace(
        "check: required", "check: forbidden\n    also_forbids: [GR01, GR03]").replace("rules:\n", "rules:\n" + GOOD_RULE.split("rules:\n")[1])
    messages = problems(write_pack(tmp_path, forbidding))
    assert any("also_forbids names rule 'GR01', whose check is 'required'" in m and "hint: name a forbidden rule" in m
               for m in messages), messages
    assert any("also_forbids names unknown rule id 'GR03'" in m for m in messages), messages


def test_duplicate_ids(tmp_path):
    second = GOOD_RULE.split("rules:\n", 1)[1].replace("greeting.salutation", "greeting.other")
    (msg,) = problems(write_pack(tmp_path, GOOD_RULE + second))
    assert "greeting.yml:11:9: error: rule GR01: duplicate rule id 'GR01' (also at" in msg


def test_yaml_syntax_error_is_located(tmp_path):
    (msg,) = problems(write_pack(tmp_path, GOOD_RULE + "  - id: [unclosed\n"))
    assert "greeting.yml:" in msg and "YAML syntax" in msg


def test_three_mistakes_reported_in_one_run_and_exit_2(tmp_path):
    text = (GOOD_RULE.replace("    check: required", "    check: requird")
            .replace("    any_of:", "    severty: high\n    any_of:")
            .replace("good morning]", "'{agentname} here']"))
    pack = write_pack(tmp_path, text)
    result = CliRunner().invoke(main, ["rules", "validate", str(pack)])
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ": error: " in ln]
    assert len(lines) == 3, result.output
    assert "3 errors in rule pack" in result.output
    assert all(ln.split(":")[1].isdigit() and ln.split(":")[2].isdigit() for ln in lines)


def test_missing_listed_file(tmp_path):
    write_pack(tmp_path, GOOD_RULE, MANIFEST.replace("[greeting.yml]", "[greeting.yml, closing.yml]"))
    (msg,) = problems(tmp_path)
    assert "ruleset.yml:3:" in msg and "listed file 'closing.yml' does not exist" in msg


def test_shipped_english_pack_is_valid_and_complete(tmp_path):
    pack = load_pack(RULES / "en")
    catalog = {
        "greeting.salutation", "greeting.company", "greeting.agent-name", "greeting.offer-help",
        "transfer.permission", "transfer.announce-target", "transfer.thanks-for-waiting", "transfer.hold-duration",
        "difficult.empathy", "difficult.no-blame", "answering.no-forbidden", "answering.identity-check",
        "answering.message-taking", "answering.appointment", "closing.anything-else", "closing.thanks",
        "closing.farewell", "closing.order",
    }
    assert catalog <= {r.name for r in pack.rules}


def test_copy_of_shipped_pack_with_broken_file_reports_it(tmp_path):
    dst = tmp_path / "en"
    shutil.copytree(RULES / "en", dst)
    closing = dst / "closing.yml"
    closing.write_text(closing.read_text().replace("check: order", "check: sequence"))
    msgs = problems(dst)
    assert any("closing.yml" in m and "'sequence' is not allowed" in m for m in msgs), msgs
