"""Speaker roles: a Transcript whose turns may have unknown roles in, one with agent/customer roles out.

Labels are mapped first (the pack's role aliases, then common words like "agent" or "caller"). Speakers
still unknown (spk_0, "Speaker 1", a participant id, a person's name) are told apart from the
conversation: the agent is the speaker who says the pack's opening, hold and closing formulas.
"""
from __future__ import annotations

from dataclasses import replace

from .matching import Matcher
from .models import Role, Transcript
from .pack.loader import Pack
from .readers.base import role_from_label

INFERENCE_THRESHOLD = 80.0
UNSURE_BELOW = 0.5


def _alias_table(pack: Pack) -> dict[str, Role]:
    table: dict[str, Role] = {}
    roles = pack.manifest.roles
    for role, labels in ((Role.AGENT, roles.agent), (Role.CUSTOMER, roles.customer), (Role.OTHER, roles.other)):
        for label in labels:
            table[label.strip().casefold()] = role
    return table


def agent_formulas(pack: Pack) -> list:
    """Formulas only an agent says: the opening rules, hold/transfer announcements, closing thanks."""
    formulas: list = []
    for rd in pack.rules:
        if rd.stage in ("greeting", "closing") and rd.rule.role.value == "agent" and rd.rule.any_of:
            formulas.extend(f for f in rd.rule.any_of if isinstance(f, str) and "{" not in f)
    seg = pack.segment("transfer")
    for cue in (seg.hold_cues, seg.transfer_cues) if seg else ():
        if cue:
            formulas.extend(f for f in cue.any_of if isinstance(f, str))
    return formulas


def assign_roles(transcript: Transcript, pack: Pack, matcher: Matcher) -> Transcript:
    aliases = _alias_table(pack)
    turns = []
    unknown: list[str] = []
    mapped = False
    for turn in transcript.turns:
        role = turn.role
        if role is Role.UNKNOWN:
            key = turn.speaker.strip().casefold()
            role = aliases.get(key) or role_from_label(turn.speaker)
            if role is not Role.UNKNOWN:
                mapped = mapped or key in aliases
            elif turn.speaker not in unknown:
                unknown.append(turn.speaker)
        turns.append(replace(turn, role=role) if role is not turn.role else turn)
    result = replace(transcript, turns=tuple(turns))
    if unknown:
        return _infer(result, unknown, pack, matcher)
    if mapped and transcript.role_source == "label":
        return replace(result, role_source="mapping")
    return result


def _infer(transcript: Transcript, unknown: list[str], pack: Pack, matcher: Matcher) -> Transcript:
    has_agent = any(t.role is Role.AGENT for t in transcript.turns)
    formulas = [c for c in (matcher.compile(f) for f in agent_formulas(pack)) if c is not None]
    call = matcher.prepare(transcript)
    scores: dict[str, float] = {}
    for speaker in unknown:
        idx = [t.index for t in transcript.turns if t.speaker == speaker]
        hits = 0.0
        for t in idx:
            best = max((m.score for f in formulas if (m := matcher.best(f, call, [t]))), default=0.0)
            if best >= INFERENCE_THRESHOLD:
                hits += 1
        # Who speaks first breaks ties: in an inbound call the agent answers.
        scores[speaker] = hits + (0.5 if idx and idx[0] == min(t.index for t in transcript.turns if t.role is not Role.OTHER) else 0)
    ranked = sorted(unknown, key=lambda s: -scores[s])
    agent = None if has_agent else ranked[0]
    roles = {s: (Role.AGENT if s == agent else Role.CUSTOMER) for s in unknown}
    turns = tuple(replace(t, role=roles[t.speaker]) if t.speaker in roles else t for t in transcript.turns)
    if agent is None:
        confidence = 1.0
    else:
        top = scores[agent]
        second = scores[ranked[1]] if len(ranked) > 1 else 0.0
        confidence = round(min(1.0, (top - second) / (top + 1.0)) if top > 0 else 0.0, 2)
    return replace(transcript, turns=turns, role_source="inference", role_confidence=confidence)
