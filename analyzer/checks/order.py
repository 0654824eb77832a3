"""`order`: the rules named in `sequence` must have been satisfied in that order (e.g. the offer of
further help before the farewell). Not applicable unless every one of them passed."""
from __future__ import annotations

from ..context import CallContext
from ..models import Status
from ..pack.loader import RuleDef
from .base import Outcome, not_applicable


def evaluate(ctx: CallContext, rule: RuleDef, turns: list[int]) -> Outcome:
    matches = []
    for rule_id in rule.rule.sequence or []:
        status, match = ctx.results.get(rule_id, (None, None))
        if status is not Status.PASS or match is None:
            return not_applicable()
        matches.append(match)
    for earlier, later in zip(matches, matches[1:]):
        if earlier.position > later.position:
            return Outcome(Status.FAIL, None, earlier, evidence=f"{later.text} … {earlier.text}",
                           turn=later.turn, values={"found": later.text})
    return Outcome(Status.PASS, None, matches[0], evidence=" … ".join(m.text for m in matches))
