"""Checking one call: a Transcript and a compiled pack in, a scored `CallResult` out.

roles -> tokens -> stages -> every rule of every stage (per episode for transfers and upset customers)
-> findings -> call score. Order checks run last because they compare other rules' matches.
"""
from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from .checks import CHECKS, SPAN_CHECKS, Outcome, not_applicable
from .checks.base import threshold_of
from .checks.required import declining_reply, last_rejected
from .context import CallContext
from .matching import Matcher
from .models import CallResult, Finding, Match, Role, Severity, StageSpan, Status, Transcript
from .nlp import language_model
from .normalize import spelling_for
from .pack.loader import Pack, RuleDef
from .pack.schema import CheckType, Cue
from .redact import spoken_numbers
from .roles import assign_roles
from .scoring import score_call
from .stages import Segmentation, segment
from .timing import timing_metrics

EPISODE_STAGES = ("transfer", "difficult_client")


class PackRuntime:
    """A pack ready to check calls: its language model and matcher are built once and reused."""

    def __init__(self, pack: Pack, spacy_model: str | None = None):
        self.pack = pack
        self.lm = language_model(pack.language, spacy_model or pack.manifest.spacy_model)
        self.matcher = Matcher(self.lm)
        # Order and delay checks compare other rules' matches, so they run after them.
        late = (CheckType.ORDER, CheckType.MAX_DELAY)
        self._order = [rd for rd in pack.rules if rd.rule.check not in late] + [
            rd for rd in pack.rules if rd.rule.check in late
        ]
        self._compile_all()

    def _compile_all(self) -> None:
        """Put every formula word of the pack into the matcher's vocabulary before the first call."""
        for formula in pack_formulas(self.pack):
            self.matcher.compile(formula, {})

    @property
    def rules_in_order(self) -> list[RuleDef]:
        return self._order


def pack_formulas(pack: Pack) -> list:
    formulas: list = []
    for rd in pack.rules:
        rule = rd.rule
        formulas += list(rule.any_of or []) + list(rule.exceptions) + list(rule.declined_by) + list(rule.rejected_by)
        for group in rule.all_of or []:
            formulas += list(group.any_of)
        if rule.when:
            formulas += list(rule.when.any_of) + list(rule.when.declined_by) + list(rule.when.handover_by)
    for stage in pack.stages.values():
        seg = stage.segment
        for cue in (seg.cues, seg.hold_cues, seg.transfer_cues, seg.wait_cues, seg.start_cues,
                    seg.agent_start_cues, seg.call_out_cues, seg.handoff_cues, seg.briefing_cues, seg.calm_cues,
                    seg.cutoff_cues):
            if cue:
                formulas += list(cue.any_of)
    return formulas


def resolve_variables(transcript: Transcript, pack: Pack, overrides: Mapping[str, str]) -> dict[str, str | None]:
    """Slot values: the call's metadata first, then --set, then the pack's defaults."""
    names = pack.variable_names()
    values: dict[str, str | None] = {}
    for name in names:
        meta = transcript.metadata.get(name)
        if meta not in (None, ""):
            values[name] = str(meta)
        elif overrides.get(name):
            values[name] = overrides[name]
        else:
            values[name] = pack.manifest.variables.get(name)
    return values


def check_call(
    transcript: Transcript,
    runtime: PackRuntime,
    overrides: Mapping[str, str] | None = None,
    *,
    language_source: str = "metadata",
) -> CallResult:
    pack = runtime.pack
    transcript = assign_roles(transcript, pack, runtime.matcher)
    variables = resolve_variables(transcript, pack, overrides or {})
    ctx = CallContext(transcript, pack, runtime.matcher, runtime.matcher.prepare(transcript), variables)
    seg = segment(ctx)
    ctx.stages = seg.spans
    ctx.end_reason = seg.end_reason
    findings: list[Finding] = []
    for rd in runtime.rules_in_order:
        findings.extend(_evaluate_rule(ctx, seg, rd))
    summary = score_call(findings, pack)
    timing = timing_metrics(transcript, seg.spans, _greeting_time(findings, transcript))
    return CallResult(
        transcript=transcript,
        language=pack.language,
        language_source=language_source,
        pack_name=pack.name,
        stages=seg.spans,
        findings=tuple(findings),
        end_reason=seg.end_reason,
        timing=timing,
        **summary,
    )


def _greeting_time(findings: list[Finding], transcript: Transcript) -> float | None:
    """When the agent first said a passing greeting-stage formula (for time_to_greeting_s)."""
    times = [f.start_s for f in findings if f.stage == "greeting" and f.status is Status.PASS and f.start_s is not None]
    return min(times) if times else None


