"""Segmentation: a call's turns in, stage spans out (greeting, transfer*, answering, difficult_client*,
closing) plus why the call ended.

Every cue comes from the pack's `segment:` blocks; this module only knows the shape of a call.
Holds use timestamps when there are any (a wait longer than the pack's threshold, announced or not)
and announcements otherwise; the closing is located from its cues, not from a fixed number of turns.
"""
from __future__ import annotations

from dataclasses import dataclass

from .checks.base import threshold_of
from .context import BROKEN_ENDS, CallContext, first_runs
from .models import Role, StageSpan
from .normalize import spelling_for
from .pack.schema import Anchor, Cue, Segment
from .timing import SECONDS_PER_WORD  # to estimate a turn's end when only its start is known

DEFAULT_GREETING_AGENT_TURNS = 3
# An agent who has said no more than this ("Hello?", "Алло?", "Pronto?"), echoed by the caller
# ("Hello? Can you hear me?"), is checking the line: the opening proper is still to come.
LINE_CHECK_WORDS = 2
# A caller's reply of at most this many words that says a salutation and at most two words besides
# ("Hello, yes, good morning") greets back: the opening goes on in the agent's next turn.
GREET_BACK_MAX_WORDS = 5
GREET_BACK_OTHER_WORDS = 2
# The caller's answer to an agent who called them ("Yes, speaking", "Sure, I've got a few minutes, I was
# waiting for your call") is at most this many words: a longer one states the matter.
CALL_OUT_ANSWER_MAX_WORDS = 12
DEFAULT_HOLD_THRESHOLD_S = 30.0
DEFAULT_CLOSING_GAP = 4
DEFAULT_DIFFICULT_TURNS = 8
ANNOUNCE_LOOKBACK = 3  # turns before a wait in which its announcement is looked for
# An agreed transfer and the hand-off that carries it out ("Would it be alright if I transferred you?"
# / "Yes" / "I'll add a note first" / "Fine" / "Transferring you now") are one episode this many
# turns apart; other announcements only a turn or two apart.
TRANSFER_MERGE_TURNS = 4
ANNOUNCE_MERGE_TURNS = 2


@dataclass(frozen=True)
class Segmentation:
    spans: tuple[StageSpan, ...]
    end_reason: str  # completed | cut_off | transferred | empty

    def of(self, stage: str) -> list[StageSpan]:
        return [s for s in self.spans if s.stage == stage]

    def found(self) -> list[str]:
        names = []
        for span in self.spans:
            if span.kind != "missing" and span.stage not in names:
                names.append(span.stage)
        return names


def segment(ctx: CallContext) -> Segmentation:
    n = ctx.n_turns
    if n == 0:
        return Segmentation((), "empty")
    greeting = _greeting(ctx)
    transfers = _transfers(ctx)
    briefings = _briefings(ctx, transfers)
    if briefings:
        ctx.set_aside(briefings)
    closing, end_reason = _closing(ctx, greeting, transfers, briefings)
    answer_start = greeting.end_turn + 1
    answer_end = (closing.start_turn - 1) if closing else n - 1
    spans: list[StageSpan] = [greeting]
    if answer_start <= answer_end:
        spans.append(_span(ctx, "answering", 1, answer_start, answer_end))
    spans.extend(transfers)
    spans.extend(_difficult(ctx, closing.start_turn if closing and closing.kind != "missing" else n))
    if closing:
        spans.append(closing)
    order = {"greeting": 0, "answering": 1, "transfer": 2, "difficult_client": 3, "closing": 4}
    spans.sort(key=lambda s: (s.start_turn, order[s.stage]))
    return Segmentation(tuple(spans), end_reason)


def _span(ctx: CallContext, stage: str, occurrence: int, first: int, last: int, **extra) -> StageSpan:
    turns = ctx.transcript.turns
    start_s = next((turns[t].start_s for t in range(first, last + 1) if turns[t].start_s is not None), None)
    end_s = next(
        (turns[t].end_s if turns[t].end_s is not None else turns[t].start_s
         for t in range(last, first - 1, -1) if turns[t].start_s is not None),
        None,
    )
    return StageSpan(stage, occurrence, first, last, start_s, end_s, **extra)


# --- greeting -------------------------------------------------------------------------------------


def _greeting(ctx: CallContext) -> StageSpan:
    seg = ctx.pack.segment("greeting")
    max_agent = (seg.max_agent_turns if seg and seg.max_agent_turns else None) or DEFAULT_GREETING_AGENT_TURNS
    turns = ctx.transcript.turns
    agent = ctx.role_turns(Role.AGENT)
    if not agent:
        return _span(ctx, "greeting", 1, 0, min(2, ctx.n_turns - 1), kind="missing")
    first_agent = agent[0]
    last = first_agent
    # The opening runs over the agent's first turns (consecutive segments, ASR's split at pauses,
    # count as one) and the caller's short replies ("hello?"), and ends where the caller starts
    # stating the request.
    # An opening the caller cut into ("..., Sophie speak—") goes on in the agent's next turn, where
    # the agent finishes it ("It is, yes. How can I help you?"); so does one the caller answered by asking
    # for another language ("Sorry, do you speak English?" / "Oh, I do apologise. Good morning, ...").
    opening = first_runs(agent, max_agent)
    resumed: int | None = None
    said: list[str] = []
    for t in range(first_agent, ctx.n_turns):
        turn = turns[t]
        if turn.role is Role.AGENT:
            if t > opening[-1] and t != resumed:
                break
            last = t
            said.extend(ctx.call.words[t])
            if t == resumed:
                break
        elif (len(ctx.call.words[t]) > 3 and not _line_check(said, ctx.call.words[t]) and not _only_greets(ctx, seg, t)
              and not _answers_call_out(ctx, seg, t) and not _answers_line_check(ctx, first_agent, t)):
            if resumed is None and t == last + 1 and (ctx.broken_off(last)
                                                      or _asks_for_language(ctx, seg, t)):
                resumed = next((a for a in agent if a > t), None)
                if resumed is not None:
                    continue
            break
    return _span(ctx, "greeting", 1, 0, last)


