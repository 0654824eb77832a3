"""Per-call working state shared by segmentation and checks: a Transcript and a compiled pack in,
turn selection (roles, windows) and formula search out.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .matching import CallText, Matcher
from .models import Match, Role, StageSpan, Transcript
from .normalize import AGREEING_PREFIXES, spelling_for
from .redact import may_say_number, spoken_numbers
from .pack.loader import Pack, RuleDef
from .pack.schema import Anchor, CheckType, Cue, RegexFormula, RuleRole, Window

Formula = str | RegexFormula

DECLINE_REPLIES = 2  # the caller's next turns in which an offer may be turned down (a cue's `declined_by`)

_CALL_ANCHORS = (Anchor.CALL_START, Anchor.CALL_END)
READ_BACK_DIGITS = 5  # a number this long said back is a read-back, not a coincidence
# A number said before the rule's window is a contact detail only if it is as long as a phone number: a
# booking reference the caller gave at the start, repeated in the message, is none.
PHONE_DIGITS = 7
CONSENT_REACH = 3  # words after an "if" within which the caller's wish is said
NEGATION_REACH = 3  # words before a cue in which a negation turns it around ("can't really put you through")
UNABLE_REACH = 6  # words of a reply within which saying one cannot turns down what was asked ("Oh, no, sorry, I can't")
_SENTENCE_END = re.compile(r"[.!?;…]")
# How words that break off begin and end: a failing line ("...вате... ало?", "Alo...", "cutting o—"),
# an answer not finished ("It was... it was St...").
BROKEN_STARTS = ("...", "…")
BROKEN_ENDS = ("...", "…", "—", "–", "-")
_SENTENCES = re.compile(r"[^.!?…]+")
_WORD = re.compile(r"\w+(?:['’]\w+)*")


def _negates(word: str, negations: frozenset[str] | set[str]) -> bool:
    """A no, said once or doubled with a hyphen ("нет-нет", "no-no", "не-не")."""
    return word in negations or ("-" in word and all(part in negations for part in word.split("-")))


def words_of(text: str) -> list[str]:
    """A text's words, lowercased, with the apostrophes inside them ("Don't bother" -> ["don't", "bother"])."""
    return [w.lower() for w in _WORD.findall(text)]


def _sentence_words(text: str) -> list[list[str]]:
    """Each sentence's words, lowercased ("No. Don't bother." -> [["no"], ["don't", "bother"]])."""
    return [words_of(sentence) for sentence in _SENTENCES.findall(text)]


_FULL_STOP = re.compile(r"(?<!\.)[.!](?![.\w])")  # a sentence's end, not an ellipsis ("...") nor "2.5"
_SLOT_FORMULAS: dict[tuple[int, str, bool], tuple[Sequence, tuple]] = {}


