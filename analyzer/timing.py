"""Timing metrics of a call: turns with timestamps and its stages in, the calls.csv timing figures out.

All figures are empty (None) when the call has no timestamps. A turn without an end time is taken to
last SECONDS_PER_WORD per word.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .models import Role, StageSpan, Transcript

SECONDS_PER_WORD = 0.4
TIMING_COLUMNS = [
    "time_to_first_agent_s", "time_to_greeting_s", "n_holds", "hold_total_s", "hold_longest_s",
    "longest_silence_s", "agent_talk_ratio", "overtalk_count", "overtalk_s",
]


def turn_end(turn) -> float | None:
    if turn.end_s is not None:
        return turn.end_s
    if turn.start_s is None:
        return None
    return turn.start_s + SECONDS_PER_WORD * max(1, len(turn.text.split()))


def call_start_s(transcript: Transcript) -> float | None:
    starts = [t.start_s for t in transcript.turns if t.start_s is not None]
    return min(starts) if starts else None


def silences(transcript: Transcript, stages: Sequence[StageSpan] = ()) -> list[tuple[int, float]]:
    """(turn before the gap, gap seconds) for every gap between turns, holds excepted."""
    held = set()
    for span in stages:
        if span.stage == "transfer" and span.hold_s is not None and span.trigger_turn is not None:
            end = span.return_turn if span.return_turn is not None else span.end_turn
            held.update(range(span.trigger_turn, end))
    gaps = []
    turns = transcript.turns
    for k in range(len(turns) - 1):
        end, nxt = turn_end(turns[k]), turns[k + 1].start_s
        if end is None or nxt is None or k in held:
            continue
        gaps.append((k, max(0.0, nxt - end)))
    return gaps


def timing_metrics(transcript: Transcript, stages: Sequence[StageSpan], greeting_s: float | None) -> dict[str, Any]:
    empty = {name: None for name in TIMING_COLUMNS}
    start = call_start_s(transcript)
    if start is None:
        return empty
    turns = transcript.turns
    first_agent = next((t.start_s for t in turns if t.role is Role.AGENT and t.start_s is not None), None)
    holds = [s.hold_s for s in stages if s.stage == "transfer" and s.hold_s is not None]
    gaps = [g for _, g in silences(transcript, stages)]
    talk = {Role.AGENT: 0.0, Role.CUSTOMER: 0.0}
    for t in turns:
        end = turn_end(t)
        if t.start_s is not None and end is not None and t.role in talk:
            talk[t.role] += max(0.0, end - t.start_s)
    overlaps = []
    for a, b in zip(turns, turns[1:]):
        # Only real end times: an estimated end would invent overlaps.
        if a.role is not b.role and a.end_s is not None and b.start_s is not None and b.start_s < a.end_s:
            overlaps.append(a.end_s - b.start_s)
    total_talk = talk[Role.AGENT] + talk[Role.CUSTOMER]
    return {
        "time_to_first_agent_s": None if first_agent is None else round(first_agent - start, 1),
        "time_to_greeting_s": None if greeting_s is None else round(greeting_s - start, 1),
        "n_holds": len(holds),
        "hold_total_s": round(sum(holds), 1),
        "hold_longest_s": round(max(holds), 1) if holds else 0.0,
        "longest_silence_s": round(max(gaps), 1) if gaps else None,
        "agent_talk_ratio": round(talk[Role.AGENT] / total_talk, 3) if total_talk else None,
        "overtalk_count": len(overlaps),
        "overtalk_s": round(sum(overlaps), 1),
    }
