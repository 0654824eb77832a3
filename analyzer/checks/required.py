"""`required`: the agent must say one of `any_of`, or something from every group of `all_of`, in a turn
that says none of the rule's `exceptions` ("Is there anything else on the statement you don't
recognise?" asks about the statement, it offers no further help)."""
from __future__ import annotations

import re

from ..context import CallContext
from ..models import Match, Role, Status
from ..normalize import spelling_for
from ..pack.loader import RuleDef
from ..pack.schema import Formula
from ..redact import spoken_numbers
from .base import Outcome, excused, threshold_of


def evaluate(ctx: CallContext, rule: RuleDef, turns: list[int]) -> Outcome:
    threshold = threshold_of(ctx, rule)
    spec = rule.rule
    if spec.exceptions:
        turns = [t for t in turns if not excused(ctx, rule, t)]
    if spec.any_of:
        match = ctx.best(spec.any_of, turns)
        if match is None:
            return Outcome(Status.FAIL, 0.0, None, values={"threshold": threshold})
        if (spec.declined_by or spec.rejected_by) and match.score >= threshold:
            return _undeclined(ctx, rule, turns, match, threshold)
        status = Status.PASS if match.score >= threshold else Status.FAIL
        return Outcome(status, match.score, match, values={"threshold": threshold})
    # all_of: every group must be said; the weakest group decides the score.
    matches = []
    weakest = 100.0
    missing = []
    for i, group in enumerate(spec.all_of or []):
        group_threshold = group.threshold if group.threshold is not None else threshold
        match = ctx.best(group.any_of, turns)
        if group.declinable and match is not None and match.score >= group_threshold:
            declined = declining_reply(ctx, rule, match.end_turn)
            if declined is not None:
                return Outcome(Status.PASS, match.score, match, evidence=f"{match.text} | {declined}",
                               values={"threshold": threshold, "missing": ""})
        if group.read_back and (match is None or match.score < group_threshold):
            match = ctx.read_back(turns, spec.role) or match
        score = match.score if match else 0.0
        weakest = min(weakest, score)
        if match is None or score < group_threshold:
            missing.append(group.label or f"group {i + 1}")
        if match:
            matches.append(match)
    first = min(matches, key=lambda m: m.position) if matches else None
    evidence = " | ".join(m.text for m in sorted(matches, key=lambda m: m.position))
    status = Status.FAIL if missing else Status.PASS
    return Outcome(status, weakest, first, evidence=evidence,
                   values={"threshold": threshold, "missing": ", ".join(missing)})


DECLINE_REACH = 3  # words into the reply within which a decline must start ("Ah, I don't, sorry")
REJECT_REACH = 5  # words into the asker's next turn within which a rejection must start ("Hmm, that's not quite it")
REPLY_REACH = 3  # turns after the question within which the other side's reply is looked for


def _undeclined(ctx: CallContext, rule: RuleDef, turns: list[int], match: Match, threshold: float) -> Outcome:
    """The best match that asks (no value read out after it), whose reply does not decline it and
    whose answer the asker does not find wrong; failing that, a fail that quotes why the first one
    does not count. After an answer found wrong, only a later question can still count: what was
    accepted before it ("Can I take your name?") did not suffice, or no more would have been asked."""
    first_declined: tuple[Match, str] | None = None
    left = list(turns)
    current: Match | None = match
    rejected = last_rejected(ctx, rule, turns, threshold)
    if rejected is not None:
        asked, rejection = rejected
        first_declined = (asked, f"rejected: {rejection.text}")
        left = [t for t in left if t > rejection.turn]
        current = ctx.best(rule.rule.any_of or [], left) if left else None
        if current is None or current.score < threshold:
            # A new question in a later sentence of the rejecting turn ("That's not matching, but don't
            # worry. Can you tell me your date of birth?"); not the detail the rejection names.
            current = _asked_after_rejection(ctx, rule, rejection, threshold) or current
        if (current is None or current.score < threshold) and _corrected(ctx, rule, rejection, turns):
            return Outcome(Status.PASS, asked.score, asked, evidence=f"{asked.text} (corrected after: {rejection.text})",
                           values={"threshold": threshold})
    while current is not None and current.score >= threshold:
        reply = _stated_value(ctx, current) or declining_reply(ctx, rule, current.end_turn)
        if reply is None:
            return Outcome(Status.PASS, current.score, current, values={"threshold": threshold})
        if first_declined is None:
            first_declined = (current, reply)
        left = [t for t in left if not current.turn <= t <= current.end_turn]
        current = ctx.best(rule.rule.any_of or [], left) if left else None
    asked, reply = first_declined  # type: ignore[misc]
    score = current.score if current is not None else 0.0
    return Outcome(Status.FAIL, score, asked, evidence=f"{asked.text} ({reply})", values={"threshold": threshold})