def _spans_for(seg: Segmentation, stage: str) -> list[StageSpan | None]:
    if stage == "general":
        return [None]
    spans = seg.of(stage)
    if stage in EPISODE_STAGES or stage == "closing":
        return spans  # none: the situation did not happen, or the call ended without a closing
    return spans or [None]


def _evaluate_rule(ctx: CallContext, seg: Segmentation, rd: RuleDef) -> list[Finding]:
    spans = _spans_for(seg, rd.stage)
    if not spans:
        reason = seg.end_reason if rd.stage == "closing" else f"no {rd.stage.replace('_', ' ')} in this call"
        return [_finding(ctx, rd, None, not_applicable(reason=reason), 0)]
    findings = []
    for span in spans:
        outcome = _outcome(ctx, rd, span)
        findings.append(_finding(ctx, rd, span, outcome, span.occurrence if span else 1))
        ctx.results[rd.id] = (outcome.status, outcome.match)
    return findings


def _outcome(ctx: CallContext, rd: RuleDef, span: StageSpan | None) -> Outcome:
    rule = rd.rule
    if rule.applies_to and (span is None or span.kind not in {k.value for k in rule.applies_to}):
        return not_applicable()
    trigger = span.trigger_turn if span else None
    cued = None
    if rule.when:
        area = range(_situation_start(ctx, span), span.end_turn + 1) if span else None
        trigger = cued = _opening_cue(ctx, rule.when, area) if area is not None and rule.when.from_call_start else None
        if trigger is None:
            trigger = cued = ctx.first_cue_turn(rule.when, area)
        if rule.when.own_formulas and rule.any_of:
            before = trigger
            for rule_id in rule.when.not_after or ():
                other = ctx.pack.rule(rule_id).rule.when
                started = ctx.first_cue_turn(other, area) if other else None
                if started is not None and (before is None or started < before):
                    before = started
            own = _first_own_turn(ctx, rd, area, before=before)
            trigger = own if own is not None else trigger
        if trigger is None:
            return not_applicable()
    # A required rule looks past its stage (`window.after`) only when the stage itself does not pass:
    # what the opening says is the evidence when it is there ("Good afternoon" at the call's start,
    # not a "thank you for calling about this" in the agent's answer, which would make it late).
    fallback = bool(rule.window and rule.window.after and rule.check is CheckType.REQUIRED)
    turns = ctx.window_turns(rd, span, trigger, after=not fallback)
    if turns is None:
        return not_applicable()
    if rule.check in SPAN_CHECKS:
        return SPAN_CHECKS[rule.check](ctx, rd, turns, span)
    if fallback and not turns:
        # The role said nothing in the stage: only the turns after it can say the formula.
        turns, fallback = ctx.window_turns(rd, span, trigger) or [], False
    if not turns and rule.check is not CheckType.ORDER:
        if rule.check is CheckType.FORBIDDEN:
            return Outcome(Status.PASS, 0.0, None, evidence="")
        return Outcome(Status.FAIL, 0.0, None, evidence="")
    outcome = CHECKS[rule.check](ctx, rd, turns)
    if outcome.status is Status.FAIL and rule.passes_on_request and span is not None and span.requested_turn is not None:
        # "Can you put me through to him?" / "Of course, transferring you now": the caller's own wish.
        seg = ctx.pack.segment(span.stage)
        request = ctx.cue_match(seg.request_cues, span.requested_turn) if seg and seg.request_cues else None
        said = request.text if request is not None else ctx.transcript.turns[span.requested_turn].text
        return Outcome(Status.PASS, request.score if request else None, request, evidence=f"asked by the caller: {said}",
                       turn=span.requested_turn, values=outcome.values)
    if fallback and outcome.status is not Status.PASS:
        extended = ctx.window_turns(rd, span, trigger)
        if extended and extended != turns:
            outcome = CHECKS[rule.check](ctx, rd, extended)
    if (outcome.status is Status.PASS and rule.rejected_by and cued is not None and trigger is not None
            and cued > trigger):
        # The check went on past its first question until the disclosure: an answer found wrong on the
        # way ("Can I take your name?" ... "That's not what I've got here") leaves the caller unverified.
        through = ctx.window_turns(rd, span, cued)
        if through and last_rejected(ctx, rd, through, threshold_of(ctx, rd)) is not None:
            outcome = CHECKS[rule.check](ctx, rd, through)
    if outcome.status is Status.PASS and cued is not None and rule.when and rule.when.complete_first:
        late = _asked_after_cue(ctx, rd, cued)
        if late is not None:
            return Outcome(Status.FAIL, late.score, late, values=outcome.values)
        last = span.end_turn if span else ctx.n_turns - 1
        unfinished = _answer_unfinished(ctx, rd, cued, last)
        if unfinished is not None:
            asked, reply = unfinished
            return Outcome(Status.FAIL, asked.score, asked, values=outcome.values,
                           evidence=f"{asked.text} ({reply}: not finished when the details were read out)")
        handed = _handed_over_unchecked(ctx, rd, last)
        if handed is not None:
            handover, disclosed = handed
            return Outcome(Status.FAIL, handover.score, handover, values=outcome.values, turn=disclosed,
                           evidence=f"{handover.text} (handed over; then: {ctx.transcript.turns[disclosed].text[:60]})")
    return outcome