def _asks_for_language(ctx: CallContext, seg: Segment | None, t: int) -> bool:
    """The caller answers an opening in the wrong language by asking for theirs ("Scusi, parla
    italiano?"): the agent's next turn is the opening, said again."""
    return seg is not None and seg.language_cues is not None and ctx.first_cue_turn(seg.language_cues, [t]) is not None


def _only_greets(ctx: CallContext, seg: Segment | None, t: int) -> bool:
    """The caller only greets back ("alo, da, bună ziua") or only checks the line with a hello or two
    ("ало да добър ден чувате ли ме", "алло алло слышно меня"), so the agent's opening goes on in its
    next turn (speech recognition splits it over turns the caller answers). Greeting back is one of the
    stage's cues (`cues_from: [GR01]`, the salutations) and at most GREET_BACK_OTHER_WORDS different
    words besides; checking the line is one of the closing's `cutoff_cues` and at most
    GREET_BACK_OTHER_WORDS words besides it and the salutations."""
    words = ctx.call.words[t]
    if len(words) > max(GREET_BACK_MAX_WORDS, CALL_OUT_ANSWER_MAX_WORDS):
        return False
    greeted = _cue_words(ctx, seg.cues if seg is not None else None, t)  # "hello", "good morning"
    # A word said twice is one more word, not two ("алло да здравствуйте алло").
    others = {word for w, word in enumerate(words) if w not in greeted}
    if greeted and len(words) <= GREET_BACK_MAX_WORDS and len(others) <= GREET_BACK_OTHER_WORDS:
        return True
    closing = ctx.pack.segment("closing")
    if closing is None or closing.cutoff_cues is None:
        return False
    checked = _cue_words(ctx, closing.cutoff_cues, t)
    return bool(checked) and len(words) - len(checked | greeted) <= GREET_BACK_OTHER_WORDS


def _cue_words(ctx: CallContext, cue: Cue | None, t: int) -> set[int]:
    """The word positions of turn `t` that the cue's formulas cover there."""
    covered: set[int] = set()
    for match in (ctx.cue_matches(cue, t) if cue is not None else []):
        if match.turn == t == match.end_turn and match.end_word >= 0:
            covered.update(range(match.word, match.end_word + 1))
    return covered


def _answers_call_out(ctx: CallContext, seg: Segment | None, t: int) -> bool:
    """The caller answers what the agent asked first (`call_out_cues`: an agent who called them, "Am I
    speaking with Mr Lee?", "Is now a good time?", or one asking who calls, "May I take your name?")
    in a few words: the opening goes on in the agent's next turn."""
    if seg is None or seg.call_out_cues is None or len(ctx.call.words[t]) > CALL_OUT_ANSWER_MAX_WORDS:
        return False
    asked = []
    a = t - 1
    while a >= 0 and ctx.transcript.turns[a].role is Role.AGENT:
        asked.append(a)
        a -= 1
    if ctx.punctuated:
        # They are questions: in punctuated text, only a turn with a question mark can ask one.
        asked = [a for a in asked if "?" in ctx.transcript.turns[a].text]
    return bool(asked) and ctx.first_cue_turn(seg.call_out_cues, sorted(asked)) is not None


def _line_check(agent_said: list[str], reply: list[str]) -> bool:
    """The agent has only asked whether the line works and the caller's reply echoes it."""
    return 0 < len(agent_said) <= LINE_CHECK_WORDS and reply[0] == agent_said[0]


def _answers_line_check(ctx: CallContext, first_agent: int, t: int) -> bool:
    """Every agent turn before the caller's turn `t` only checked the line (one of the closing's
    `cutoff_cues`, or a word or two besides one: "Pronto? ... Pronto, mi sente?"), and the caller
    answers it in a few words ("Sì, sì, eccomi, avevo il telefono in muto"): the opening is still to
    come."""
    if len(ctx.call.words[t]) > CALL_OUT_ANSWER_MAX_WORDS:
        return False
    checks = ctx.pack.segment("closing")
    cutoff = checks.cutoff_cues if checks is not None else None
    if cutoff is None:
        return False
    asked = [a for a in range(first_agent, t) if ctx.transcript.turns[a].role is Role.AGENT]
    # A bare "Hello?" may be the whole opening: the line check must be said outright somewhere.
    checked = [a for a in asked
               if len(ctx.call.words[a]) > LINE_CHECK_WORDS and ctx.first_cue_turn(cutoff, [a]) is not None]
    return bool(checked) and all(a in checked or len(ctx.call.words[a]) <= LINE_CHECK_WORDS for a in asked)


# --- holds and transfers --------------------------------------------------------------------------


def _turn_end(ctx: CallContext, t: int) -> float | None:
    turn = ctx.transcript.turns[t]
    if turn.end_s is not None:
        return turn.end_s
    if turn.start_s is None:
        return None
    return turn.start_s + SECONDS_PER_WORD * max(1, len(ctx.call.words[t]))


