"""`order`: the rules named in `sequence` must have been satisfied in that order (e.g. the offer of
further help before the farewell). Not applicable unless every one of them passed."""
from __future__ import annotations

from ..context import CallContext
from ..models import Match, Status
from ..pack.loader import RuleDef
from .base import Outcome, not_applicable, threshold_of


def evaluate(ctx: CallContext, rule: RuleDef, turns: list[int]) -> Outcome:
    matches = []
    for rule_id in rule.rule.sequence or []:
        status, match = ctx.results.get(rule_id, (None, None))
        if status is not Status.PASS or match is None:
            return not_applicable()
        matches.append(match)
    ids = rule.rule.sequence or []
    for earlier_id, earlier, later_id, later in zip(ids, matches, ids[1:], matches[1:]):
        # A later step said before the earlier one counts even if it is said again after it ("Goodbye!"
        # / "Oh, anything else?" / "Goodbye"): its best match alone would hide the slip.
        first = _said_before(ctx, ctx.pack.rule(earlier_id), ctx.pack.rule(later_id), earlier)
        if first is not None:
            later = first
        if earlier.position > later.position:
            return Outcome(Status.FAIL, None, earlier, evidence=f"{later.text} … {earlier.text}",
                           turn=later.turn, values={"found": later.text})
    return Outcome(Status.PASS, None, matches[0], evidence=" … ".join(m.text for m in matches))


# A farewell said early must be clear and end its turn ("... fifteen minutes. Have a nice day,
# goodbye!"): within a turn ("we'll take care of that") or said loosely ("it takes a couple of days"
# against "have a {*} day") the words are no farewell.
_TURN_END_SLACK = 1
_CLEAR_SCORE = 90.0


def _said_before(ctx: CallContext, earlier: RuleDef, later: RuleDef, mark: Match) -> Match | None:
    """The first match of `later`'s formulas that ends its turn and comes before `mark` (the match of
    `earlier`), searched in `earlier`'s window: where the earlier step was looked for."""
    if not later.rule.any_of:
        return None
    span = next((s for s in ctx.stages if s.stage == "closing"), None)
    window = ctx.window_turns(earlier, span, None) or []
    role_turns = set(ctx.role_turns(later.rule.role))
    turns = [t for t in window if t <= mark.turn and t in role_turns]
    for t, match in ctx.matching_turns(later.rule.any_of, turns, max(_CLEAR_SCORE, threshold_of(ctx, later))):
        said = len(ctx.call.words[t])
        if match.position < mark.position and match.word + len(match.text.split()) >= said - _TURN_END_SLACK:
            return match
    return None