@dataclass
class CallContext:
    transcript: Transcript
    pack: Pack
    matcher: Matcher
    call: CallText
    variables: Mapping[str, str | None]
    # Filled by the engine as it goes: rule id -> (status, best match) for order checks.
    results: dict[str, tuple[Any, Match | None]] = field(default_factory=dict)
    stages: tuple[StageSpan, ...] = ()  # set once segmentation is done
    end_reason: str | None = None  # set once segmentation is done
    _role_members: dict[str, frozenset[int]] = field(default_factory=dict, repr=False)
    # (cue, area) -> the cue's first turn there: a rule's `when` may be asked again by another rule's.
    _first_cues: dict[tuple, int | None] = field(default_factory=dict, repr=False)
    _numbers: dict[int, list[tuple[str, int, int]]] = field(default_factory=dict, repr=False)

    @property
    def n_turns(self) -> int:
        return len(self.transcript.turns)

    def role_turns(self, role: RuleRole | Role | str, turns: Iterable[int] | None = None) -> list[int]:
        role_value = role.value if hasattr(role, "value") else str(role)
        members = self._role_members.get(role_value)
        if members is None:
            all_turns = self.transcript.turns
            if role_value == "any":
                members = frozenset(t for t in range(self.n_turns) if all_turns[t].role is not Role.OTHER)
            else:
                members = frozenset(t for t in range(self.n_turns) if all_turns[t].role.value == role_value)
            self._role_members[role_value] = members
        indexes = range(self.n_turns) if turns is None else turns
        return [t for t in indexes if t in members]

    def set_aside(self, turns: Iterable[int]) -> None:
        """Take these turns out of every role's turns: the agent spoke them to someone else (a colleague
        on a warm transfer), so no rule judges them and no cue is looked for in them."""
        aside = frozenset(turns)
        for role_value in ("agent", "customer", "any"):
            self._role_members[role_value] = frozenset(
                t for t in self.role_turns(role_value) if t not in aside)
        self._first_cues.clear()

    # --- formulas -----------------------------------------------------------------------------

    def best(self, formulas: Sequence[Formula], turns: Sequence[int]) -> Match | None:
        """The best match of any of `formulas` within `turns` (the first formula on a tie).

        Names are said shorter than the call's metadata writes them: formulas with the agent's name or
        the company's are tried with each short form too (see slot_variants)."""
        best = self.matcher.best_of(self.matcher.compile_list(formulas, self.variables), self.call, turns)
        for slot, values, framed in self._slot_variants:
            if best is not None and best.score >= 100.0:
                break
            with_slot = _formulas_with(formulas, slot, framed)
            for value in values if with_slot else ():
                variables = {**self.variables, slot: value}
                alt = self.matcher.best_of(self.matcher.compile_list(with_slot, variables), self.call, turns)
                if alt and (best is None or alt.score > best.score):
                    best = alt
        return best

    @functools.cached_property
    def _slot_variants(self) -> list[tuple[str, list[str], bool]]:
        """(slot, short forms, only in formulas with words of their own): a nickname ("Bev" for
        Beverley) is tried only in a frame ("Bev speaking"), never alone ("car" is no Caroline)."""
        found = [(slot, forms, False) for slot in ("agent_name", "company")
                 if (forms := slot_variants(slot, self.variables.get(slot) or ""))]
        nicknames = nickname_forms(self.variables.get("agent_name") or "")
        if nicknames:
            found.append(("agent_name", nicknames, True))
        return found

    def matching_turns(self, formulas: Sequence[Formula], turns: Sequence[int], threshold: float) -> list[tuple[int, Match]]:
        """Every turn (alone) in which one of `formulas` scores at least `threshold`."""
        return self.matcher.matching_turns(self.matcher.compile_list(formulas, self.variables), self.call, turns, threshold)

    def max_turn_score(self, formulas: Sequence[Formula], turns: Sequence[int]) -> float | None:
        """The highest score any single turn of `turns` gives one of `formulas` (None: no match)."""
        return self.matcher.max_turn_score(self.matcher.compile_list(formulas, self.variables), self.call, turns)

    def turns_saying(self, formulas: Sequence[Formula], turns: Sequence[int], threshold: float) -> Iterator[int]:
        """The turns (alone, in order) in which one of `formulas` scores at least `threshold`:
        matching_turns() without building the matches, one turn at a time, so that matching stops
        when the caller does."""
        return self.matcher.iter_reaching_turns(self.matcher.compile_list(formulas, self.variables), self.call,
                                                turns, threshold)

    def _cue_search(self, cue: Cue) -> tuple[tuple, float]:
        """A cue's formulas compiled with this call's values, and its threshold."""
        return self.matcher.compile_list(cue.any_of, self.variables), self._cue_threshold(cue)

    def _cue_threshold(self, cue: Cue) -> float:
        return cue.threshold if cue.threshold is not None else self.pack.manifest.defaults.cue_threshold

    def cue_match(self, cue: Cue, turn: int) -> Match | None:
        """Where in `turn` the cue is best said, if it reaches its threshold there."""
        compiled, threshold = self._cue_search(cue)
        return self.matcher.best_of(compiled, self.call, [turn], floor=threshold)

    def cue_matches(self, cue: Cue, turn: int) -> list[Match]:
        """Every formula of the cue said in `turn` (reaching the threshold), each where it is best said."""
        compiled, threshold = self._cue_search(cue)
        found = []
        for formula in self.matcher.candidate_formulas(compiled, self.call, turn, threshold):
            match = self.matcher.best(formula, self.call, [turn])
            if match is not None and match.score >= threshold:
                found.append(match)
        return found

    def cue_turns(self, cue: Cue | None, turns: Iterable[int] | None = None) -> list[int]:
        """The turns (of the cue's role) in which the cue is said."""
        return list(self.iter_cue_turns(cue, turns))

    def iter_cue_turns(self, cue: Cue | None, turns: Iterable[int] | None = None, *,
                       reverse: bool = False, role: RuleRole | Role | None = None) -> Iterator[int]:
        """cue_turns() one turn at a time (last first with `reverse`): matching stops when the caller does.
        `role` looks for the cue in another role's turns (an agent's wait cue said by the caller)."""
        if cue is None:
            return iter(())
        compiled, threshold = self._cue_search(cue)
        found = self.matcher.iter_reaching_turns(compiled, self.call, self.role_turns(role or cue.role, turns),
                                                 threshold, reverse=reverse)
        return self._unexcused(cue, found, threshold) if cue.exceptions else found

    def _unexcused(self, cue: Cue, found: Iterator[int], threshold: float) -> Iterator[int]:
        """The cue turns that say none of the cue's exceptions ("I'm not complaining, but could I
        speak to your supervisor?")."""
        excuses = self.matcher.compile_list(cue.exceptions, self.variables)
        for t in found:
            if next(self.matcher.iter_reaching_turns(excuses, self.call, [t], threshold), None) is None:
                yield t

    def first_cue_turn(self, cue: Cue | None, turns: Iterable[int] | None = None) -> int | None:
        if cue is not None and (turns is None or isinstance(turns, range)):
            key = (id(cue), turns)
            if key not in self._first_cues:
                self._first_cues[key] = next(self._cue_turns_of(cue, turns), None)
            return self._first_cues[key]
        return next(self._cue_turns_of(cue, turns), None)

    def _cue_turns_of(self, cue: Cue, turns: Iterable[int] | None) -> Iterator[int]:
        """The cue's turns as first_cue_turn() finds them: only affirmed ones for an `affirmed` cue, and
        none the caller turned down for a cue with `declined_by`."""
        found = self.iter_affirmed_cue_turns(cue, turns) if cue.affirmed else self.iter_cue_turns(cue, turns)
        return (t for t in found if not self._turned_down(cue, t)) if cue.declined_by else found

    def _turned_down(self, cue: Cue, offer: int) -> bool:
        """Whether one of the caller's next DECLINE_REPLIES turns declines the offer made in `offer`
        ("I could book an engineer" / "Nah, I won't bother"); for a cue the caller said, whether the
        agent's answer refuses it."""
        turns = self.transcript.turns
        if turns[offer].role is Role.CUSTOMER:
            # "Will someone come out tonight?" / "So it gets prioritised by the network team and it should"
            # (the line drops): the agent's answer never finished, nothing was arranged.
            if self.end_reason == "cut_off" and offer == self.n_turns - 2 and turns[offer + 1].role is Role.AGENT:
                return True
            return self.answered_no(offer)  # the caller's own request, refused by the agent
        replies = [t for t in range(offer + 1, self.n_turns) if turns[t].role is Role.CUSTOMER]
        if replies and all(self.line_trouble(t) for t in replies):
            # "Shall I call you back on this number?" / "Hello? ... Hello...": the line failed before the
            # caller could answer, so nothing was agreed.
            return True
        threshold = self._cue_threshold(cue)
        return any((m := self.best(cue.declined_by, [t])) is not None and m.score >= threshold
                   for t in replies[:DECLINE_REPLIES])

    def broken_off(self, t: int) -> bool:
        """Whether turn `t` ends broken off or trailing ("..., Sophie speak—", "Dar dacă nici joi...")."""
        return self.transcript.turns[t].text.rstrip().endswith(BROKEN_ENDS)

    def line_trouble(self, t: int) -> bool:
        """Whether turn `t` is speech across a failing or silent line: words that break off ("...вате...
        ало?", "You keep cutting o—") or a check whether the line still works ("Pronto? Pronto?",
        "Alo? Mai sunteți acolo?")."""
        text = self.transcript.turns[t].text.strip()
        if text.startswith(BROKEN_STARTS):
            return True
        # Broken off at the end, with no sentence finished before ("Da, e corectă. Dar dacă nici joi..."
        # answered before the line went).
        if self.broken_off(t) and not _FULL_STOP.search(text):
            return True
        closing = self.pack.segment("closing")
        return bool(closing and closing.cutoff_cues and self.first_cue_turn(closing.cutoff_cues, [t]) is not None)

    def answered_no(self, asked: int) -> bool:
        """Whether the other side's answer to turn `asked` opens with a no: an offered hold or transfer
        the caller turns down ("Нет, тогда пусть курьер везёт"), a request the agent refuses ("Can't you
        book me in now?" / "No, unfortunately only online"). Not where the question asked whether the
        other side minded ("Do you mind if I pop you on hold?" / "No, go ahead"), nor "No problem"."""
        turns = self.transcript.turns
        reply = asked + 1
        if reply >= self.n_turns or turns[reply].role in (Role.OTHER, turns[asked].role):
            return False
        spelling = spelling_for(self.pack.language)
        said = self.call.words[reply]
        opening = 0
        while opening < len(said) and said[opening] in spelling.interjections:
            opening += 1  # "Oh, no, I can't, sorry": the answer comes after the exclamation
        if opening + 1 < len(said) and said[opening] in spelling.no_leads and _negates(said[opening + 1], spelling.negations):
            opening += 1  # "Да нет, не надо": a no
        words = said[opening:opening + 3]
        if not spelling.objection_words.isdisjoint(self.call.words[asked]):
            # "Would you mind if I put you on hold?" / "Oh, no, I can't, I've got to pick the kids up".
            early = " " + " ".join(said[opening:opening + UNABLE_REACH]) + " "
            return any(f" {phrase} " in early for phrase in spelling.unable)
        if (words and (_negates(words[0], spelling.negations) or words[0] in spelling.refusals)
                and not any(w.startswith(AGREEING_PREFIXES) for w in words)):
            return True
        # "What's the point? They'll read the same script. No. Don't bother.": a sentence that is only a no.
        return any(sentence and all(_negates(w, spelling.negations) for w in sentence)
                   for sentence in _sentence_words(turns[reply].text))

    def affirmed_cue_turns(self, cue: Cue | None, turns: Iterable[int] | None = None) -> list[int]:
        return list(self.iter_affirmed_cue_turns(cue, turns))

    def iter_affirmed_cue_turns(self, cue: Cue | None, turns: Iterable[int] | None = None) -> Iterator[int]:
        """iter_cue_turns() without the turns where the cue comes right after a negation ("I'm afraid I
        can't put you through", "nu vă pot face legătura") or under a condition ("if it drops again,
        we'll send an engineer"): there it says the opposite, or plans nothing yet."""
        if cue is None:
            return
        compiled, threshold = self._cue_search(cue)
        spelling = spelling_for(self.pack.language)
        # Where the cue is said at all first (cheap), then where in those turns its best match lies.
        found = self.matcher.iter_reaching_turns(compiled, self.call, self.role_turns(cue.role, turns), threshold)
        for t in self._unexcused(cue, found, threshold) if cue.exceptions else found:
            match = self.matcher.best_of(compiled, self.call, [t], floor=threshold)
            if (match is not None and not self._negated(t, match.word, spelling.negations)
                    and not self._conditional(t, match.word, spelling.conditionals, spelling.consent_words)):
                yield t

    @functools.cached_property
    def punctuated(self) -> bool:
        """Whether the call's text marks its questions: speech recognition's often has no "?"."""
        return any("?" in u.text for u in self.transcript.turns)

    def asks(self, t: int) -> bool:
        """Whether turn `t` may ask something: it holds a question mark or a request word ("Назовите",
        "please confirm"); in text without question marks (speech recognition) every turn may."""
        return (not self.punctuated or "?" in self.transcript.turns[t].text
                or not spelling_for(self.pack.language).requests.isdisjoint(self.call.words[t]))

    def _char_start(self, t: int, word: int) -> int:
        """Where word `word` of turn `t` starts in the raw text (its end past the last word; -1 where
        the word's place is unknown)."""
        spans = self.call.span(t)
        return spans[word][0] if word < len(spans) else len(self.transcript.turns[t].text)

    def in_question(self, t: int, word: int) -> bool:
        """Whether the sentence of turn `t` that holds word `word` ends with a question mark."""
        start = self._char_start(t, word)
        end = _SENTENCE_END.search(self.transcript.turns[t].text, start) if start >= 0 else None
        return end is not None and end.group() == "?"

    def sentence_start(self, t: int, word: int) -> int:
        """The first word of the sentence of turn `t` that holds word `word`."""
        start = self._char_start(t, word)
        first = word
        while first > 0 and not self._sentence_ends_between(t, first - 1, start):
            first -= 1
        return first

    def _conditional(self, t: int, word: int, conditionals: frozenset[str], consent: frozenset[str]) -> bool:
        """A condition opened earlier in the sentence of word `word` of turn `t`, other than the
        caller's wish: "If she's busy, I'll put you through to her deputy" plans a transfer, "If you
        like, I'll put you through" announces one."""
        words = self.call.words[t]
        if not conditionals or word > len(words) or conditionals.isdisjoint(words[:word]):
            return False
        # A question asks leave ("Would you mind if I put you through?"), it plans nothing.
        if self.in_question(t, word):
            return False
        said = words[self.sentence_start(t, word):word]
        opened = [i for i, w in enumerate(said) if w in conditionals]
        if not opened:
            return False
        # The caller's wish is said right after the "if" ("if you like", "dacă doriți"); a "you"
        # further on ("dacă mai cade curentul la adresa dumneavoastră") is part of the condition.
        return consent.isdisjoint(said[opened[-1] + 1:opened[-1] + 1 + CONSENT_REACH])

    def _negated(self, t: int, word: int, negations: frozenset[str]) -> bool:
        """A negation among the few words before word `word` of turn `t`, in the same sentence."""
        words = self.call.words[t]
        first = max(0, word - NEGATION_REACH)
        if word > len(words) or not negations.intersection(words[first:word]):
            return False
        spans, text = self.call.span(t), self.transcript.turns[t].text
        start = spans[word][0] if word < len(spans) else len(text)
        for w in range(first, word):
            if words[w] not in negations:
                continue
            if self._sentence_ends_between(t, w, start):
                continue  # another sentence
            end = spans[w][1]
            if 0 <= end < len(text) and text[end] == ",":
                continue  # an answer ("No, I'll put you through now"), not a negated verb
            return True
        return False

    def _sentence_ends_between(self, t: int, w: int, start: int) -> bool:
        """Whether a sentence of turn `t` ends between its word `w` and character offset `start`.
        Offsets are -1 where a word's place in the raw text is unknown: then no end is found."""
        end = self.call.span(t)[w][1]
        return 0 <= end <= start and _SENTENCE_END.search(self.transcript.turns[t].text, end, start) is not None

    def read_back(self, turns: Sequence[int], role: RuleRole) -> Match | None:
        """The first of `turns` (said by `role`) that repeats, in a number of READ_BACK_DIGITS digits or
        more, a number of PHONE_DIGITS or more which another speaker said before it, or that reads out
        such a number and asks whether it is right, not answered with a no."""
        said = [(t, n) for t in self.role_turns(role, turns) for n in self._long_numbers(t)]
        if not said:
            return None  # the common case: the role said no long number, the others' need no reading
        all_turns = self.transcript.turns
        heard: set[str] = set()
        next_heard = 0
        for t, (digits, start, end) in said:
            for u in range(next_heard, t):
                if all_turns[u].role is not Role.OTHER and all_turns[u].role.value != role.value:
                    # Contact details: a phone number, not a customer code repeated while finding
                    # the account ("Il codice cliente... 40 22 91" / "402291. Sì, la trovo").
                    heard.update(n[0] for n in self._long_numbers(u) if len(n[0]) >= PHONE_DIGITS)
            next_heard = max(next_heard, t)
            # Or the number on file read out to be confirmed ("Îl văd aici: 0756 330 481. E corect?" /
            # "Da."): the caller hears it and says it is right.
            # Tested only when nothing heard is repeated: reading the caller's reply costs more.
            if any(number in digits for number in heard) or (
                    len(digits) >= PHONE_DIGITS and "?" in all_turns[t].text[end:] and t + 1 < self.n_turns
                    and all_turns[t + 1].role.value not in (role.value, Role.OTHER.value)
                    and not self.answered_no(t)):
                turn = all_turns[t]
                return Match("(number read back)", 100.0, t, t, turn.text[start:end], turn.start_s,
                             len(turn.text[:start].split()))
        return None

    def _long_numbers(self, t: int) -> list[tuple[str, int, int]]:
        """The numbers of READ_BACK_DIGITS digits or more said in turn `t` (once per call)."""
        numbers = self._numbers.get(t)
        if numbers is None:
            text = self.transcript.turns[t].text
            numbers = self._numbers[t] = ([n for n in spoken_numbers(text) if len(n[0]) >= READ_BACK_DIGITS]
                                          if may_say_number(text, self.call.words[t]) else [])
        return numbers

    # --- windows ------------------------------------------------------------------------------

    def window_turns(self, rule: RuleDef, span: StageSpan | None, trigger: int | None, *,
                     after: bool = True) -> list[int] | None:
        """The rule's role turns inside its window, or None when an anchor it needs does not exist
        (without the turns after the stage that `window.after` adds, with `after=False`)."""
        window = rule.rule.window or Window()
        anchor = window.from_
        if anchor in _CALL_ANCHORS or span is None:
            first, last = 0, self.n_turns - 1
        else:
            first, last = span.start_turn, span.end_turn
        if anchor is Anchor.CALL_END and span is not None and span.stage == "closing":
            opening = next((s for s in self.stages if s.stage == "greeting"), None)
            if opening is not None and opening.end_turn < span.start_turn:
                # A closing of its own is never looked for in the opening: "what can I do for you?"
                # is no "anything else?", nor "thanks for calling Acme" the closing thanks.
                first = opening.end_turn + 1
        anchor_turn = None
        if anchor is Anchor.TRIGGER:
            anchor_turn = trigger
        elif anchor is Anchor.RETURN:
            anchor_turn = span.return_turn if span else None
        if anchor in (Anchor.TRIGGER, Anchor.RETURN):
            if anchor_turn is None:
                return None
            first = anchor_turn
            # What follows a return is outside the hold episode by definition: look past its end.
            last = self.n_turns - 1 if anchor is Anchor.RETURN else max(last, anchor_turn)
        if window.to is Anchor.TRIGGER:
            if trigger is None:
                return None
            last = min(last, trigger)
        elif window.to is Anchor.RETURN and span is not None and span.return_turn is not None:
            # Up to the agent's return, without it: "I put you through to our claims line by mistake"
            # tells where the caller went, it announced nothing. An episode with no return runs to its end.
            last = min(last, span.return_turn - 1)
        elif window.to is Anchor.CALL_END:
            last = self.n_turns - 1
        turns = self.role_turns(rule.rule.role, range(first, last + 1))
        from_end = anchor in (Anchor.STAGE_END, Anchor.CALL_END)
        if window.turns:
            turns = first_runs(turns, window.turns, from_end)
        if window.seconds and self.transcript.has_timestamps:
            turns = self._within_seconds(turns, first, last, window.seconds, from_end)
        if window.before and anchor_turn is not None:
            # A forbidden phrase is never looked for back in the opening: the greeting's words ("Ciao")
            # are no blame of an upset the caller has yet to voice. (Empathy may be found there: in a
            # call without a greeting, the opening is the agent's first answer.)
            opening = next((s for s in self.stages if s.stage == "greeting"), None)
            floor = (opening.end_turn + 1 if rule.rule.check is CheckType.FORBIDDEN and opening is not None
                     and opening.end_turn < anchor_turn else 0)
            # Nor is anything said before the caller first spoke an answer to them ("Îmi cer scuze pentru
            # așteptare" in the greeting apologises for the queue, not for what the caller then complains of).
            heard = self.role_turns(Role.CUSTOMER)
            if heard:
                floor = max(floor, heard[0])
            turns = [*self.role_turns(rule.rule.role, range(max(floor, anchor_turn - window.before), anchor_turn)),
                     *turns]
        if window.after and after and span is not None:
            turns = [*turns, *first_runs(self.role_turns(rule.rule.role, range(span.end_turn + 1, self.n_turns)),
                                         window.after)]
        return turns

    def _within_seconds(self, turns: list[int], first: int, last: int, seconds: float, from_end: bool) -> list[int]:
        all_turns = self.transcript.turns
        if from_end:
            ref = next((all_turns[t].end_s or all_turns[t].start_s for t in range(last, first - 1, -1)
                        if all_turns[t].start_s is not None), None)
            if ref is None:
                return turns
            return [t for t in turns if all_turns[t].start_s is None or ref - all_turns[t].start_s <= seconds]
        ref = next((all_turns[t].start_s for t in range(first, last + 1) if all_turns[t].start_s is not None), None)
        if ref is None:
            return turns
        return [t for t in turns if all_turns[t].start_s is None or all_turns[t].start_s - ref <= seconds]