STATED_DIGITS = 4  # "cod client 3004471": the agent reads the identifier out, it does not ask for it


def _stated_value(ctx: CallContext, match: Match) -> str | None:
    """The value said right after the match by the same speaker ("клиентски номер 300 114 587"), if any:
    then the formula named what was read out from the record, it asked nothing."""
    rest = _text_after(ctx, match)
    if rest is None:
        return None
    for digits, start, _ in spoken_numbers(rest[:80]):
        before = rest[:start].strip(" :–-")
        # A reference's letters glued to its digits ("policy number PS880213", "AT-4418872") are the value too.
        prefixed = bool(_REFERENCE_PREFIX.fullmatch(before)) and start > 0 and not rest[start - 1].isspace()
        if len(digits) >= STATED_DIGITS and (prefixed or (start <= 3 and not before)):
            value_start = start - len(before) if prefixed else start
            return f"said, not asked: {rest[value_start:value_start + 20].strip()}"
        break
    return None


_REFERENCE_PREFIX = re.compile(r"[^\W\d_]{1,4}-?")


def _text_after(ctx: CallContext, match: Match) -> str | None:
    """The text of the match's last turn after its last word (None: the words are not in the text)."""
    text = ctx.transcript.turns[match.end_turn].text
    spans = ctx.call.span(match.end_turn)
    if 0 <= match.end_word < len(spans) and spans[match.end_word][1] >= 0:
        return text[spans[match.end_word][1]:]
    # A regex formula's match, or words whose place in the raw text is unknown.
    said = match.text.rsplit(" / ", 1)[-1]
    at = text.find(said)
    return text[at + len(said):] if at >= 0 else None


def _offers_a_choice(ctx: CallContext, asked: int) -> bool:
    """Whether the question asks for one detail or another ("the contract number, or the name and tax code")."""
    return not spelling_for(ctx.pack.language).alternatives.isdisjoint(ctx.call.words[asked])


def _gives_a_value(ctx: CallContext, decline: Match) -> bool:
    """Whether the reply goes on, after its decline, to give STATED_DIGITS digits or more."""
    rest = _text_after(ctx, decline)
    return rest is not None and sum(len(digits) for digits, _, _ in spoken_numbers(rest)) >= STATED_DIGITS


def declining_reply(ctx: CallContext, rule: RuleDef, asked: int) -> str | None:
    """The words of the other side's reply to turn `asked` that decline it, if the reply opens with a
    decline of the rule's `declined_by`."""
    if not rule.rule.declined_by:
        return None
    turns = ctx.transcript.turns
    own = rule.rule.role.value
    threshold = threshold_of(ctx, rule)
    for t in range(asked + 1, min(len(turns), asked + 1 + REPLY_REACH)):
        if turns[t].role is Role.OTHER or turns[t].role.value == own:
            continue
        decline = ctx.best(rule.rule.declined_by, [t])
        if decline is not None and decline.score >= threshold and decline.word > DECLINE_REACH:
            # The best decline may come later in a reply that opens with another ("No, no, lasci stare,
            # non serve"): the one that opens it counts.
            decline = _opening_decline(ctx, rule.rule.declined_by, t, threshold) or decline
        if decline is not None and decline.score >= threshold and decline.word <= DECLINE_REACH:
            if _offers_a_choice(ctx, asked) and _gives_a_value(ctx, decline):
                return None  # one of the details declined, the other given ("Il numero non ce l'ho. ... 71E52...")
            return f"declined: {decline.text}"
        return None
    return None


