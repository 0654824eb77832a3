"""`required`: the agent must say one of `any_of`, or something from every group of `all_of`."""
from __future__ import annotations

from ..context import CallContext
from ..models import Status
from ..pack.loader import RuleDef
from .base import Outcome, threshold_of


def evaluate(ctx: CallContext, rule: RuleDef, turns: list[int]) -> Outcome:
    threshold = threshold_of(ctx, rule)
    spec = rule.rule
    if spec.any_of:
        match = ctx.best(spec.any_of, turns)
        if match is None:
            return Outcome(Status.FAIL, 0.0, None, values={"threshold": threshold})
        status = Status.PASS if match.score >= threshold else Status.FAIL
        return Outcome(status, match.score, match, values={"threshold": threshold})
    # all_of: every group must be said; the weakest group decides the score.
    matches = []
    weakest = 100.0
    missing = []
    for i, group in enumerate(spec.all_of or []):
        group_threshold = group.threshold if group.threshold is not None else threshold
        match = ctx.best(group.any_of, turns)
        score = match.score if match else 0.0
        weakest = min(weakest, score)
        if match is None or score < group_threshold:
            missing.append(group.label or f"group {i + 1}")
        if match:
            matches.append(match)
    first = min(matches, key=lambda m: m.position) if matches else None
    evidence = " | ".join(m.text for m in sorted(matches, key=lambda m: m.position))
    status = Status.FAIL if missing else Status.PASS
    return Outcome(status, weakest, first, evidence=evidence,
                   values={"threshold": threshold, "missing": ", ".join(missing)})
