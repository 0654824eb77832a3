"""Agreement with labelled calls: CallResults and a labels file in, per-rule agreement and misses out.

A labels file (YAML) maps call_id -> {rule name: pass | fail | not_applicable, end_reason: ...}.
Episode rules (one finding per hold or upset episode) are folded per call: fail if any episode
failed, else pass if any passed, else not_applicable.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .models import CallResult, Finding, Status


@dataclass(frozen=True)
class Miss:
    call_id: str
    rule_name: str
    expected: str
    got: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.call_id}: {self.rule_name}: expected {self.expected}, got {self.got} {self.detail}".rstrip()


@dataclass
class Agreement:
    agreed: Counter = field(default_factory=Counter)
    total: Counter = field(default_factory=Counter)
    misses: list[Miss] = field(default_factory=list)
    unlabelled: list[str] = field(default_factory=list)
    missing_calls: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        n = sum(self.total.values())
        return sum(self.agreed.values()) / n if n else 0.0

    def summary(self) -> str:
        lines = [f"agreement: {sum(self.agreed.values())}/{sum(self.total.values())} = {self.rate:.3f}"]
        for name in sorted(self.total):
            lines.append(f"  {name:32} {self.agreed[name]}/{self.total[name]}")
        lines += [f"  miss: {m}" for m in self.misses]
        lines += [f"  not labelled: {c}" for c in self.unlabelled]
        lines += [f"  labelled but not found: {c}" for c in self.missing_calls]
        return "\n".join(lines)


def load_labels(path: str | Path) -> dict[str, dict[str, str]]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {str(k): {str(r): str(v) for r, v in (v or {}).items()} for k, v in data.items()}


def fold_findings(findings: Iterable[Finding]) -> dict[str, Finding]:
    """One verdict per rule name for a call (episodes folded as the module docstring says)."""
    rank = {Status.FAIL: 2, Status.PASS: 1, Status.NOT_APPLICABLE: 0}
    folded: dict[str, Finding] = {}
    for f in findings:
        prev = folded.get(f.rule_name)
        if prev is None or rank[f.status] > rank[prev.status]:
            folded[f.rule_name] = f
    return folded


def compare(results: Iterable[CallResult], labels: Mapping[str, Mapping[str, Any]]) -> Agreement:
    agreement = Agreement()
    seen = set()
    for result in results:
        cid = result.transcript.call_id
        expected = labels.get(cid)
        if expected is None:
            agreement.unlabelled.append(cid)
            continue
        seen.add(cid)
        got = fold_findings(result.findings)
        for name, want in expected.items():
            if name == "end_reason":
                value = result.end_reason
                detail = ""
            else:
                finding = got.get(name)
                value = finding.status.value if finding else "missing rule"
                detail = (f"(score {finding.score}, turn {finding.turn}: {finding.evidence[:80]!r})"
                          if finding else "")
            agreement.total[name] += 1
            if value == want:
                agreement.agreed[name] += 1
            else:
                agreement.misses.append(Miss(cid, name, want, value, detail))
    agreement.missing_calls = sorted(set(labels) - seen)
    return agreement