def _opening_decline(ctx: CallContext, declines: list[Formula], t: int, threshold: float) -> Match | None:
    """A decline among `declines` that starts within the first DECLINE_REACH words of turn `t`."""
    for formula in declines:
        match = ctx.best([formula], [t])
        if match is not None and match.score >= threshold and match.word <= DECLINE_REACH:
            return match
    return None


def _corrected(ctx: CallContext, rule: RuleDef, rejection: Match, turns: list[int]) -> bool:
    """Whether the other side answered the rejection with a new value and the asker went on ("дата
    рождения не совпадает ... Проверьте ещё раз" / "ой, это я женину сказал. Моя — двадцать первое марта
    пятьдесят седьмого" / "Да, теперь всё верно"): the corrected answer verified the caller. Not when the
    asker's next turn opens with a no ("Three hundred, maybe?" / "Nope.")"""
    all_turns = ctx.transcript.turns
    reply = rejection.turn + 1
    if reply >= len(all_turns) or all_turns[reply].role in (Role.OTHER, all_turns[rejection.turn].role):
        return False
    if declining_reply(ctx, rule, rejection.turn) is not None:
        return False
    if not spoken_numbers(all_turns[reply].text):
        return False
    # "Three hundred, maybe?" / "Nope.": found wrong again.
    went_on = reply + 1
    if went_on >= len(all_turns) or all_turns[went_on].role is not all_turns[rejection.turn].role:
        return False
    return went_on in turns and not ctx.answered_no(reply)


def _asked_after_rejection(ctx: CallContext, rule: RuleDef, rejection: Match, threshold: float) -> Match | None:
    """The rule's best match in the rejecting turn, if it lies in a sentence after the rejection's."""
    question = ctx.best(rule.rule.any_of or [], [rejection.turn])
    if question is None or question.score < threshold or question.turn != rejection.turn:
        return None
    return question if ctx.sentence_start(rejection.turn, question.word) > rejection.word else None


def last_rejected(ctx: CallContext, rule: RuleDef, turns: list[int], threshold: float) -> tuple[Match, Match] | None:
    """The latest answer in `turns` that the asker found wrong, once the check was under way (one of the
    rule's questions asked up to it: "What was your last deposit?" need not be one): the best such
    question and the rejection (a turn of the asker that opens with one of the rule's `rejected_by`,
    "Hmm, that's not what I've got here", right after the other side's answer). Only the asker's turns
    that open with a rejection are looked back from (cheap)."""
    spec = rule.rule
    if not spec.rejected_by:
        return None
    own = spec.role.value
    all_turns = ctx.transcript.turns
    for r in sorted(turns, reverse=True):
        if all_turns[r].role.value != own:
            continue
        rejection = ctx.best(spec.rejected_by, [r])
        if rejection is None or rejection.score < threshold or rejection.word > REJECT_REACH:
            continue
        # The question answered: the asker's last turn before the rejection, within REPLY_REACH turns of
        # the answer, with the other side's answer in between.
        asked = next((q for q in range(r - 1, max(-1, r - 2 - REPLY_REACH), -1)
                      if all_turns[q].role.value == own), None)
        if asked is None or all(all_turns[t].role is Role.OTHER for t in range(asked + 1, r)):
            continue
        # What the asker said last must have asked something: "Your two charges are 12.99 each." /
        # "I cancelled in February!" / "The cancellation isn't on the system" rejects no answer.
        if (ctx.punctuated and "?" not in all_turns[asked].text
                and next(ctx.turns_saying(spec.any_of or [], [asked], threshold), None) is None):
            continue
        earlier = [t for t in turns if t <= asked]
        question = ctx.best(spec.any_of or [], earlier) if earlier else None
        if question is not None and question.score >= threshold:
            return question, rejection
    return None