def _handed_over_unchecked(ctx: CallContext, rd: RuleDef, last: int) -> tuple[Match, int] | None:
    """The other side's handing the phone on (`handover_by`: "Hang on, I'll put her on") and the first
    disclosure after it, when none of the rule's own questions was asked in between: whoever came on
    the line was not verified."""
    cue = rd.rule.when
    if cue is None or not cue.handover_by:
        return None
    own = rd.rule.role.value
    turns = ctx.transcript.turns
    others = [t for t in range(last + 1) if turns[t].role.value not in (own, "other")]
    threshold = threshold_of(ctx, rd)
    for h in ctx.turns_saying(cue.handover_by, others, threshold):
        disclosed = ctx.first_cue_turn(cue, range(h + 1, last + 1))
        if disclosed is None:
            continue
        asking = [t for t in range(h + 1, disclosed) if turns[t].role.value == own]
        if next(ctx.turns_saying(rd.rule.any_of or [], asking, threshold), None) is not None:
            continue  # the new person was asked to verify
        handover = ctx.best(cue.handover_by, [h])
        if handover is not None:
            return handover, disclosed
    return None


def _answer_unfinished(ctx: CallContext, rd: RuleDef, cued: int, last: int) -> tuple[Match, str] | None:
    """A question and the other side's reply to it, when the reply breaks off and the asker's next
    turn reads details out ("What was the name of your first school?" / "It was... it was St..." /
    "Your balance is ..."): the details were given while the caller was still answering. Looked for
    from the first disclosure on; only replies that break off are looked at (cheap)."""
    turns = ctx.transcript.turns
    own = rd.rule.role.value
    cue = rd.rule.when
    for r in range(cued - 1, last):
        if r < 0 or turns[r].role.value == own or turns[r].role is Role.OTHER:
            continue
        if not ctx.broken_off(r):
            continue
        said = next((t for t in range(r + 1, last + 1) if turns[t].role.value == own), None)
        asked_in = next((t for t in range(r - 1, -1, -1) if turns[t].role.value == own), None)
        if said is None or asked_in is None or any(turns[t].role.value not in (own, "other") and t != r
                                                    for t in range(r + 1, said)):
            continue
        if said != cued and (cue is None or ctx.cue_match(cue, said) is None):
            continue
        # Asked as a question or a request ("When you find the customer number, call us again" asks
        # nothing now).
        if not ctx.asks(asked_in):
            continue
        asked = ctx.best(rd.rule.any_of or [], [asked_in])
        if asked is not None and asked.score >= threshold_of(ctx, rd):
            return asked, turns[r].text.strip()[-40:]
    return None


def _asked_after_cue(ctx: CallContext, rd: RuleDef, cued: int) -> Match | None:
    """One of the rule's own questions asked later in the turn that says its cue: "I can see £212
    outstanding. Can I just confirm your postcode?" disclosed before the check was complete. Only a
    cue said outright and followed by a value counts ("let me pull up the claim" discloses nothing),
    and only a question or a request ("Mi dice il codice cliente?"), not a passing mention of the
    detail."""
    cue = rd.rule.when
    said = ctx.cue_match(cue, cued) if cue else None
    if said is None or said.score < OUTRIGHT:
        return None
    asked = ctx.best(rd.rule.any_of or [], [cued])
    if asked is None or asked.score < threshold_of(ctx, rd) or asked.word <= said.word:
        return None
    spans = ctx.call.span(cued)
    if asked.word >= len(spans) or spans[said.word][0] < 0 or spans[asked.word][0] < 0:
        return None
    # A value read out in between (a sum, a date, a card's digits): "Ca să văd polița, îmi spuneți
    # CNP-ul?" names the record it is about to open, it discloses nothing yet.
    between = ctx.transcript.turns[cued].text[spans[said.word][0]:spans[asked.word][0]]
    if not spoken_numbers(between):
        return None
    if not ctx.punctuated or ctx.in_question(cued, asked.word):
        return asked  # (speech recognition's text has no sentence to tell a question by)
    # A request in the asking sentence, after the cue ("Кажете ми и датата си на раждане, моля").
    first = max(said.word, ctx.sentence_start(cued, asked.word))
    requests = spelling_for(ctx.pack.language).requests
    return None if requests.isdisjoint(ctx.call.words[cued][first:asked.word + 1]) else asked


