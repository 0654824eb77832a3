"""Timing checks, which need timestamps (not applicable without them):
`max_hold` - each hold of a transfer episode lasts at most `max_s` seconds;
`max_silence` - no gap between consecutive turns is longer than `max_s` seconds, holds excepted
(a hold the agent announced is judged by max_hold, not as dead air);
`max_delay` - the rule named in `of` is satisfied within `max_s` seconds of the call's start."""
from __future__ import annotations

from ..context import CallContext
from ..models import StageSpan, Status
from ..pack.loader import RuleDef
from ..timing import call_start_s, silences
from .base import Outcome, not_applicable


def max_hold(ctx: CallContext, rule: RuleDef, turns: list[int], span: StageSpan | None = None) -> Outcome:
    if span is None or span.hold_s is None:
        return not_applicable()
    limit = rule.rule.max_s
    trigger = span.trigger_turn if span.trigger_turn is not None else span.start_turn
    evidence = ctx.transcript.turns[trigger].text
    status = Status.PASS if span.hold_s <= limit else Status.FAIL
    return Outcome(status, None, None, evidence=evidence, turn=trigger, values={"hold_s": span.hold_s, "max_s": limit})


def max_silence(ctx: CallContext, rule: RuleDef, turns: list[int], span: StageSpan | None = None) -> Outcome:
    gaps = silences(ctx.transcript, ctx.stages)
    if not gaps:
        return not_applicable()
    after_turn, longest = max(gaps, key=lambda g: g[1])
    limit = rule.rule.max_s
    status = Status.PASS if longest <= limit else Status.FAIL
    return Outcome(status, None, None, evidence=ctx.transcript.turns[after_turn].text, turn=after_turn,
                   values={"silence_s": round(longest, 1), "max_s": limit})


def max_delay(ctx: CallContext, rule: RuleDef, turns: list[int], span: StageSpan | None = None) -> Outcome:
    start = call_start_s(ctx.transcript)
    status, match = ctx.results.get(rule.rule.of, (None, None))
    if start is None or status is not Status.PASS or match is None or match.start_s is None:
        return not_applicable()
    delay = round(match.start_s - start, 1)
    limit = rule.rule.max_s
    return Outcome(Status.PASS if delay <= limit else Status.FAIL, None, match,
                   values={"delay_s": delay, "max_s": limit})
