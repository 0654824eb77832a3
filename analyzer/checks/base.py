"""What a check returns, and the threshold rules every check shares."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..context import CallContext
from ..models import Match, Status
from ..pack.loader import RuleDef


@dataclass
class Outcome:
    status: Status
    score: float | None = None
    match: Match | None = None
    evidence: str | None = None  # overrides the match text when set
    turn: int | None = None  # overrides the match turn when set
    values: dict[str, Any] = field(default_factory=dict)  # extra message placeholders


def not_applicable(**values: Any) -> Outcome:
    return Outcome(Status.NOT_APPLICABLE, values=values)


def threshold_of(ctx: CallContext, rule: RuleDef, *, forbidden: bool = False) -> float:
    if rule.rule.threshold is not None:
        return rule.rule.threshold
    defaults = ctx.pack.manifest.defaults
    return defaults.forbidden_threshold if forbidden else defaults.threshold


def excused(ctx: CallContext, rule: RuleDef, turn: int) -> bool:
    """Whether `turn` says one of the rule's `exceptions` (at the rule's own threshold): a forbidden
    phrase there is excused, a required one does not count."""
    excuse = ctx.best(rule.rule.exceptions, [turn])
    return excuse is not None and excuse.score >= threshold_of(ctx, rule)