OUTRIGHT = 95.0  # a cue's score that says it outright, not a near miss


def _situation_start(ctx: CallContext, span: StageSpan) -> int:
    """Where an answering rule's situation may first arise: after the caller's first turn, even when the
    opening runs on past it ("Good morning, Acme, my name is Sophie, how—" / "Is Martin there?" /
    "I'm afraid Martin left the company"): the agent's answer to the request is no greeting. When the
    caller spoke first, the agent's first turn is the opening itself ("Okay, please confirm that your
    order is correct")."""
    if span.stage != "answering":
        return span.start_turn
    caller = ctx.role_turns(Role.CUSTOMER, range(span.start_turn))
    if not caller or not ctx.role_turns(Role.AGENT, range(caller[0])):
        return span.start_turn
    return min(span.start_turn, caller[0] + 1)


def _opening_cue(ctx: CallContext, cue: Cue, area: range) -> int | None:
    """The first turn before the situation's area that says the cue and reads out a figure (an amount, an
    order number): a call the agent placed, whose opening reads the record out to whoever answered ("la
    chiamo per la consegna del suo ordine 58213 ... con un saldo di duecentoquaranta euro"). Not an
    opening that only names the matter ("Okay, please confirm that your order is correct")."""
    turns = ctx.transcript.turns
    for t in range(area.start):
        if spoken_numbers(turns[t].text) and ctx.first_cue_turn(cue, [t]) is not None:
            return t
    return None


def _first_own_turn(ctx: CallContext, rd: RuleDef, area: range | None, before: int | None) -> int | None:
    """The first turn of the rule's role (before `before`) that asks one of the rule's own formulas:
    a question or a request ("Назовите код бронирования", "your date of birth, please"), not a passing
    mention ("have your policy number ready" before a transfer). In text without question marks
    (speech recognition) every turn may be a question."""
    asking = [t for t in ctx.role_turns(rd.rule.role, area) if (before is None or t < before) and ctx.asks(t)]
    # The first turn whose best match reaches the threshold; searched without building the matches.
    # A question the caller declined is no sign of a disclosure to come.
    saying = ctx.turns_saying(rd.rule.any_of or [], asking, threshold_of(ctx, rd))
    return next((t for t in saying if declining_reply(ctx, rd, t) is None), None)


class _Placeholders(string.Formatter):
    def get_value(self, key: Any, args: Any, kwargs: Mapping[str, Any]) -> Any:
        value = kwargs.get(key, "") if isinstance(key, str) else ""
        return "" if value is None else value


_FORMATTER = _Placeholders()


def _expected(rd: RuleDef, variables: Mapping[str, str | None]) -> str:
    rule = rd.rule
    formulas = rule.any_of or (rule.all_of[0].any_of if rule.all_of else [])
    # The first formula written as words: a regex shows the reader nothing to say.
    first = next((f for f in formulas if isinstance(f, str)), None)
    if first is None:
        return ""
    return _FORMATTER.format(first, **{k: v or f"<{k}>" for k, v in variables.items()}, **{"*": "…"})


def _finding(ctx: CallContext, rd: RuleDef, span: StageSpan | None, outcome: Outcome, occurrence: int) -> Finding:
    match = outcome.match
    turn_index = outcome.turn if outcome.turn is not None else (match.turn if match else None)
    turn = ctx.transcript.turns[turn_index] if turn_index is not None else None
    evidence = outcome.evidence if outcome.evidence is not None else (match.text if match else "")
    # Only a failed rule has a message to fill in (placeholders are formatted for nothing otherwise).
    message = ""
    if outcome.status is Status.NOT_APPLICABLE:
        message = str(outcome.values.get("reason", ""))
    elif outcome.status is not Status.PASS:
        values: dict[str, Any] = dict(ctx.variables)
        values.update(
            rule_id=rd.id, name=rd.name, stage=rd.stage,
            score="" if outcome.score is None else f"{outcome.score:.0f}",
            evidence=evidence, expected=_expected(rd, ctx.variables), suggest=rd.rule.suggest or "",
        )
        values.update(outcome.values)
        message = _FORMATTER.format(rd.rule.message, **values)
    return Finding(
        call_id=ctx.transcript.call_id,
        rule_id=rd.id,
        rule_name=rd.name,
        stage=rd.stage,
        check=rd.rule.check.value,
        severity=Severity(rd.rule.severity),
        weight=rd.rule.weight,
        status=outcome.status,
        score=outcome.score,
        message=message,
        evidence=evidence,
        turn=turn_index,
        speaker=turn.speaker if turn else "",
        start_s=turn.start_s if turn else None,
        rule_source=rd.source,
        occurrence=occurrence,
    )