def _transfers(ctx: CallContext) -> list[StageSpan]:
    seg = ctx.pack.segment("transfer")
    if seg is None:
        return []
    threshold = seg.hold_threshold_s or DEFAULT_HOLD_THRESHOLD_S
    turns = ctx.transcript.turns
    hold_cues = set(ctx.affirmed_cue_turns(seg.hold_cues))
    transfer_cues = set(ctx.affirmed_cue_turns(seg.transfer_cues))
    announced = hold_cues | transfer_cues
    # "One moment" / "let me check" before a long silence also announce it (with timestamps only).
    waits = set(ctx.cue_turns(seg.wait_cues)) if ctx.transcript.has_timestamps else set()
    episodes: list[dict] = []
    used_triggers: set[int] = set()

    if ctx.transcript.has_timestamps:
        skip_to = 0
        waited = announced | waits
        for k in range(ctx.n_turns - 1):
            if k < skip_to:
                continue
            resumed = k + 1
            # The caller's "Fine." to the announcement starts the same wait.
            if k in waited or (k > 0 and k - 1 in waited and turns[k].role is Role.CUSTOMER
                               and turns[k - 1].role is Role.AGENT):
                # "Un moment, vă rog." / "Alo? Mai sunteți acolo?" / (the agent back): the caller checking
                # the line into the silence does not end the wait, the agent's return does.
                while True:
                    checked = resumed
                    while (resumed < ctx.n_turns - 1 and turns[resumed].role is Role.CUSTOMER
                           and ctx.line_trouble(resumed)):
                        resumed += 1
                    # "Ало? Там ли сте?" / "Да, тук съм, още малко." / (silence): the agent answering the
                    # line check with another wait is still on hold.
                    if (checked < resumed < ctx.n_turns - 1 and turns[resumed].role is Role.AGENT
                            and resumed in waited and len(ctx.call.words[resumed]) <= STILL_HERE_WORDS):
                        resumed += 1
                        continue
                    break
                if turns[resumed].role is not Role.AGENT:
                    resumed = k + 1
                skip_to = resumed
            end_k, start_next = _turn_end(ctx, k), turns[resumed].start_s
            if end_k is None or start_next is None:
                continue
            gap = start_next - end_k
            if gap < threshold:
                continue
            agent_before = [t for t in range(max(0, k - ANNOUNCE_LOOKBACK), k + 1) if turns[t].role is Role.AGENT]
            if not agent_before:
                continue
            trigger = agent_before[-1]
            # The caller's own silence is not a hold: the agent must be the one coming back, or
            # have announced the wait just before it.
            if turns[resumed].role is not Role.AGENT and not (waited & set(agent_before)):
                continue
            if turns[resumed].role is Role.CUSTOMER and _caller_stepped_away(ctx, seg, trigger):
                continue
            # Not an announcement an earlier hold already used ("stay on the line" / 45 s / "thanks for
            # your patience" / "let me ask a colleague" / 78 s): this hold was announced, if at all, after it.
            cue_turns = sorted(waited & set(range(max(0, trigger - ANNOUNCE_LOOKBACK), trigger + 1))
                               - used_triggers)
            kind = "transfer" if transfer_cues & set(cue_turns) else "hold"
            # A hold's question asked for an earlier one does not ask for it; a transfer announced on the
            # return from the hold it was asked with ("Mi permette di rimetterla in attesa, così vedo se la
            # responsabile è libera?" / "È libera, gliela passo tra un attimo") was asked for.
            start = _asked_before(ctx, cue_turns[0] if cue_turns else trigger,
                                  used_triggers if kind == "hold" else set())
            ret = next((t for t in range(resumed, ctx.n_turns) if turns[t].role is Role.AGENT), None)
            if ret is not None and _back_to_nobody(ctx, ret):
                ret = None
            episodes.append(dict(start=start, opened=cue_turns[0] if cue_turns else trigger, trigger=trigger,
                                 ret=ret, kind=kind, hold_s=round(gap, 1)))
            used_triggers.update(range(start, trigger + 1))

    # Announcements open episodes too: always for transfers, and for holds when there are no
    # timestamps to measure the wait (with timestamps a short announced wait is not a hold).
    # A thanks for waiting is the return, though its words echo the announcement ("thank you for
    # staying on the line" / "stay on the line"): it opens nothing.
    announcing = transfer_cues | (hold_cues if not ctx.transcript.has_timestamps else set())
    returns = _turns_saying_transfer_rules(ctx, announcing, Anchor.RETURN) if announcing else set()
    # Unless it hands the call on as well ("Grazie per l'attesa ... Le passo il mio collega, va bene se
    # la trasferisco?"): the return from a hold announces a transfer. The return from a transfer that
    # says it again ("Разрешите, я вас переведу?" / "Перевожу, оставайтесь на линии" / "Спасибо, что
    # дождались ... я перевела вас не в тот отдел") tells where the caller went, it announces nothing.
    agent = ctx.role_turns(Role.AGENT)
    previous = {t: agent[i - 1] for i, t in enumerate(agent) if i}
    handing_on = {t for t in returns & transfer_cues
                  if not ((before := previous.get(t)) in announcing
                          and (before in transfer_cues or previous.get(before) in transfer_cues))}
    openers = sorted(announcing - (returns - handing_on))
    t_idx = 0
    while t_idx < len(openers):
        start = openers[t_idx]
        if start in used_triggers:
            t_idx += 1
            continue
        trigger = start
        # Announcements a turn or two apart ("may I put you on hold?" / "sure" / "please hold") are one.
        while t_idx + 1 < len(openers) and openers[t_idx + 1] not in used_triggers:
            both_transfers = trigger in transfer_cues and openers[t_idx + 1] in transfer_cues
            if openers[t_idx + 1] - trigger > (TRANSFER_MERGE_TURNS if both_transfers else ANNOUNCE_MERGE_TURNS):
                break
            t_idx += 1
            trigger = openers[t_idx]
        t_idx += 1
        used_triggers.update(range(start, trigger + 1))
        if start == trigger and ctx.answered_no(trigger):
            continue
        opened = start  # the first announcement, before the permission question asked just before it
        announced_transfer = bool(transfer_cues & set(range(start, trigger + 1)))
        start = _asked_before(ctx, start,
                              set() if announced_transfer else used_triggers - set(range(start, trigger + 1)))
        kind = "transfer" if transfer_cues & set(range(start, trigger + 1)) else "hold"
        ret = next((t for t in range(trigger + 1, ctx.n_turns) if turns[t].role is Role.AGENT), None)
        if kind == "transfer" and (_ends_call(ctx, trigger) or _colleague_answers(ctx, trigger, ret)):
            ret = None  # "Cu plăcere, vă preia dânsa imediat" after the hand-off is no return from a hold
        episodes.append(dict(start=start, opened=opened, trigger=trigger, ret=ret, kind=kind, hold_s=None))

    # "May I put you on hold while I transfer you?" / "Thanks for waiting, they're all busy": that
    # attempt kept the caller waiting and stays; a bare announcement found impossible opened nothing.
    episodes = [ep for ep in episodes
                if hold_cues & set(range(ep["start"], ep["trigger"] + 1)) or not _cancelled(ctx, seg, ep)]
    episodes.sort(key=lambda e: e["start"])
    episodes = _offers_carried_out(ctx, episodes)
    episodes = [ep for ep in episodes if not _offer_not_taken(ctx, seg, ep)]
    for ep in episodes:
        if ep["kind"] == "transfer":
            ep["requested"] = _requested(ctx, seg, ep["start"], ep["trigger"])
    unannounced = _unannounced_handoff(ctx, seg, episodes)
    if unannounced is not None:
        episodes.append(unannounced)
    spans = []
    for i, ep in enumerate(episodes, start=1):
        end = ep["ret"] if ep["ret"] is not None else ctx.n_turns - 1
        spans.append(
            _span(ctx, "transfer", i, ep["start"], max(end, ep["trigger"]), kind=ep["kind"],
                  trigger_turn=ep["trigger"], return_turn=ep["ret"], hold_s=ep["hold_s"],
                  requested_turn=ep.get("requested"))
        )
    return spans


