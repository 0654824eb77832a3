"""`order`: the rules named in `sequence` must have been satisfied in that order (e.g. the offer of
further help before the farewell). Not applicable unless every one of them passed."""
from __future__ import annotations

import re

from ..context import CallContext, one_by_one
from ..models import Match, Status
from ..pack.loader import RuleDef
from .base import Outcome, excused, not_applicable, threshold_of


def evaluate(ctx: CallContext, rule: RuleDef, turns: list[int]) -> Outcome:
    matches = []
    for rule_id in rule.rule.sequence or []:
        status, match = ctx.results.get(rule_id, (None, None))
        if status is not Status.PASS or match is None:
            return not_applicable()
        matches.append(match)
    ids = rule.rule.sequence or []
    for earlier_id, earlier, later_id, later in zip(ids, matches, ids[1:], matches[1:]):
        # A closing said in order and said again after the caller's one more question ("Anything
        # else?" / "Goodbye!" / "Oh, one more thing..." / "Anything else?" / "Goodbye"): the order is
        # kept if the earlier step was said first, wherever its best match lies.
        earlier = _first_said(ctx, ctx.pack.rule(earlier_id), earlier)
        # A later step said before the earlier one counts even if it is said again after it ("Goodbye!"
        # / "Oh, anything else?" / "Goodbye"): its best match alone would hide the slip.
        first = _said_before(ctx, ctx.pack.rule(earlier_id), ctx.pack.rule(later_id), earlier)
        if first is not None:
            later = first
        if earlier.position > later.position:
            return Outcome(Status.FAIL, None, earlier, evidence=f"{later.text} … {earlier.text}",
                           turn=later.turn, values={"found": later.text})
    return Outcome(Status.PASS, None, matches[0], evidence=" … ".join(m.text for m in matches))


# A farewell said early must be clear and end its sentence ("... fifteen minutes. Have a nice day,
# goodbye!", "Хубав ден ви желая! А, имате ли друг въпрос?"): inside a sentence ("we'll take care of
# that") or said loosely ("it takes a couple of days" against "have a {*} day") the words are no
# farewell. Text without punctuation (speech recognition) has only the turn's end.
_SENTENCE_END_SLACK = 2  # words between the farewell and its sentence's end: "Хубав ден ви желая!"
_CLEAR_SCORE = 95.0  # said as written or nearly: "pe rând" scores 90 against "pe curând"
_SENTENCE_END = re.compile(r"[.!?…]")


def _said_before(ctx: CallContext, earlier: RuleDef, later: RuleDef, mark: Match) -> Match | None:
    """The first match of `later`'s formulas that ends its sentence and comes before `mark` (the match
    of `earlier`), searched in `earlier`'s window: where the earlier step was looked for."""
    if not later.rule.any_of:
        return None
    turns = _closing_turns(ctx, earlier, later, mark.turn)
    threshold = max(_CLEAR_SCORE, threshold_of(ctx, later))
    for t, best in ctx.matching_turns(later.rule.any_of, turns, threshold):
        if _early_farewell(ctx, t, best, mark):
            return best
        # The turn's best match may sit inside the sentence whose end another one reaches ("всего вам
        # доброго и приятного полёта! Ой, ещё вопрос?"): each formula said there is tried.
        for formula in one_by_one(later.rule.any_of):
            match = ctx.best(formula, [t])
            if match is not None and match.score >= threshold and _early_farewell(ctx, t, match, mark):
                return match
    return None


def _first_said(ctx: CallContext, rule: RuleDef, best: Match) -> Match:
    """The first clear match of `rule`'s formulas in its window, if it comes before `best`."""
    if not rule.rule.any_of:
        return best
    turns = _closing_turns(ctx, rule, rule, best.turn - 1)
    if rule.rule.exceptions:
        # A turn the rule itself does not count ("может, там нужно что-то ещё.") says no step.
        turns = [t for t in turns if not excused(ctx, rule, t)]
    threshold = max(_CLEAR_SCORE, threshold_of(ctx, rule))
    found = ctx.matching_turns(rule.rule.any_of, turns, threshold)
    return found[0][1] if found else best


def _closing_turns(ctx: CallContext, window_of: RuleDef, said_by: RuleDef, through: int) -> list[int]:
    """The turns of `said_by`'s role in `window_of`'s window over the closing, after the opening and up
    to turn `through`."""
    span = next((s for s in ctx.stages if s.stage == "closing"), None)
    role_turns = set(ctx.role_turns(said_by.rule.role))
    # The opening's "Добрый день!" / "Bună seara" is a greeting, however a farewell formula reads it.
    opening = max((s.end_turn for s in ctx.stages if s.stage == "greeting"), default=-1)
    return [t for t in ctx.window_turns(window_of, span, None) or [] if opening < t <= through and t in role_turns]


def _early_farewell(ctx: CallContext, t: int, match: Match, mark: Match) -> bool:
    return match.position < mark.position and _ends_sentence(ctx, t, match.word + len(match.text.split()) - 1)


def _ends_sentence(ctx: CallContext, t: int, last: int) -> bool:
    """At most a couple of words follow word `last` of turn `t` before its sentence or the turn ends."""
    words, spans = ctx.call.words[t], ctx.call.span(t)
    if last + 1 + _SENTENCE_END_SLACK >= len(words):
        return True
    if not _SENTENCE_END.search(ctx.transcript.turns[t].text):
        # Speech recognition without punctuation: another closing formula starting right after the
        # farewell begins a sentence of its own ("bine o zi bună vă mulțumim că ați sunat ... și mai
        # aveți nevoie de altceva").
        return _closing_formula_starts(ctx, t, last + 1, last + 1 + _SENTENCE_END_SLACK)
    if len(spans) != len(words) or spans[last][1] < 0:
        return False
    end = _SENTENCE_END.search(ctx.transcript.turns[t].text, spans[last][1])
    return end is not None and all(spans[w][0] >= end.start() for w in range(last + 1 + _SENTENCE_END_SLACK, len(words)))


def _closing_formula_starts(ctx: CallContext, t: int, first: int, last: int) -> bool:
    """Whether one of the closing stage's cues (thanks, farewells, the offer of more help) said in turn
    `t` starts at a word from `first` to `last`."""
    closing = ctx.pack.segment("closing")
    if closing is None or closing.cues is None:
        return False
    return any(first <= match.word <= last for match in ctx.cue_matches(closing.cues, t))
