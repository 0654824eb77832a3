"""Rule-pack tests: a pack in, the verdict of every rule example and stage dialogue test out.

Examples run through the whole pipeline (roles, stages, matching), exactly as a real call would: an
example is either one line the rule's role says, or a dialogue of `Speaker: text` lines (optionally
`[mm:ss]` timestamps and `# key: value` metadata, as in text transcripts).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .engine import PackRuntime, check_call
from .evaluation import fold_findings
from .models import Finding, Role, Transcript, Turn
from .pack.loader import Pack, RuleDef
from .readers import ReadOptions, text_lines

EXPECTATIONS = ("pass", "fail", "not_applicable")


@dataclass(frozen=True)
class Case:
    id: str  # e.g. GR01-fail-0, or GR01@greeting-test-2
    rule: RuleDef
    expected: str
    text: str
    metadata: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CaseResult:
    case: Case
    got: str
    finding: Finding | None

    @property
    def ok(self) -> bool:
        return self.got == self.case.expected

    @property
    def kind(self) -> str:
        """semgrep's split: a required verdict that did not come is 'missed', one that came uninvited 'unexpected'."""
        if self.ok:
            return "ok"
        return "unexpected" if self.got == "fail" else "missed"

    def describe(self) -> str:
        detail = ""
        if self.finding is not None and self.finding.score is not None:
            detail = f" (score {self.finding.score:.0f}, evidence {self.finding.evidence[:60]!r})"
        return f"{self.case.id} [{self.case.rule.name}]: expected {self.case.expected}, got {self.got}{detail} - {self.case.rule.source}"


def cases(pack: Pack) -> Iterator[Case]:
    for rd in pack.rules:
        examples = rd.rule.examples
        for expected, items in (("pass", examples.pass_), ("fail", examples.fail), ("not_applicable", examples.not_applicable)):
            for i, text in enumerate(items):
                yield Case(f"{rd.id}-{expected}-{i}", rd, expected, text)
    by_id = {rd.id: rd for rd in pack.rules}
    for stage in pack.stages.values():
        for t, test in enumerate(stage.tests):
            meta = tuple(sorted((k, str(v)) for k, v in test.metadata.items()))
            for rule_id, expected in test.expect.items():
                rd = by_id.get(rule_id)
                if rd is not None:
                    yield Case(f"{rule_id}@{stage.stage}-test-{t}", rd, expected, test.call, meta)


def example_transcript(case: Case) -> Transcript:
    text = case.text.strip("\n")
    if text_lines.detect(Path("example.txt"), text):
        transcript = text_lines.read(Path(f"{case.id}.txt"), text, ReadOptions())[0]
    else:
        role = Role.CUSTOMER if case.rule.rule.role.value == "customer" else Role.AGENT
        transcript = Transcript(case.id, (Turn(0, role.value, role, " ".join(text.split())),), source_file=case.id)
    if case.metadata:
        transcript = Transcript(transcript.call_id, transcript.turns, {**transcript.metadata, **dict(case.metadata)},
                                transcript.source_file)
    return transcript


def run_case(runtime: PackRuntime, case: Case) -> CaseResult:
    result = check_call(example_transcript(case), runtime)
    finding = fold_findings(result.findings).get(case.rule.name)
    got = finding.status.value if finding else "missing"
    return CaseResult(case, got, finding)


def run_pack(pack: Pack, spacy_model: str | None = None) -> list[CaseResult]:
    runtime = PackRuntime(pack, spacy_model)
    return [run_case(runtime, case) for case in cases(pack)]


def rules_without_examples(pack: Pack) -> list[str]:
    """Rule ids that lack a pass or a fail example (the schema requires both; kept for plugins)."""
    return [rd.id for rd in pack.rules if not (rd.rule.examples.pass_ and rd.rule.examples.fail)]