def _back_to_nobody(ctx: CallContext, ret: int) -> bool:
    """Whether the agent came back from a hold to a line the caller had left: the caller never speaks
    again and the agent calls into the silence ("Олег, станция перезагрузилась ... Алло? Олег?" / "Алло,
    вы меня слышите? ...Похоже, звонок прервался."). Nobody was there to be thanked for waiting."""
    turns = ctx.transcript.turns
    after = range(ret, ctx.n_turns)
    return (all(turns[t].role is not Role.CUSTOMER for t in after)
            and any(turns[t].role is Role.AGENT and ctx.line_trouble(t) for t in after))


def _caller_stepped_away(ctx: CallContext, seg: Segment, trigger: int) -> bool:
    """Whether the caller asked for the time just before the agent's turn and came back first ("Mi dà un
    attimo che vado al computer?" / "Certo, resto in linea" / 68 s / "Eccomi"): the caller's own wait,
    however the agent's "I'll stay on the line" reads as a hold announcement."""
    asking = range(max(0, trigger - 1), trigger)
    return next(ctx.iter_cue_turns(seg.wait_cues, asking, role=Role.CUSTOMER), None) is not None


REQUEST_REACH = 2  # turns before a transfer's first announcement in which the caller's request for it is looked for


def _requested(ctx: CallContext, seg: Segment, start: int, trigger: int) -> int | None:
    """The caller's turn asking to be put through ("Can you just put me straight through to him?" /
    "Of course, I'm transferring you now"), just before the transfer's first announcement or within it.
    Not a demand made in anger ("Put me through to a manager or I'm switching supplier!", a turn that
    says one of the difficult-client stage's `start_cues`): escalating still calls for the question."""
    if seg.request_cues is None:
        return None
    asking = ctx.role_turns(Role.CUSTOMER, range(max(0, start - REQUEST_REACH), trigger))
    upset = ctx.pack.segment("difficult_client")
    quiet = (upset.max_turns or DEFAULT_DIFFICULT_TURNS) if upset is not None else 0
    for t in ctx.iter_cue_turns(seg.request_cues, asking) if asking else ():
        if upset is None or ctx.first_cue_turn(upset.start_cues, range(max(0, t - quiet), t + 1)) is None:
            return t
    return None


