"""Speaker roles: a Transcript whose turns may have unknown roles in, one with agent/customer roles out.

Labels are mapped first (the pack's role aliases, then common words like "agent" or "caller").
Speakers still unknown (spk_0, "Speaker 1", a participant id, a name) are told apart from the
conversation: the agent is the speaker whose turns say what only agents say (the pack's
`roles.infer_from` rules and `agent_phrases`: offers of help, hold requests, security questions,
thanks for calling) and the customer the one who says `customer_phrases`. When one label covers the
whole call (a diarisation that tagged every cue "Agent"), each turn is labelled instead, by a
two-state Viterbi pass over the same evidence: a question invites the other side to answer, and a
change of speaker needs evidence.
"""
from __future__ import annotations

from dataclasses import replace

from .matching import Matcher
from .models import Role, Transcript
from .pack.loader import Pack
from .readers.base import role_from_label

PHRASE_THRESHOLD = 80.0
UNSURE_BELOW = 0.5
MIN_TURNS_FOR_TURN_LABELLING = 4
SWITCH_COST = 1.0
ANSWER_BONUS = 1.5  # after a question, the next turn is most likely the other side's answer
EVIDENCE_WEIGHT = 2.0
AGENT_OPENS = 1.0  # in an inbound call the agent answers the phone


def _alias_table(pack: Pack) -> dict[str, Role]:
    table: dict[str, Role] = {}
    roles = pack.manifest.roles
    for role, labels in ((Role.AGENT, roles.agent), (Role.CUSTOMER, roles.customer), (Role.OTHER, roles.other)):
        for label in labels:
            table[label.strip().casefold()] = role
    return table


def agent_formulas(pack: Pack) -> list:
    """Formulas only an agent says: the pack's `roles.infer_from` rules and `agent_phrases`."""
    roles = pack.manifest.roles
    wanted = set(roles.infer_from)
    formulas: list = list(roles.agent_phrases)
    for rd in pack.rules:
        use = rd.id in wanted if wanted else (rd.stage in ("greeting", "closing") and rd.rule.role.value == "agent")
        if not use:
            continue
        formulas.extend(rd.rule.any_of or [])
        for group in rd.rule.all_of or []:
            formulas.extend(group.any_of)
        if rd.rule.when and rd.rule.when.role.value == "agent":
            formulas.extend(rd.rule.when.any_of)
    seg = pack.segment("transfer")
    for cue in (seg.hold_cues, seg.transfer_cues) if seg else ():
        if cue:
            formulas.extend(cue.any_of)
    return [f for f in formulas if not (isinstance(f, str) and f.strip().startswith("{") and f.strip().endswith("}"))]


def customer_formulas(pack: Pack) -> list:
    formulas: list = list(pack.manifest.roles.customer_phrases)
    seg = pack.segment("difficult_client")
    for cue in (seg.start_cues, seg.calm_cues) if seg else ():
        if cue:
            formulas.extend(cue.any_of)
    return formulas


class RoleEvidence:
    """Per-turn evidence (agent hit, customer hit) for one pack, with its formulas compiled once."""

    def __init__(self, pack: Pack, matcher: Matcher):
        self.matcher = matcher
        self.agent = [c for c in (matcher.compile(f) for f in agent_formulas(pack)) if c is not None]
        self.customer = [c for c in (matcher.compile(f) for f in customer_formulas(pack)) if c is not None]

    def per_turn(self, transcript: Transcript) -> list[tuple[float, float]]:
        call = self.matcher.prepare(transcript)
        turns = range(len(transcript.turns))
        agent = set(self.matcher.iter_reaching_turns(self.agent, call, turns, PHRASE_THRESHOLD))
        customer = set(self.matcher.iter_reaching_turns(self.customer, call, turns, PHRASE_THRESHOLD))
        return [(1.0 if t in agent else 0.0, 1.0 if t in customer else 0.0) for t in turns]


_evidence_cache: dict[int, RoleEvidence] = {}


