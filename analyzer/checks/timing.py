"""Timing checks, which need timestamps (not applicable without them):
`max_hold` - each hold of a transfer episode lasts at most `max_s` seconds;
`max_silence` - no gap between consecutive turns in the window is longer than `max_s` seconds."""
from __future__ import annotations

from ..context import CallContext
from ..models import Status, StageSpan
from ..pack.loader import RuleDef
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
    if not ctx.transcript.has_timestamps:
        return not_applicable()
    all_turns = ctx.transcript.turns
    first = span.start_turn if span else 0
    last = span.end_turn if span else len(all_turns) - 1
    longest, where = 0.0, None
    for t in range(first, last):
        end, nxt = all_turns[t].end_s, all_turns[t + 1].start_s
        if end is None or nxt is None:
            continue
        if nxt - end > longest:
            longest, where = nxt - end, t
    if where is None:
        return not_applicable()
    limit = rule.rule.max_s
    status = Status.PASS if longest <= limit else Status.FAIL
    return Outcome(status, None, None, evidence=all_turns[where].text, turn=where,
                   values={"silence_s": round(longest, 1), "max_s": limit})
