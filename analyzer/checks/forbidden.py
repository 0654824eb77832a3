"""`forbidden`: none of `any_of` may be said, unless an `exceptions` formula covers the same turn
("I don't know offhand, let me find out" is not "I don't know"); `also_forbids` adds the formulas of
other forbidden rules, each with its own exceptions and threshold."""
from __future__ import annotations

from ..context import CallContext, words_of
from ..models import Match, Status
from ..pack.loader import RuleDef
from .base import Outcome, excused, threshold_of


def evaluate(ctx: CallContext, rule: RuleDef, turns: list[int]) -> Outcome:
    threshold = threshold_of(ctx, rule, forbidden=True)
    spec = rule.rule
    formulas = spec.any_of or []
    # The first turn (in order) that says a formula and is not excused fails the rule; the rule's own
    # formulas first, then those it borrows.
    hits = ctx.matching_turns(formulas, turns, threshold)
    for source in (rule, *(ctx.pack.rule(rule_id) for rule_id in spec.also_forbids or ())):
        found = hits if source is rule else ctx.matching_turns(source.rule.any_of or [], turns,
                                                                threshold_of(ctx, source, forbidden=True))
        for t, match in found:
            if source.rule.exceptions and excused(ctx, source, t):
                continue
            if _in_company_name(ctx, match):
                continue
            return Outcome(Status.FAIL, match.score, match,
                           values={"found": match.text, "suggest": spec.suggest or "", "threshold": threshold})
    # A pass reports how close the nearest phrase came in the other turns, without quoting it as if it
    # were an offence.
    said = {t for t, _ in hits}
    closest = ctx.max_turn_score(formulas, [t for t in turns if t not in said])
    return Outcome(Status.PASS, closest if closest is not None else 0.0, None, evidence="",
                   values={"suggest": spec.suggest or "", "threshold": threshold})


def _in_company_name(ctx: CallContext, match: Match) -> bool:
    """Whether the words found are the company's own name, said as such (a kindergarten called
    "Слънчице", a shop called "No Worries"): naming the company is no forbidden word."""
    company = ctx.variables.get("company") or ""
    said = words_of(match.text)
    return bool(said) and set(said) <= set(words_of(company))