def _unannounced_handoff(ctx: CallContext, seg: Segment, episodes: list[dict]) -> dict | None:
    """A transfer announced by nothing but a bare wait: the agent's last words are "One moment."
    ("Един момент.", "Attenda.") and the caller, left on the line, hears music or ringing or asks where
    they are being put ("Alo? Ce muzică e asta? M-ați mutat undeva?"), or had just asked to be put
    through ("mi passi un responsabile"), or a third party takes the call over ("Supervisor: Hello, Mr
    Okafor? This is Dana, the duty supervisor"). The agent handed the call on without asking or saying
    where."""
    agent = ctx.role_turns(Role.AGENT)
    if seg.wait_cues is None or not agent:
        return None
    last = agent[-1]
    if (len(ctx.call.words[last]) > SIGN_OFF_WORDS or any(ep["trigger"] >= last for ep in episodes)
            or ctx.first_cue_turn(seg.wait_cues, [last]) is None):
        return None
    left = range(last + 1, ctx.n_turns)
    # A third party (a supervisor, a colleague) who speaks after it has taken the call over.
    taken_over = any(ctx.transcript.turns[t].role is Role.OTHER for t in left)
    asked = ctx.role_turns(Role.CUSTOMER, range(max(0, last - REQUEST_REACH), last))
    if not (taken_over
            or (seg.left_waiting_cues is not None and left and ctx.first_cue_turn(seg.left_waiting_cues, left) is not None)
            or (seg.request_cues is not None and asked and ctx.first_cue_turn(seg.request_cues, asked) is not None)):
        return None
    return dict(start=last, opened=last, trigger=last, ret=None, kind="transfer", hold_s=None)


STILL_HERE_WORDS = 8  # an agent's answer to a line check that only says the wait goes on ("Yes, still here, one more minute")
CANCEL_REACH = 2  # agent turns after a transfer's announcement in which it may turn out impossible
# Turns between a transfer the agent offered as a question and the hand-off that carries it out
# ("Shall I put you through to accounts?" / "Yes please" / the agent takes a name first / "I've put
# you through to accounts").
OFFER_REACH = 10


def _offers_carried_out(ctx: CallContext, episodes: list[dict]) -> list[dict]:
    """A transfer offered as a question and a later transfer announcement within OFFER_REACH turns
    are one transfer, opened by the offer: nothing happened at the offer, so the caller had nothing
    to wait through or be thanked for, and the question asked there is the permission. The offer is
    one announcement, though a permission question may come before it ("Could I pop you on hold?" /
    "I'd rather not, just put me through" / "I'll put you through to claims, is that all right?")."""
    kept: list[dict] = []
    asking: set[int] | None = None
    for ep in episodes:
        offer = kept[-1] if kept else None
        if (offer is not None and offer["kind"] == ep["kind"] == "transfer" and offer["hold_s"] is None
                and ep["hold_s"] is None and offer["opened"] == offer["trigger"]
                and 0 < ep["start"] - offer["trigger"] <= OFFER_REACH):
            if asking is None:
                asking = _turns_saying_transfer_rules(ctx, {e["trigger"] for e in episodes}, Anchor.STAGE_START,
                                                      Anchor.TRIGGER)
            if offer["trigger"] in asking:
                kept[-1] = dict(ep, start=offer["start"])
                continue
        kept.append(ep)
    return kept


def _offer_not_taken(ctx: CallContext, seg: Segment, episode: dict) -> bool:
    """A transfer offered as a question that the agent simply carries on from after the caller's answer
    ("I can put you through to my supervisor, or I can have a look now?" / "Fine, you have a look" /
    "What's the booking reference?"): the caller took the other way and nobody was transferred. Not
    where the agent's next words hand the call on, brief a colleague, announce a wait or thank the caller
    for one."""
    if episode["kind"] != "transfer" or episode["hold_s"] is not None or episode["ret"] is None:
        return False
    turns = ctx.transcript.turns
    trigger, ret = episode["trigger"], episode["ret"]
    if ret != trigger + 2 or turns[trigger + 1].role is not Role.CUSTOMER:
        return False
    if seg.hold_cues is not None and ctx.first_cue_turn(seg.hold_cues, range(episode["start"], trigger + 1)) is not None:
        return False  # a hold asked for with it: the caller waited
    asked = "?" in turns[trigger].text or bool(_turns_saying_transfer_rules(ctx, {trigger}, Anchor.STAGE_START,
                                                                            Anchor.TRIGGER))
    if not asked:
        return False
    if any(cue is not None and ctx.first_cue_turn(cue, [ret]) is not None for cue in (seg.hold_cues, seg.wait_cues)):
        return False
    # The transfer made a few turns on ("... I'll leave a note for them. Connecting you now"), or a warm
    # one: the agent goes on to brief the colleague or leave the caller with them.
    soon, later = range(ret, min(ctx.n_turns, trigger + 1 + OFFER_REACH)), range(ret, ctx.n_turns)
    if seg.transfer_cues is not None and ctx.first_cue_turn(seg.transfer_cues, soon) is not None:
        return False
    if any(cue is not None and ctx.first_cue_turn(cue, later) is not None
           for cue in (seg.briefing_cues, seg.handoff_cues)):
        return False
    return not _turns_saying_transfer_rules(ctx, {ret}, Anchor.RETURN)


def _cancelled(ctx: CallContext, seg: Segment, episode: dict) -> bool:
    """A transfer the agent found impossible right after announcing it ("they're all in a meeting, can I
    take a message?"): no transfer was made. One with a measured wait stays as it is."""
    if episode["kind"] != "transfer" or episode["hold_s"] is not None or not seg.cancelled_by:
        return False
    trigger = episode["trigger"]
    after = ctx.role_turns(Role.AGENT, range(trigger + 1, ctx.n_turns))[:CANCEL_REACH]
    if not after:
        return False
    for rule_id in seg.cancelled_by:
        cue = ctx.pack.rule(rule_id).rule.when
        if cue is not None and ctx.first_cue_turn(cue, range(after[0], after[-1] + 1)) is not None:
            return True
    return False


