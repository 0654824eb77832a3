"""`count`: how many of the role's turns in the window say one of `any_of` must lie within min..max."""
from __future__ import annotations

from ..context import CallContext
from ..models import Status
from ..pack.loader import RuleDef
from .base import Outcome, threshold_of


def evaluate(ctx: CallContext, rule: RuleDef, turns: list[int]) -> Outcome:
    spec = rule.rule
    threshold = threshold_of(ctx, rule)
    hits = ctx.matching_turns(spec.any_of or [], turns, threshold)
    count = len(hits)
    ok = (spec.min is None or count >= spec.min) and (spec.max is None or count <= spec.max)
    match = hits[0][1] if hits else None
    evidence = " | ".join(m.text for _, m in hits[:5])
    values = {"count": count, "min": spec.min if spec.min is not None else "", "max": spec.max if spec.max is not None else ""}
    return Outcome(Status.PASS if ok else Status.FAIL, match.score if match else None, match, evidence=evidence, values=values)