def _formulas_with(formulas: Sequence[Formula], slot: str, framed: bool = False) -> tuple[Formula, ...]:
    """The formulas of a list that use `slot` (with `framed`, only those with words besides it),
    cached per list."""
    key = (id(formulas), slot, framed)
    cached = _SLOT_FORMULAS.get(key)
    if cached is None or cached[0] is not formulas:
        marker = "{" + slot + "}"
        cached = _SLOT_FORMULAS[key] = (formulas, tuple(
            f for f in formulas if isinstance(f, str) and marker in f and not (framed and f.strip() == marker)))
    return cached[1]


_SINGLES: dict[int, tuple[Sequence, tuple[list, ...]]] = {}


def one_by_one(formulas: Sequence[Formula]) -> tuple[list, ...]:
    """Each formula of a list as a list of its own, the same list objects every time: compiled
    lists are cached by identity, and a new list per call would only fill the caches."""
    cached = _SINGLES.get(id(formulas))
    if cached is None or cached[0] is not formulas:
        cached = _SINGLES[id(formulas)] = (formulas, tuple([f] for f in formulas))
    return cached[1]


NICKNAME_MIN_NAME = 5  # letters a first name needs before its first letters make a nickname


def nickname_forms(agent_name: str) -> list[str]:
    """Nicknames made of a long first name's first three to five letters ("Bev" for Beverley, "Sam"
    for Samantha, "Chris" for Christopher)."""
    first = agent_name.split()[0] if agent_name.split() else ""
    if len(first) < NICKNAME_MIN_NAME:
        return []
    return [first[:n] for n in (3, 4, 5) if n < len(first)]