def _asked_before(ctx: CallContext, start: int, used: set[int]) -> int:
    """The episode's start, moved back to the agent's question asking the caller's permission just
    before it ("Would you mind if I check that?" / "Sure, go ahead." / "Thanks, please stay on the line"):
    an agent turn within ANNOUNCE_LOOKBACK turns that a permission rule takes, with the caller's answer
    between. Not one an earlier episode already used ("Posso metterla in attesa?" / "Sì" / 41 s / "Non
    risponde ancora. Resti in linea." / 75 s: the second hold was not asked for)."""
    turns = ctx.transcript.turns
    earlier = {t for t in range(max(0, start - ANNOUNCE_LOOKBACK), start) if turns[t].role is Role.AGENT
               and t not in used and any(turns[u].role is Role.CUSTOMER for u in range(t + 1, start))}
    if not earlier:
        return start
    asking = _turns_saying_transfer_rules(ctx, earlier, Anchor.STAGE_START, Anchor.TRIGGER)
    return min(asking) if asking else start


def _turns_saying_transfer_rules(ctx: CallContext, turns: set[int], start: Anchor,
                                 end: Anchor | None = None) -> set[int]:
    """Those of `turns` that say what a transfer-stage rule with the window `start`..`end` expects:
    from the return, the thanks for waiting; from the stage's start to the announcement, the
    question asking the caller's permission."""
    found: set[int] = set()
    for rd in ctx.pack.rules:
        rule = rd.rule
        if (rd.stage == "transfer" and rule.any_of and rule.window and rule.window.from_ is start
                and (end is None or rule.window.to is end)):
            found.update(ctx.turns_saying(rule.any_of, ctx.role_turns(rule.role, sorted(turns)), threshold_of(ctx, rd)))
    return found


# --- difficult client -----------------------------------------------------------------------------


# An upset that flares up again this many turns after the quiet turns ran out is the same episode
# (the agent's "that's not my problem" between the two outbursts was said to an upset caller).
UPSET_RESUME_TURNS = 2
# An agent's "please calm down" answers the caller's turn at most this many turns before it.
UPSET_ANSWER_REACH = 2


def _upset_before(ctx: CallContext, agent_turn: int) -> int:
    """The caller's turn that an agent's word to an upset caller answers: the last one within
    UPSET_ANSWER_REACH turns before it (the agent's own turn if there is none)."""
    for t in range(agent_turn - 1, max(-1, agent_turn - 1 - UPSET_ANSWER_REACH), -1):
        if ctx.transcript.turns[t].role is Role.CUSTOMER:
            return t
    return agent_turn


def _difficult(ctx: CallContext, stop_turn: int) -> list[StageSpan]:
    seg = ctx.pack.segment("difficult_client")
    if seg is None or seg.start_cues is None:
        return []
    max_turns = seg.max_turns or DEFAULT_DIFFICULT_TURNS
    starts = [t for t in ctx.cue_turns(seg.start_cues) if t < stop_turn]
    if seg.agent_start_cues is not None:
        starts = sorted({*starts, *(_upset_before(ctx, t) for t in ctx.cue_turns(seg.agent_start_cues,
                                                                                  range(stop_turn)))})
    calm = set(ctx.cue_turns(seg.calm_cues)) if starts else set()
    starts_set = set(starts)
    spans: list[StageSpan] = []
    i = 0
    while i < len(starts):
        start = last_cue = starts[i]
        end = min(stop_turn - 1, ctx.n_turns - 1)
        t = start + 1
        while t <= end:
            if t in calm and ctx.transcript.turns[t].role is not Role.AGENT:
                end = t
                break
            if t in starts_set:
                last_cue = t
            if t - last_cue >= max_turns and not starts_set.intersection(range(t + 1, t + 1 + UPSET_RESUME_TURNS)):
                end = t
                break
            t += 1
        while i < len(starts) and starts[i] <= end:
            i += 1
        spans.append(_span(ctx, "difficult_client", len(spans) + 1, start, max(start, end),
                           kind="upset", trigger_turn=start))
    return spans


# --- closing and end of call ----------------------------------------------------------------------


