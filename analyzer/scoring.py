"""Call scores: findings in, the numbers of a CallResult out.

score = weighted passed / weighted applicable x 100. A failed critical rule sets critical_fail and
zeroes `score_final`, while `score` keeps the weighted figure so that trends stay readable.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .models import Finding, Severity, Status
from .pack.loader import Pack


def score_call(findings: Sequence[Finding], pack: Pack) -> dict[str, Any]:
    applicable = [f for f in findings if f.status is not Status.NOT_APPLICABLE]
    passed = [f for f in applicable if f.status is Status.PASS]
    failed = [f for f in applicable if f.status is Status.FAIL]
    total = sum(f.weight for f in applicable)
    score = round(100.0 * sum(f.weight for f in passed) / total, 1) if total else None
    critical = any(f.severity is Severity.CRITICAL for f in failed)
    return {
        "score": score,
        "score_final": (0.0 if critical else score),
        "critical_fail": critical,
        "n_applicable": len(applicable),
        "n_passed": len(passed),
        "n_failed": len(failed),
        "missing_greeting": _missing(findings, "greeting"),
        "missing_closing": _missing(findings, "closing"),
    }


def _missing(findings: Sequence[Finding], stage: str) -> bool:
    """True when the stage applied and none of its rules passed: the agent skipped it entirely."""
    in_stage = [f for f in findings if f.stage == stage and f.status is not Status.NOT_APPLICABLE]
    return bool(in_stage) and not any(f.status is Status.PASS for f in in_stage)