# Legal forms that are written in a company's registered name but not said on the phone.
_LEGAL_FORMS = frozenset({
    "ltd", "limited", "inc", "llc", "plc", "corp", "gmbh",  # English and the common foreign ones
    "ооо", "оао", "зао", "пао", "ао", "ип", "нко", "ано", "гуп", "муп", "фгуп",  # Russian
    "еоод", "оод", "ад", "еад", "зад", "зд", "ет", "кд",  # Bulgarian
    "spa", "s.p.a", "srl", "s.r.l", "snc", "s.n.c", "sas", "s.a.s",  # Italian
    "sa", "s.a", "pfa", "ra",  # Romanian (srl above)
})
# What kind of business a name says ("Swiftdrop Couriers", "Clinica Sanovita", "Energon Furnizare"):
# callers and agents drop it and say the brand alone. Never said alone for the company itself. With
# the words that link a name's parts ("of", "di", "de").
_SECTOR_WORDS = frozenset({
    "bank", "banking", "building", "society", "broadband", "fibre", "fiber", "mobile", "telecom", "energy",
    "power", "electric", "electricity", "gas", "water", "utilities", "insurance", "assurance", "airways",
    "airlines", "air", "travel", "couriers", "courier", "delivery", "express", "logistics", "parcels",
    "home", "homes", "health", "clinic", "surgery", "pharmacy", "council", "borough", "services",
    "group", "shop", "store", "stores", "retail", "motors", "finance", "credit", "loans", "of", "the",
    "online", "boutique", "outlet", "dental", "care", "medical", "centre", "center", "telecoms",
    "банк", "банка", "телеком", "энерго", "энергия", "энергосбыт", "страхование", "авиалинии",
    "клиника", "доставка", "мобайл", "сервис", "енерго", "застраховане", "куриер",
    "banca", "energia", "assicurazioni", "acqua", "clinica", "poliambulatorio", "spedizioni",
    "servizi", "comune", "di", "del", "della",
    "furnizare", "energie", "asigurări", "asigurari", "curierat", "servicii", "apă", "apa",
    "de", "din", "security", "охрана", "sicurezza", "securitate",
    "rental", "rentals", "hire", "autonoleggio", "noleggio", "прокат", "автопрокат", "rent-a-car", "rent", "a",
    "car", "cars", "multisala", "cinema", "cinemas", "cineplex", "appliances", "appliance", "electricals",
    "închirieri", "inchirieri", "opticians", "optical", "optics", "оптика", "ottica", "optică", "optica",
    "school", "language", "languages", "alarm", "alarms", "systems", "scuola", "lingue", "ciclofficina",
    "officina", "sistemi", "allarme", "allarmi", "d'allarme", "школа", "языковая", "сигнализация",
    "училище", "езиков", "център", "școala", "scoala", "limbi", "străine", "straine", "alarme", "sisteme",
})
# Words that link a kind of business to its name ("Bank of", "Scuola di"): no name starts with one.
_LINKING_WORDS = frozenset({"of", "the", "di", "del", "della", "de", "din", "la", "il"})
# Articles a registered name starts with but speakers drop ("Gazzetta del Lago" for La Gazzetta del Lago).
_ARTICLES = frozenset({"the", "la", "il", "lo", "i", "gli", "le"})
# Between a publisher and its title, or a group and its brand ("Editura Lumea Verde - revista Casa și
# Grădina"): either part is said for the whole.
_NAME_PARTS = re.compile(r"\s+[-–—|/]\s+")
# A coined brand written in one word with an inner capital ("ExpresCargo", "Clinica MedAlpin Brașov")
# is said alone.
_COINED = re.compile(r"[^\W\d_]*[a-zа-яёăâîșțşţ][A-ZА-ЯЁĂÂÎȘȚ][^\W_]*")
_QUOTED = re.compile(r"[«„“\"]([^«»„“”\"]+)[»“”\"]")
_WEB_SUFFIX = re.compile(r"(?<=\w)\.(?:com|net|org|eu|co\.uk|uk|ro|bg|ru|it)$", re.IGNORECASE)