def _evidence(pack: Pack, matcher: Matcher) -> RoleEvidence:
    key = id(matcher)
    ev = _evidence_cache.get(key)
    if ev is None or ev.matcher is not matcher:
        ev = _evidence_cache[key] = RoleEvidence(pack, matcher)
    return ev


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
    spoken = [t for t in result.turns if t.role is not Role.OTHER]
    if len({t.speaker for t in spoken}) == 1 and len(spoken) >= MIN_TURNS_FOR_TURN_LABELLING:
        return _label_turns(result, pack, matcher)
    if unknown:
        return _infer_speakers(result, unknown, pack, matcher)
    if mapped and transcript.role_source == "label":
        return replace(result, role_source="mapping")
    return result


def _infer_speakers(transcript: Transcript, unknown: list[str], pack: Pack, matcher: Matcher) -> Transcript:
    evidence = _evidence(pack, matcher).per_turn(transcript)
    has_agent = any(t.role is Role.AGENT for t in transcript.turns)
    first_speaker = next((t.speaker for t in transcript.turns if t.role is not Role.OTHER), None)
    scores: dict[str, float] = {}
    for speaker in unknown:
        idx = [t.index for t in transcript.turns if t.speaker == speaker]
        scores[speaker] = sum(evidence[i][0] - evidence[i][1] for i in idx) + (0.5 if speaker == first_speaker else 0.0)
    ranked = sorted(unknown, key=lambda s: -scores[s])
    agent = None if has_agent else ranked[0]
    roles = {s: (Role.AGENT if s == agent else Role.CUSTOMER) for s in unknown}
    turns = tuple(replace(t, role=roles[t.speaker]) if t.speaker in roles else t for t in transcript.turns)
    if agent is None:
        confidence = 1.0
    else:
        second = scores[ranked[1]] if len(ranked) > 1 else 0.0
        margin = scores[agent] - second
        confidence = round(max(0.0, margin / (abs(margin) + 1.0)), 2)
    return replace(transcript, turns=turns, role_source="inference", role_confidence=confidence)


def _label_turns(transcript: Transcript, pack: Pack, matcher: Matcher) -> Transcript:
    """One label for everyone: decide each turn's role (Viterbi over agent/customer)."""
    evidence = _evidence(pack, matcher).per_turn(transcript)
    turns = transcript.turns
    states = (Role.AGENT, Role.CUSTOMER)
    score = {Role.AGENT: AGENT_OPENS, Role.CUSTOMER: 0.0}
    back: list[dict[Role, Role]] = []
    first = True
    prev_text = ""
    for t, turn in enumerate(turns):
        if turn.role is Role.OTHER:
            back.append({s: s for s in states})
            continue
        a, c = evidence[t]
        emit = {Role.AGENT: EVIDENCE_WEIGHT * (a - c), Role.CUSTOMER: EVIDENCE_WEIGHT * (c - a)}
        if first:
            score = {s: score[s] + emit[s] for s in states}
            back.append({s: s for s in states})
            first = False
        else:
            asked = prev_text.rstrip().endswith("?")
            new_score, pointers = {}, {}
            for s in states:
                best_prev, best_val = None, float("-inf")
                # On a tie the path that changes speaker here wins over one that changed earlier:
                # the change comes as late as the evidence allows ("Goodbye." stays with the caller).
                for p in sorted(states, key=lambda q: q is s):
                    val = score[p] + (0.0 if p is s else -SWITCH_COST + (ANSWER_BONUS if asked else 0.0))
                    if val > best_val:
                        best_prev, best_val = p, val
                new_score[s] = best_val + emit[s]
                pointers[s] = best_prev
            score = new_score
            back.append(pointers)
        prev_text = turn.text
    state = max(states, key=lambda s: score[s])
    labels: list[Role] = [state] * len(turns)
    for t in range(len(turns) - 1, -1, -1):
        labels[t] = state
        state = back[t][state]
    new_turns = tuple(
        turn if turn.role is Role.OTHER else replace(turn, role=labels[t]) for t, turn in enumerate(turns)
    )
    supported = sum(1 for t, turn in enumerate(turns) if turn.role is not Role.OTHER and any(evidence[t]))
    spoken = sum(1 for turn in turns if turn.role is not Role.OTHER)
    both = {labels[t] for t, turn in enumerate(turns) if turn.role is not Role.OTHER}
    confidence = round(supported / spoken, 2) if spoken and len(both) == 2 else 0.0
    return replace(transcript, turns=new_turns, role_source="inference:turns", role_confidence=confidence)