def _closing(ctx: CallContext, greeting: StageSpan, transfers: list[StageSpan],
             briefings: list[int]) -> tuple[StageSpan | None, str]:
    n = ctx.n_turns
    seg = ctx.pack.segment("closing")
    gap = (seg.max_gap_turns if seg and seg.max_gap_turns is not None else None) or DEFAULT_CLOSING_GAP
    # A call of a turn or two (a wrong number, a rule example) has its closing inside the opening.
    after_greeting = range(min(greeting.end_turn + 1, n - 1), n)
    # Cue turns from the last one back, as long as they stay within the gap of each other.
    cues = ctx.iter_cue_turns(seg.cues if seg else None, after_greeting, reverse=True)
    last = next(cues, None)
    last_transfer = transfers[-1] if transfers else None
    if _left_with_colleague(ctx, bool(transfers)):
        return None, "transferred"
    agent = ctx.role_turns(Role.AGENT)
    if (last_transfer is not None and last_transfer.kind == "hold" and last_transfer.hold_s is not None
            and last_transfer.return_turn is None and last_transfer.trigger_turn is not None and agent
            and agent[-1] <= last_transfer.trigger_turn):
        # "I'm going to put you on hold now" / 85 s / "Hello? ... Is anyone there? I'll try ringing back":
        # the agent never came back, the caller hung up on the hold.
        return None, "cut_off"
    if briefings and last_transfer is not None and briefings[-1] > last_transfer.start_turn and all(
            len(ctx.call.words[t]) <= PARTING_WORDS and "?" not in ctx.transcript.turns[t].text
            for t in agent if t > briefings[-1]):
        # "Hi Mark, it's Priya ... Claire, I've got Mark on the line for you" / "Thanks so much" / "Bye
        # now.": the agent briefed the colleague last and only said a parting word after, the call went on.
        return None, "transferred"
    if (last_transfer is not None and last_transfer.kind == "transfer" and last_transfer.return_turn is None
            and agent and last_transfer.trigger_turn == agent[-1]):
        # The agent's last words hand the call on ("Transferring you now." / "Thanks, bye"): nobody closed it.
        return None, "transferred"
    if (last_transfer is not None and last_transfer.kind == "transfer" and last_transfer.return_turn is None
            and len(agent) >= 2 and last_transfer.trigger_turn == agent[-2]
            and len(ctx.call.words[agent[-1]]) <= PARTING_WORDS and "?" not in ctx.transcript.turns[agent[-1]].text):
        # "Vă fac legătura acum." / "Perfect, mersi." / "Cu plăcere, o zi bună.": a parting word after the
        # hand-off closes nothing, the call went on to the colleague.
        return None, "transferred"
    if (last is not None and last_transfer is not None and last_transfer.kind == "transfer"
            and _closes_before(ctx, seg, after_greeting, last, last_transfer.trigger_turn or last_transfer.start_turn)
            and _hands_off(ctx, last_transfer)):
        # Closing words came before a transfer that ends the call ("... any more questions?" / "I'll
        # connect you with the lab"), or with it ("Соединяю с отделом. Хорошего дня!"): the agent
        # handed the call on, it did not close it.
        return None, "transferred"
    if _walked_out(ctx, seg, range(max(after_greeting.start, n - 1 - gap), n)):
        return None, "cut_off"
    if last is not None and last < n - 1 and _caller_broken_off(ctx):
        # "Anything else?" / "No, that's it, I just hope it—": the line dropped mid-word, before the
        # agent could close the call.
        return None, "cut_off"
    if last is not None and seg is not None and seg.cutoff_cues:
        # "Anything else?" / "Yes, one more thing..." / "Hello? Can you hear me?": the line dropped after
        # the closing began, so it never finished.
        dropped = ctx.cue_turns(seg.cutoff_cues, range(max(last + 1, n - 2), n))
        if dropped and not _signed_off(ctx, last, dropped[0]):
            return None, "cut_off"
    if last is not None and n - 1 - last <= gap:
        start = last
        for t in cues:
            if start - t <= gap:
                start = t
            else:
                break
        return _span(ctx, "closing", 1, start, n - 1), "completed"
    if last_transfer and last_transfer.kind == "transfer" and _hands_off(ctx, last_transfer):
        return None, "transferred"
    if _cut_off(ctx, seg):
        return None, "cut_off"
    # No closing at all: the rules still apply to the last turns, where a closing should have been.
    start = max(greeting.end_turn + 1 if greeting.end_turn + 1 < n else n - 1, n - 3)
    return _span(ctx, "closing", 1, start, n - 1, kind="missing"), "completed"


PARTING_WORDS = 6  # the agent's last turn after a hand-off, if no longer: "You're welcome, have a lovely day."
SIGN_OFF_WORDS = 5  # a caller's parting reply is short: "Sì sì, grazie, salve!", "No, that's all, thanks."


def _signed_off(ctx: CallContext, last_cue: int, dropped: int) -> bool:
    """Just before the agent's call into the line, the caller answered the closing in a few words that
    ask nothing and are not left unfinished ("Grazie, salve!" / "...Pronto? Signora?"): the caller hung
    up on a finished call. "Yes, one more thing..." before it is a line that dropped."""
    turns = ctx.transcript.turns
    reply = dropped - 1
    # The reply is the last closing cue itself ("Thanks, bye!"), or answers the agent's, just before it.
    if turns[reply].role is not Role.CUSTOMER or not (
            reply == last_cue or (reply == last_cue + 1 and turns[last_cue].role is Role.AGENT)):
        return False
    text = turns[reply].text.rstrip()
    return (0 < len(ctx.call.words[reply]) <= SIGN_OFF_WORDS and text.endswith(_TERMINAL)
            and not text.endswith(("?", *_UNFINISHED)))


def _colleague_answers(ctx: CallContext, trigger: int, ret: int | None) -> bool:
    """A third party (a colleague, labelled neither agent nor customer) speaks between the transfer and
    the turn after the agent's next one ("Yes please" / "You'll hear a ring while I bring them in" /
    "Billing, Mark speaking"), or the agent briefs one within the next few turns ("Stay on the line, I'll
    call them" / "Hi Aisha, I've got Mr Reid on the line"): the agent is introducing the caller on a
    warm transfer, not back from a hold."""
    turns = ctx.transcript.turns
    end = min(ctx.n_turns, ret + 2) if ret is not None else ctx.n_turns
    if any(turns[t].role is Role.OTHER for t in range(trigger + 1, end)):
        return True
    # The briefing may start in the announcing turn itself ("Stay on the line, I'll add her... Raluca,
    # hi, I've got Mr Enache on the line").
    soon = range(trigger, min(ctx.n_turns, trigger + 1 + OFFER_REACH))
    return next(ctx.iter_cue_turns(_briefing_cues(ctx), soon), None) is not None


def _briefing_cues(ctx: CallContext) -> Cue | None:
    seg = ctx.pack.segment("transfer")
    return seg.briefing_cues if seg is not None else None


def _briefings(ctx: CallContext, transfers: list[StageSpan]) -> list[int]:
    """The agent's turns that brief a colleague on a warm transfer, after the transfer's announcement."""
    cue = _briefing_cues(ctx)
    return [t for span in transfers if span.kind == "transfer" and span.trigger_turn is not None
            for t in ctx.iter_cue_turns(cue, range(span.trigger_turn + 1, span.end_turn + 1))]