def slot_variants(slot: str, value: str) -> list[str]:
    """Shorter forms in which a name is said: the agent's first or last name alone ("Priya" for Priya
    Sharma); a company's brand without its legal form, web suffix or trailing words ("ModaNova" for
    ModaNova.ro, "Гарант-Полис" for Страховая компания «Гарант-Полис», "Lumen Energie" for Lumen
    Energie Furnizare, "Primăria Valea Albă" for Primăria Orașului Valea Albă, "Gazzetta del Lago" for La
    Gazzetta del Lago, either side of a dash, "Страж" for Страж-Охрана). At least two words of a longer
    company name are kept, so that "Bank" alone never stands for "Bank of Lindley"."""
    value = value.strip()
    if slot == "agent_name":
        words = [w for w in value.split() if len(w) >= 2]
        return words if len(words) >= 2 else []
    if slot != "company" or not value:
        return []
    quoted = _QUOTED.search(value)
    if quoted:
        # The quoted brand is what is said; the words around it are its kind ("Страховая компания").
        return [quoted.group(1).strip()]
    parts = [part for part in _NAME_PARTS.split(value) if part.strip()]
    if len(parts) > 1:
        return _naming_forms(value, dict.fromkeys(form for part in parts
                                                  for form in [part.strip(), *slot_variants(slot, part)]))
    words = [w for w in value.replace(",", " ").split() if w.casefold().rstrip(".") not in _LEGAL_FORMS]
    if len(words) > 2 and words[0].casefold() in _ARTICLES:
        words = words[1:]
    if not words:
        return []
    words[-1] = _WEB_SUFFIX.sub("", words[-1])
    forms = [" ".join(words[:n]) for n in range(len(words), 1, -1)] if len(words) > 1 else words
    if len(words) > 1:
        forms.extend(w for w in words if _COINED.fullmatch(w))
    # A name of three words or more loses an inner word when said ("Primăria Valea Albă" for Primăria
    # Orașului Valea Albă, "МФЦ Светлогорска" for МФЦ города Светлогорска).
    if len(words) >= 3:
        forms.extend(" ".join(words[:i] + words[i + 1:]) for i in range(1, len(words) - 1))
    # One of four words or more loses two ("Università di Valdora" for Università degli Studi di Valdora,
    # "Clinica Kinetomed" for Clinica de Recuperare Kinetomed).
    if len(words) >= 4:
        forms.extend(" ".join(words[:i] + words[i + 2:]) for i in range(1, len(words) - 2))
    # The brand without what kind of business it is ("Swiftdrop" for Swiftdrop Couriers, "Страж" for
    # the hyphenated Страж-Охрана).
    pieces = words if len(words) > 1 else [w for w in words[0].split("-") if w]
    brand = [w for w in pieces if w.casefold() not in _SECTOR_WORDS]
    if len(pieces) > 1 and len(brand) == 1 and len(brand[0]) >= 4 and brand[0] not in forms:
        forms.append(brand[0])
    # A brand of two words or more after its kind of business ("Ruota Libera" for Ciclofficina Ruota
    # Libera, "Lingue Vive" for Scuola di Lingue Lingue Vive).
    forms.extend(" ".join(words[n:]) for n in range(1, len(words) - 1)
                 if all(w.casefold() in _SECTOR_WORDS for w in words[:n]) and words[n].casefold() not in _LINKING_WORDS)
    return _naming_forms(value, forms)


def _naming_forms(value: str, forms: Iterable[str]) -> list[str]:
    """The forms other than the value itself that name a company: one that only says the kind of
    business ("Bank of") names none."""
    return [f for f in forms if f and f.casefold() != value.casefold()
            and not all(w.casefold() in _SECTOR_WORDS for w in f.split())]


# Speech recognition splits one utterance at its pauses ("Good day." / "Welcome to Contoso." / "My name
# is John." / "How can I help you today?"): a window of three agent turns means three times the agent
# spoke, so consecutive turns count as one, up to this many segments per turn counted.
SEGMENTS_PER_TURN = 3


def first_runs(turns: list[int], runs: int, from_end: bool = False) -> list[int]:
    """The turns (in order) of the first `runs` runs of consecutive turn numbers (the last ones with
    `from_end`), at most SEGMENTS_PER_TURN x `runs` turns."""
    ordered = turns[::-1] if from_end else turns
    step = -1 if from_end else 1
    out: list[int] = []
    seen = 0
    previous = None
    for t in ordered:
        if previous is None or t != previous + step:
            seen += 1
        if seen > runs or len(out) >= SEGMENTS_PER_TURN * runs:
            break
        out.append(t)
        previous = t
    return out[::-1] if from_end else out
