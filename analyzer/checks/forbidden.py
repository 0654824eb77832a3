"""`forbidden`: none of `any_of` may be said, unless an `exceptions` formula covers the same turn
("I don't know offhand, let me find out" is not "I don't know")."""
from __future__ import annotations

from ..context import CallContext
from ..models import Status
from ..pack.loader import RuleDef
from .base import Outcome, threshold_of


def evaluate(ctx: CallContext, rule: RuleDef, turns: list[int]) -> Outcome:
    threshold = threshold_of(ctx, rule, forbidden=True)
    exception_threshold = threshold_of(ctx, rule)
    spec = rule.rule
    closest = None
    for t in turns:
        match = ctx.best(spec.any_of or [], [t])
        if match is None:
            continue
        if match.score >= threshold:
            if spec.exceptions:
                excuse = ctx.best(spec.exceptions, [t])
                if excuse and excuse.score >= exception_threshold:
                    continue
            return Outcome(Status.FAIL, match.score, match,
                           values={"found": match.text, "suggest": spec.suggest or "", "threshold": threshold})
        if closest is None or match.score > closest.score:
            closest = match
    # A pass reports how close the nearest phrase came, without quoting it as if it were an offence.
    return Outcome(Status.PASS, closest.score if closest else 0.0, None, evidence="",
                   values={"suggest": spec.suggest or "", "threshold": threshold})