def _left_with_colleague(ctx: CallContext, transferring: bool) -> bool:
    """The agent's last turn leaves the caller with a colleague (the transfer stage's `handoff_cues`:
    "I'll leave you with Mark now, take care"): a warm transfer handed the call on, nobody closed it.
    Only in a call with a transfer, or with a third party on the line (labelled neither agent nor
    customer), so that a farewell in the same words ("Vă las cu bine") still closes a call."""
    seg = ctx.pack.segment("transfer")
    agent = ctx.role_turns(Role.AGENT)
    if seg is None or seg.handoff_cues is None or not agent:
        return False
    if not transferring and not any(turn.role is Role.OTHER for turn in ctx.transcript.turns[agent[0]:]):
        return False
    # "La lascio con lui." / "Grazie mille." / "Si figuri, buona giornata.": a courtesy after the hand-off
    # is still no closing.
    last_turns = agent[-1:] if len(agent) < 2 or len(ctx.call.words[agent[-1]]) > SIGN_OFF_WORDS else agent[-2:]
    return ctx.first_cue_turn(seg.handoff_cues, last_turns) is not None


def _closes_before(ctx: CallContext, seg: Segment | None, area: range, last: int, trigger: int) -> bool:
    """Whether the closing words come before the transfer's trigger, or the agent's last ones in the
    trigger turn itself (the caller's "Спасибо" after the hand-off closes nothing)."""
    if trigger > last:
        return True
    if ctx.transcript.turns[last].role is Role.AGENT:
        return trigger >= last
    # The caller said the last closing words. The turns after `last` hold no cue (it is the last), so
    # the agent's last cue is looked for only before it.
    agent_turns = ctx.role_turns(Role.AGENT, range(area.start, last))
    last_agent = next(ctx.iter_cue_turns(seg.cues if seg else None, agent_turns, reverse=True), None)
    return last_agent is not None and trigger >= last_agent


HANDOFF_TAIL_TURNS = 3  # "I'll put you through to claims" / "Okay" / "Putting you through now" / end


def _ends_call(ctx: CallContext, trigger: int) -> bool:
    """At most one more agent turn ("connecting you now") follows `trigger`, in the last few turns."""
    later_agent = [t for t in range(trigger + 1, ctx.n_turns) if ctx.transcript.turns[t].role is Role.AGENT]
    return len(later_agent) <= 1 and ctx.n_turns - 1 - trigger <= HANDOFF_TAIL_TURNS


def _hands_off(ctx: CallContext, transfer: StageSpan) -> bool:
    """The call ends with this transfer: the agent never came back, or only said one more thing
    (usually "connecting you now") in the last few turns of the call."""
    if transfer.return_turn is None:
        return True
    return _ends_call(ctx, transfer.trigger_turn if transfer.trigger_turn is not None else transfer.start_turn)


_TERMINAL = (".", "!", "?", "…", '"', "'", ")", "»")
# Endings of a turn cut off mid-word ("само дано се—"); with an ellipsis or a comma, of one left unfinished.
_BROKEN_OFF = ("-", "—", "–")
_UNFINISHED = (*BROKEN_ENDS, ",")


def _walked_out(ctx: CallContext, seg, tail: range) -> bool:
    """The caller ended the call on the agent: the agent said no closing words in the call's last turns,
    and either an agent turn among the last two was left unfinished ("If you'd like to make a..." /
    "Don't bother.") or the caller's last turn is upset ("I've had enough of you all, I'm hanging up").
    Nobody closed the call, so it is cut off, not a call whose closing the agent skipped."""
    n = ctx.n_turns
    turns = ctx.transcript.turns
    agent_tail = [t for t in tail if turns[t].role is Role.AGENT]
    if not agent_tail or (seg is not None and ctx.first_cue_turn(seg.cues, agent_tail) is not None):
        return False
    last_two = range(max(0, n - 2), n)
    if any(turns[t].role is Role.AGENT and turns[t].text.rstrip().endswith(_UNFINISHED) for t in last_two):
        return True
    upset = ctx.pack.segment("difficult_client")
    return (turns[-1].role is Role.CUSTOMER and upset is not None
            and ctx.first_cue_turn(upset.start_cues, [n - 1]) is not None)


def _caller_broken_off(ctx: CallContext) -> bool:
    """The call's last turn is the caller's, cut off mid-word or mid-sentence ("само дано се—")."""
    last = ctx.transcript.turns[-1]
    return last.role is Role.CUSTOMER and last.text.rstrip().endswith(_BROKEN_OFF)


def _cut_off(ctx: CallContext, seg) -> bool:
    """The call stops mid-conversation: a cut-off cue at the very end, or a last turn left unfinished."""
    n = ctx.n_turns
    last_two = range(max(0, n - 2), n)
    if seg is not None and seg.cutoff_cues and ctx.cue_turns(seg.cutoff_cues, last_two):
        return True
    last = ctx.transcript.turns[-1].text.rstrip()
    if last.endswith(_UNFINISHED):
        return True
    words = ctx.call.words[-1]
    if not words:
        return False
    punctuated = any(t.text.rstrip().endswith(_TERMINAL) for t in ctx.transcript.turns)
    # A last word like "the", "and", "is" ends no sentence; with punctuated text, a missing full stop
    # on the last turn says the same.
    if words[-1] in ctx.matcher.lm.stop_words and len(words) > 2:
        return not last.endswith(_TERMINAL)
    return punctuated and not last.endswith(_TERMINAL) and len(words) > 3
