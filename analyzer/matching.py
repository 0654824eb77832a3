"""Fuzzy, lemma-aware formula matching: a formula and a stretch of turns in, the best aligned span out.

The formula is always the needle. Each formula word is compared with each spoken word (exact, same
lemma, same letters without diacritics, or a close spelling for words of four letters or more), and
the best in-order chain of word matches is scored against the formula's total weight, less a penalty
for words inserted inside the span. So "goodbye" never matches "bye" (a character-level
partial_ratio would call that 100), while "thank you for colling" still matches "thank you for
calling", and a greeting split across two ASR segments is found across the turn boundary.

Every distinct spoken word is compared with the pack's formula vocabulary once per process and the
result cached: call-center vocabularies are small and repetitive, so this makes matching a handful of
dictionary look-ups per word. A turn's word matches are indexed the first time a formula is looked
for in it, and each formula's upper bound (every word matched at its best similarity in the scope)
decides, before any alignment, whether it can beat the best match so far or reach a threshold: most
formula x turn pairs are dismissed without aligning, and the results are exactly those of aligning
every pair (`best_of`, `matching_turns`).
"""
from __future__ import annotations

import copy
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter

from rapidfuzz import fuzz, process

from .models import Match, Transcript
from .nlp import LanguageModel
from .normalize import (fold_diacritics, negated_form, normalize_text, sound_key, spelling_for, token_spans,
                        token_spans_fast, tokenize_many)
from .pack.schema import WILDCARD, RegexFormula, slots_in
from .regex_literals import required_literals

EXACT = 1.0
LEMMA = 0.95
STEM = 0.9
# Same consonants, other vowels ("your cool" for "your call", "nice dey"): less than a close spelling,
# so a one-word formula never passes on a sound-alike alone.
SOUND = 0.75
FUZZY_CUTOFF = 78.0  # rapidfuzz ratio for one misheard word ("colling"/"calling" is 86)
JOIN_CUTOFF = 88.0  # words split by ASR ("shop nest" for "ShopNest") must be closer
# A name's word split by ASR is looked for from this length ("за пад" for Запад, spelled exactly), and
# matched closely or by sound from CLOSE_JOIN_MIN: a short name rebuilt from two short words by
# approximation would be a coincidence.
EXACT_JOIN_MIN = 5
CLOSE_JOIN_MIN = 6
STOP_WEIGHT = 0.4
# The share of its score that a match of a formula keeps without the formula's negation word.
WITHOUT_NEGATION = 2 / 3
GAP_PENALTY = 0.08  # share of the formula's weight lost per word inserted inside the span
MAX_INSERTED = 4  # more inserted words than this between two matched words breaks the span
# ... and short formulas must stay nearly contiguous: at most one inserted word per two formula words.
GAP_MAX_WORDS = 4  # a `{*}` or an unknown `{agent_name}` stands for 1..4 words
GAP_WEIGHT = 0.5  # such a slot proves little: it weighs like a common word, not a named one
# Upper bounds are inflated by this much so that float summation order can never make a bound
# smaller than the score it bounds.
_BOUND_SLACK = 1e-9
_CACHE_LIMIT = 200_000
# A slot value's word in capitals of this many letters is an abbreviation, said also as the words it
# stands for, each of at least ACRONYM_WORD_MIN letters.
ACRONYM_MIN = 2
ACRONYM_MAX = 5
ACRONYM_WORD_MIN = 4
_WORD_CACHE_LIMIT = 500_000
# Scores a forbidden rule's near miss is searched down through, highest first (see max_turn_score).
_NEAR_MISS_LEVELS = (60.0, 40.0, 20.0, 0.0)
_SIGNATURE_STEP = 5.0
_MAX_REQUIREMENT_WORDS = 12
_MAX_REQUIREMENT_SETS = 64
_CHAIN_ORDER = itemgetter(2, 0)  # (position in the scope, first formula word)
_RANK = itemgetter(0, 1)  # (-upper bound, formula index)
_TURN_SEPARATOR = "\x00"
# What ends a sentence between two words: an unknown slot ("put you through to {*}") takes words of
# its own sentence only ("I'll pass you to a colleague. Hold on." names nobody).
_SENTENCE_MARKS = ".!?\u2026"
_SENTENCE_END = re.compile(f"[{_SENTENCE_MARKS}]")


# Letters heard alike at the start of a word: "kolling" for "calling", and any vowel for another
# ("абращение" for "обращение": Russian unstressed o is said a).
_INITIALS = {"k": "c", "q": "c", **{vowel: "a" for vowel in "aeiouyаоуыэеёиюяъ"}}


def same_onset(spoken: str, formula_word: str) -> bool:
    """Whether a word close in spelling may be a mishearing of a formula word: it keeps the first
    sound, or lost or gained one sound before it ("драстуйте" for "здравствуйте"); a word that lost a
    syllable is another word ("la prendo" is no garbled "la comprendo")."""
    first, other = spoken[0], formula_word[0]
    return (_INITIALS.get(first, first) == _INITIALS.get(other, other)
            or first == formula_word[1:2] or spoken[1:2] == other)


def _related(a: str, b: str) -> bool:
    """Same-lemma words count only if they also look alike: lookup tables map some words to
    unrelated ones ("yeah" -> "yes"), and a forbidden "yeah" must not fire on "yes"."""
    if len(a) < 3 or len(b) < 3:
        return a == b
    return a[:3] == b[:3]


@dataclass(frozen=True)
class FormulaUnit:
    """One comparable piece of a formula: a word (first == last) or two words joined (compounds)."""

    vid: int
    first: int
    last: int
    weight: float


@dataclass(frozen=True)
class CompiledFormula:
    text: str  # the formula as written in the pack, slots filled
    words: tuple[str, ...]
    weights: tuple[float, ...]  # per word; gap words have weight here too
    gaps: frozenset[int]  # positions of slot words with no value: any 1..4 spoken words
    units: tuple[FormulaUnit, ...]
    dynamic: tuple[tuple[int, str], ...]  # slot words compared pairwise (not in the static vocabulary)
    regex: re.Pattern[str] | None = None
    total: float = 0.0  # sum of weights
    # For the upper bound: (vid, unit weight) per unit, and the weight of slot words (gaps, values).
    bound_units: tuple[tuple[int, float], ...] = ()
    bound_static: float = 0.0
    # bound = min(100, value * bound_scale + bound_shift) is at least the rounded score: the slack
    # plus 0.05 for rounding to one decimal.
    bound_scale: float = 0.0
    bound_shift: float = 0.0
    # Spoken words an unknown slot may not take: the call's other known values ("you're through to
    # {agent_name}" must not take "Acme Bank" for the agent's name when the company is Acme Bank).
    gap_stops: frozenset[str] = frozenset()
    # The formula is one word, a slot's value ("{agent_name}" with a one-word name): the name said as it
    # is proves it was given, a word merely close to it ("matter" for Matteo) proves nothing, so only
    # same-word, lemma or stem matches count. (Several words close to a company's name do prove it.)
    lone_value: bool = False
    # Positions of the formula's negation words, which a match must include to keep its whole score.
    negations: frozenset[int] = frozenset()
    # Positions of slot words written in capitals in the value ("ЗК Щит", "BPN"): an abbreviation, said
    # also as the words it stands for ("Застрахователна компания Щит") or spelled ("е р ц").
    acronyms: frozenset[int] = frozenset()


class CallText:
    """A call's turns tokenised once; each turn's word matches are indexed when first needed.

    `words[t]` are the turn's words; `span(t)` and `normalized_text(t)` (character offsets for evidence, the
    normalised text for regex formulas) are computed per turn on first use.
    """

    def __init__(self, transcript: Transcript, words: list[list[str]], language: str, vocab_version: int):
        self.transcript = transcript
        self.words = words
        self.language = language
        self._spans: dict[int, list[tuple[int, int]]] = {}
        self._sentence_ends: dict[int, list[bool]] = {}
        self._normalized: dict[int, str] = {}
        # Per turn: how many of its first i words are free words (degree words and hedges), i = 0..len
        # (None: it has none).
        self.light_before: list[list[int] | None] = [None] * len(words)
        spelling = spelling_for(language)
        light_words = spelling.free_words
        # The marks for unintelligible speech in the call, which no slot takes for a name.
        self.unheard: frozenset[str] = frozenset()
        for t, turn_words in enumerate(words):
            if not spelling.unintelligible.isdisjoint(turn_words):
                self.unheard = self.unheard.union(spelling.unintelligible.intersection(turn_words))
            if not light_words.isdisjoint(turn_words):
                counts = [0]
                for word in turn_words:
                    counts.append(counts[-1] + (word in light_words))
                self.light_before[t] = counts
        self._word_masks: dict[str, int] | None = None
        self._joined: tuple[str, list[int]] | None = None  # the turns' normalised texts as one string
        self._literal_masks: dict[str, int] = {}
        self.reset(vocab_version)

    @property
    def word_masks(self) -> dict[str, int]:
        """Each distinct word -> the turns it occurs in, as a bit mask (bit t: turn t)."""
        if self._word_masks is None:
            masks: dict[str, int] = {}
            get = masks.get
            for t, words in enumerate(self.words):
                bit = 1 << t
                for word in words:
                    masks[word] = get(word, 0) | bit
            self._word_masks = masks
        return self._word_masks

    def reset(self, vocab_version: int) -> None:
        self.vocab_version = vocab_version
        n = len(self.words)
        # Per turn: vid -> [(first_word, last_word, sim)], and vid -> best sim in the turn.
        self.turn_points: list[dict[int, list[tuple[int, int, float]]] | None] = [None] * n
        self.turn_best: list[dict[int, float] | None] = [None] * n
        self.slot_points: dict[tuple[str, int], list[tuple[int, int, bool, float]]] = {}
        self.scopes: dict[tuple[int, ...], dict[int, float]] = {}
        self.registered = -1  # Matcher generation in which every word and pair was compared with the vocabulary
        # Per turn: (first word, vid, sim) of two adjacent words that match a vid joined; and
        # vid -> the turns where a word or a pair matches it, as a bit mask. Filled by Matcher.register().
        self.joins: list[list[tuple[int, int, float]]] = []
        self.vid_masks: dict[int, int] = {}

    def span(self, t: int) -> list[tuple[int, int]]:
        spans = self._spans.get(t)
        if spans is None:
            spans = self._spans[t] = [(start, end) for _, start, end in token_spans_fast(self.transcript.turns[t].text,
                                                                                       self.language)]
        return spans

    def sentence_ends(self, t: int) -> list[bool]:
        """Per word of turn t: whether a sentence ends right after it (a full stop, "!", "?" or "…"
        before the next word or at the end of the turn)."""
        ends = self._sentence_ends.get(t)
        if ends is None:
            text = self.transcript.turns[t].text
            n = len(self.words[t])
            inner = text.rstrip(_SENTENCE_MARKS + " \t\"'»”)")
            if not _SENTENCE_END.search(inner):
                # No mark inside the turn (speech recognition's turns, short replies): only its end may end
                # one, if a mark is among what closes it (not a closing quote alone).
                last = _SENTENCE_END.search(text, len(inner)) is not None
                ends = self._sentence_ends[t] = [False] * (n - 1) + [last] if n else []
                return ends
            spans = self.span(t)
            bounds = [start for start, _ in spans[1:]] + [len(text)]
            ends = self._sentence_ends[t] = [_SENTENCE_END.search(text, end, bound) is not None
                                             for (_, end), bound in zip(spans, bounds)]
        return ends

    def scope_sentence_ends(self, turns: Sequence[int]) -> list[bool]:
        """sentence_ends() over the scope's words (the turns' words in order)."""
        if len(turns) == 1:
            return self.sentence_ends(turns[0])
        return [end for t in turns for end in self.sentence_ends(t)]

    def normalized_text(self, t: int) -> str:
        text = self._normalized.get(t)
        if text is None:
            text = self._normalized[t] = normalize_text(self.transcript.turns[t].text, self.language)
        return text

    def literal_turns(self, literals: tuple[str, ...]) -> int:
        """The turns whose normalised text holds one of `literals`, as a bit mask (bit t: turn t)."""
        masks = self._literal_masks
        mask = 0
        for literal in literals:
            found = masks.get(literal)
            if found is None:
                found = masks[literal] = self._find_literal(literal)
            mask |= found
        return mask

    def _find_literal(self, literal: str) -> int:
        if self._joined is None:
            # One string for the call, so that each literal is looked for once, not once per turn;
            # no literal holds the separator (see _regex_literals), so none spans two turns.
            texts = [self.normalized_text(t) for t in range(len(self.words))]
            starts = [0]
            for text in texts:
                starts.append(starts[-1] + len(text) + 1)
            self._joined = (_TURN_SEPARATOR.join(texts), starts)
        joined, starts = self._joined
        mask = 0
        at = joined.find(literal)
        while at >= 0:
            t = bisect_right(starts, at) - 1
            mask |= 1 << t
            at = joined.find(literal, starts[t + 1])
        return mask


# A word match in an alignment, as a plain tuple (aligning builds many of them):
# (formula first word, formula last word, first and last position in the scope's word sequence,
#  weighted similarity, turn, first and last word in the turn).
_Point = tuple[int, int, int, int, float, int, int, int]
_F_FIRST, _F_LAST, _POS_FIRST, _POS_LAST, _VALUE, _TURN, _W_FIRST, _W_LAST = range(8)


def _room_before(ends: list[bool], pos: int) -> int:
    """Words of the scope before position `pos` in its sentence (at most GAP_MAX_WORDS + 1 counted)."""
    room = 0
    while pos > 0 and not ends[pos - 1] and room <= GAP_MAX_WORDS:
        pos -= 1
        room += 1
    return room


def _room_after(ends: list[bool], pos: int) -> int:
    """Words of the scope after position `pos` in its sentence (at most GAP_MAX_WORDS + 1 counted)."""
    room = 0
    last = len(ends) - 1
    while pos < last and not ends[pos] and room <= GAP_MAX_WORDS:
        pos += 1
        room += 1
    return room


def _says(points: Iterable[_Point], positions: frozenset[int]) -> int:
    """How many of the word matches cover one of the formula's word positions."""
    count = 0
    for point in points:
        first, last = point[_F_FIRST], point[_F_LAST]
        for i in positions:
            if first <= i <= last:
                count += 1
                break
    return count


@dataclass(frozen=True)
class _ScanPlan:
    """A formula list's requirement sets at one threshold: heaviest vid -> ((other vids, formula
    indexes), ...), and the list's regex formulas joined into as few patterns as their flags allow
    (a turn any of them matches is one the joined pattern matches)."""

    groups: dict[int, tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]]
    regexes: tuple[re.Pattern[str], ...]
    regex_indexes: tuple[int, ...]


_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=")


def _joined_patterns(patterns: Sequence[re.Pattern[str]]) -> tuple[re.Pattern[str], ...]:
    """One alternation per set of flags, searched once per turn instead of once per formula;
    patterns that cannot be joined (back-references, global inline flags) stay on their own."""
    by_flags: dict[int, list[str]] = {}
    alone: list[re.Pattern[str]] = []
    for pattern in patterns:
        if _BACKREFERENCE.search(pattern.pattern):
            alone.append(pattern)
        else:
            by_flags.setdefault(pattern.flags, []).append(pattern.pattern)
    joined = []
    for flags, sources in by_flags.items():
        try:
            joined.append(re.compile("|".join(f"(?:{source})" for source in sources), flags))
        except re.error:
            alone.extend(re.compile(source, flags) for source in sources)
    return (*joined, *alone)


_LITERALS_BY_PATTERN: dict[re.Pattern[str], tuple[str, ...] | None] = {}


def _regex_literals(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """required_literals() of a pattern, if none of them holds the separator of a call's turns."""
    # Asked for every regex formula in every scope: remembered per pattern (a pack's are few).
    try:
        return _LITERALS_BY_PATTERN[pattern]
    except KeyError:
        pass
    literals = required_literals(pattern)
    if literals is not None and any(_TURN_SEPARATOR in literal for literal in literals):
        literals = None
    if len(_LITERALS_BY_PATTERN) > 10_000:  # patterns filled from a call's metadata are new per call
        _LITERALS_BY_PATTERN.clear()
    _LITERALS_BY_PATTERN[pattern] = literals
    return literals


class _VocabShape:
    """The vocabulary's folds by first letters and by length, to compare a new spoken word with only
    the formula words it could possibly match."""

    def __init__(self, folds: list[str], version: int):
        self.folds = folds
        self.version = version
        self.prefixes = frozenset(f[:3] for f in folds if len(f) >= 3)
        self._near: dict[tuple[int, float, int], tuple[list[str], list[int]]] = {}

    def near_length(self, n: int, cutoff: float, min_len: int) -> tuple[list[str], list[int]]:
        """Folds of at least `min_len` letters whose length allows a rapidfuzz ratio >= cutoff with
        a word of n letters (the ratio is at most 200 * min / (n + m)), in vocabulary order."""
        key = (n, cutoff, min_len)
        near = self._near.get(key)
        if near is None:
            folds, vids = [], []
            for vid, fold in enumerate(self.folds):
                m = len(fold)
                if m >= min_len and 200.0 * min(n, m) / (n + m) >= cutoff - 1.0:
                    folds.append(fold)
                    vids.append(vid)
            near = self._near[key] = (folds, vids)
        return near


class Matcher:
    """Matches a pack's formulas against calls in one language."""

    def __init__(self, lm: LanguageModel):
        self.lm = lm
        self._negating_prefixes = spelling_for(lm.language).negating_prefixes
        self.vocab: dict[str, int] = {}  # fold -> vid
        self.vocab_folds: list[str] = []
        self.by_lemma: dict[str, set[int]] = {}
        self.by_stem: dict[str, set[int]] = {}
        self.by_sound: dict[str, set[int]] = {}
        # Two formula words written as one ("good bye" said as "goodbye"): matched only exactly,
        # kept apart from the single words so that fuzzy look-ups never land on them.
        self.compounds: dict[str, int] = {}
        self._token_cache: dict[str, tuple[tuple[int, float], ...]] = {}
        self._join_cache: dict[str, tuple[tuple[int, float], ...]] = {}
        self._compiled: dict[tuple, CompiledFormula | None] = {}
        self._lists: dict[tuple, tuple[Sequence, tuple[CompiledFormula | None, ...]]] = {}
        self._list_slots: dict[int, tuple[Sequence, tuple[str, ...]]] = {}
        self._pair_cache: dict[tuple[str, str], float] = {}
        self._fold_cache: dict[str, str] = {}
        self._pair_join_cache: dict[tuple[str, str], tuple[tuple[int, float], ...]] = {}
        self._slot_join_cache: dict[tuple[str, str, bool], float] = {}
        self._signatures: dict[tuple[int, float, str], frozenset[int] | None] = {}
        self._scans: dict[tuple[int, float], tuple[Sequence, tuple | None]] = {}
        self._plans: dict[tuple[int, float], tuple[Sequence, tuple[dict[int, tuple[int, ...]], tuple[int, ...]]]] = {}
        self._frozen = False
        self._version = 0
        self._generation = 0
        self._shape: _VocabShape | None = None
        self._last_prepared: tuple[tuple[str, ...], CallText] | None = None

    # --- formulas ------------------------------------------------------------------------------

    def _vid(self, fold: str, lemma: str) -> int:
        vid = self.vocab.get(fold)
        if vid is None:
            self._new_word()
            vid = self.vocab[fold] = len(self.vocab_folds)
            self.vocab_folds.append(fold)
            self.by_lemma.setdefault(lemma, set()).add(vid)
            self.by_stem.setdefault(self.lm.stem(fold), set()).add(vid)
            key = sound_key(fold, self.lm.language)
            if key:
                self.by_sound.setdefault(key, set()).add(vid)
        return vid

    def _compound_vid(self, joined: str) -> int:
        vid = self.compounds.get(joined)
        if vid is None:
            self._new_word()
            vid = self.compounds[joined] = -1 - len(self.compounds)
        return vid

    def _vocab_shape(self) -> "_VocabShape":
        if self._shape is None or self._shape.version != self._version:
            self._shape = _VocabShape(self.vocab_folds, self._version)
        return self._shape

    def _new_word(self) -> None:
        self._version += 1
        if self._frozen:
            # A word first seen after matching started (a formula compiled late, e.g. a new slot
            # value): drop the caches so that earlier spoken words get compared with it too.
            self._clear_word_caches()

    def _clear_word_caches(self) -> None:
        self._generation += 1  # calls registered before must be registered again
        self._token_cache.clear()
        self._join_cache.clear()
        self._pair_join_cache.clear()
        self._signatures.clear()
        self._plans.clear()
        self._scans.clear()

    def weight(self, word: str) -> float:
        stop_words = self.lm.stop_words
        if word in stop_words:
            return STOP_WEIGHT
        # A common word with a clitic that is one too ("i'm", "you're", "we'll"; "don't" keeps its weight:
        # "'t" is no stop word of its own) is as common as its parts.
        head, apostrophe, tail = word.partition("'")
        if apostrophe and head in stop_words and apostrophe + tail in stop_words:
            return STOP_WEIGHT
        return 1.0

    def compile(self, formula: str | RegexFormula, variables: Mapping[str, str | None] | None = None) -> CompiledFormula | None:
        """Compile one formula with slots filled; None when too little of it is known to match."""
        variables = variables or {}
        if isinstance(formula, RegexFormula):
            key = ("re", formula.regex)
        else:
            key = (formula, tuple(sorted((k, variables.get(k)) for k in set(slots_in(formula)))))
            if not all(value for name, value in key[1] if name != WILDCARD):
                key = (formula, tuple(sorted(variables.items())))  # an unknown slot's gap_stops: every value
        if key in self._compiled:
            return self._compiled[key]
        compiled = self._compile(formula, variables)
        self._compiled[key] = compiled
        return compiled

    def compile_list(self, formulas: Sequence[str | RegexFormula],
                     variables: Mapping[str, str | None] | None = None) -> tuple[CompiledFormula | None, ...]:
        """compile() for each of a list of formulas (a rule's any_of), cached per list and slot values."""
        variables = variables or {}
        slots = self._list_slots.get(id(formulas))
        if slots is None or slots[0] is not formulas:
            names = sorted({name for f in formulas if isinstance(f, str) for name in slots_in(f)})
            slots = self._list_slots[id(formulas)] = (formulas, tuple(names))
        values = tuple(variables.get(name) for name in slots[1])
        known = all(value for name, value in zip(slots[1], values) if name != WILDCARD)
        key = (id(formulas), values if known else tuple(sorted(variables.items())))
        cached = self._lists.get(key)
        if cached is not None and cached[0] is formulas:
            return cached[1]
        compiled = tuple(self.compile(f, variables) for f in formulas)
        if len(self._lists) > _CACHE_LIMIT:
            self._lists.clear()
        self._lists[key] = (formulas, compiled)
        return compiled

    def _compile(self, formula: str | RegexFormula, variables: Mapping[str, str | None]) -> CompiledFormula | None:
        lang = self.lm.language
        if isinstance(formula, RegexFormula):
            # Regexes search casefolded text: case-insensitive matching (a quarter slower on the packs' regexes)
            # is needed only for a pattern that spells a capital letter itself.
            literal = re.sub(r"\\.", "", formula.regex)
            pattern = re.compile(formula.regex, re.IGNORECASE if literal != literal.lower() else 0)
            return CompiledFormula(formula.regex, (), (1.0,), frozenset(), (), (), pattern, total=1.0)
        spelling = spelling_for(lang)
        # Slots ("{company}": None) and runs of the formula's own words, tokenised once.
        pieces = [(piece, None if piece.startswith("{") and piece.endswith("}")
                   else [word for word, _, _ in token_spans(piece, lang)])
                  for piece in re.split(r"(\{[^{}]*\})", formula) if piece]
        # Degree words are dropped if two other words of the formula's own are left.
        keep_light = sum(word not in spelling.light_words for _, own in pieces if own for word in own) < 2
        words: list[str] = []
        weights: list[float] = []
        gaps: set[int] = set()
        dynamic: list[tuple[int, str]] = []
        acronyms: set[int] = set()
        display = formula
        unknown_variable = False
        for piece, own in pieces:
            if own is None:
                name = piece[1:-1]
                value = variables.get(name) if name != WILDCARD else None
                if value:
                    display = display.replace(piece, value)
                    for word, start, end in token_spans(value, lang):
                        raw = value[start:end] if start >= 0 else ""
                        if ACRONYM_MIN <= len(raw) <= ACRONYM_MAX and raw.isalpha() and raw.isupper():
                            acronyms.add(len(words))
                        dynamic.append((len(words), word))
                        words.append(word)
                        weights.append(1.0)
                else:
                    unknown_variable = unknown_variable or name != WILDCARD
                    gaps.add(len(words))
                    words.append(piece)
                    weights.append(GAP_WEIGHT)
                continue
            for word in own:
                if word in spelling.light_words and not keep_light:
                    continue
                words.append(word)
                weights.append(self.weight(word))
        # A negation carries the formula's meaning ("nobody could tell me" is not "could you tell me"),
        # though as a short common word it weighs little: a match without it keeps 2/3 of its score.
        negations = frozenset(i for i, word in enumerate(words)
                              if word in spelling.negations and word not in spelling.ambiguous_negations)
        if len(negations) == len(words):
            negations = frozenset()
        known = len(words) - len(gaps)
        stops: frozenset[str] = frozenset()
        if unknown_variable:
            stops = frozenset(word for name, value in variables.items() if value and f"{{{name}}}" not in formula
                              for word, _, _ in token_spans(str(value), lang))
        # "I'm {agent_name}" without the name is "I'm" and any words ("I'm sorry"): to stand for a value
        # it does not know, a formula needs two words of its own or one that is not a common word
        # ("{agent_name} speaking" still counts).
        if not known or (unknown_variable and known < 2 and sum(weights) - GAP_WEIGHT * len(gaps) < 1.0):
            return None
        lone_value = len(words) == 1 and len(dynamic) == 1
        if lone_value and words[0] in self.lm.stop_words:
            return None  # an agent called May or Will: the bare name is too common a word to prove anything
        dynamic_positions = {i for i, _ in dynamic}
        units: list[FormulaUnit] = []
        for i, word in enumerate(words):
            if i in gaps or i in dynamic_positions:
                continue
            fold = fold_diacritics(word)
            units.append(FormulaUnit(self._vid(fold, self.lm.lemma(word)), i, i, weights[i]))
            nxt = i + 1
            if nxt < len(words) and nxt not in gaps and nxt not in dynamic_positions and len(word) + len(words[nxt]) >= 6:
                joined = fold + fold_diacritics(words[nxt])
                units.append(FormulaUnit(self._compound_vid(joined), i, nxt, weights[i] + weights[nxt]))
        static = sum(weights[i] for i in range(len(words)) if i in gaps or i in dynamic_positions)
        total = sum(weights)
        return CompiledFormula(display, tuple(words), tuple(weights), frozenset(gaps), tuple(units), tuple(dynamic),
                               total=total, bound_units=tuple((u.vid, u.weight) for u in units),
                               bound_static=static, bound_scale=100.0 * (1.0 + _BOUND_SLACK) / total,
                               bound_shift=100.0 * _BOUND_SLACK / total + 0.05, gap_stops=stops,
                               lone_value=lone_value, negations=negations, acronyms=frozenset(acronyms))

    # --- spoken words ----------------------------------------------------------------------------

    def _word_matches(self, word: str) -> tuple[tuple[int, float], ...]:
        cached = self._token_cache.get(word)
        if cached is not None:
            return cached
        self._frozen = True
        fold = fold_diacritics(word)
        found: dict[int, float] = {}
        vid = self.vocab.get(fold)
        if vid is not None:
            found[vid] = EXACT
        vid = self.compounds.get(fold)
        if vid is not None:
            found[vid] = EXACT
        # Same-lemma and same-stem words must begin with the same three letters (_related): the
        # (slow) lemma and stem look-ups are skipped when no vocabulary word does.
        if len(fold) >= 3 and fold[:3] in self._vocab_shape().prefixes:
            for vid in self.by_lemma.get(self.lm.lemma(word), ()):
                if _related(fold, self.vocab_folds[vid]):
                    found.setdefault(vid, LEMMA)
            for vid in self.by_stem.get(self.lm.stem(fold), ()):
                if _related(fold, self.vocab_folds[vid]):
                    found.setdefault(vid, STEM)
        if len(fold) >= 4:
            folds, vids = self._vocab_shape().near_length(len(fold), FUZZY_CUTOFF, 4)
            prefixes = self._negating_prefixes
            for _, score, i in process.extract(fold, folds, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=None):
                if same_onset(fold, folds[i]) and not negated_form(fold, folds[i], prefixes):
                    found.setdefault(vids[i], score / 100.0)
        key = sound_key(fold, self.lm.language)
        if key:
            for vid in self.by_sound.get(key, ()):
                if not negated_form(fold, self.vocab_folds[vid], self._negating_prefixes):
                    found.setdefault(vid, SOUND)
        result = tuple(found.items())
        self._token_cache[word] = result
        return result

    def _joined_matches(self, joined: str) -> tuple[tuple[int, float], ...]:
        cached = self._join_cache.get(joined)
        if cached is not None:
            return cached
        found: dict[int, float] = {}
        vid = self.vocab.get(joined)
        if vid is not None:
            found[vid] = EXACT
        folds, vids = self._vocab_shape().near_length(len(joined), JOIN_CUTOFF, 6)
        for _, score, i in process.extract(joined, folds, scorer=fuzz.ratio, score_cutoff=JOIN_CUTOFF, limit=None):
            found.setdefault(vids[i], score / 100.0)
        result = tuple(found.items())
        if len(self._join_cache) > 500_000:
            self._join_cache.clear()
        self._join_cache[joined] = result
        return result

    def _pair_joins(self, pair: tuple[str, str]) -> tuple[tuple[int, float], ...]:
        """What two adjacent spoken words match when joined ("any thing" for "anything")."""
        joins = self._pair_join_cache.get(pair)
        if joins is None:
            joined = self._fold(pair[0]) + self._fold(pair[1])
            joins = self._joined_matches(joined) if len(joined) >= 6 else ()
            self._pair_join_cache[pair] = joins
        return joins

    def _slot_matches(self, call: CallText, word: str, t: int) -> list[tuple[int, int, bool, float]]:
        """Where a slot value's word (a company or agent name) matches in turn t: (first word, last
        word, joined?, similarity or, for two joined words, the ratio), once per call."""
        key = (word, t)
        found = call.slot_points.get(key)
        if found is None:
            found = []
            words = call.words[t]
            folded = self._fold(word) if len(word) >= EXACT_JOIN_MIN else None
            close_joins = len(word) >= CLOSE_JOIN_MIN
            last = len(words) - 1
            for w, spoken in enumerate(words):
                sim = self.pair_similarity(word, spoken)
                if sim > 0:
                    found.append((w, w, False, sim))
                if folded is not None and w < last:
                    score = self._slot_join_score(folded, spoken + words[w + 1])
                    if score and (close_joins or score == 100.0):
                        found.append((w, w + 1, True, score))
                    elif close_joins and w < last - 1:
                        # A coined name split in three ("link a fon" for LinkaFon): closely only.
                        score = self._slot_join_score(folded, spoken + words[w + 1] + words[w + 2], sound=False)
                        if score:
                            found.append((w, w + 2, True, score))
            call.slot_points[key] = found
        return found

    def _acronym_matches(self, call: CallText, acronym: str, t: int) -> list[tuple[int, int, bool, float]]:
        """Where turn t says an abbreviation's words ("единый расчетный центр" for ЕРЦ: as many words of
        ACRONYM_WORD_MIN letters or more as it has letters, with its letters for initials) or spells it
        ("е р ц"), as joined matches that score in full."""
        key = ("\x00" + acronym, t)
        found = call.slot_points.get(key)
        if found is None:
            found = []
            letters = self._fold(acronym)
            words = call.words[t]
            k = len(letters)
            for w in range(len(words)):
                end = self._expansion_end(words, w, letters)
                if end is not None:
                    found.append((w, end, True, 100.0))
                elif w + k <= len(words) and all(len(word) == 1 for word in words[w:w + k]) \
                        and self._fold("".join(words[w:w + k])) == letters:
                    found.append((w, w + k - 1, True, 100.0))
            call.slot_points[key] = found
        return found

    def _expansion_end(self, words: list[str], w: int, letters: str) -> int | None:
        """The last word of the abbreviation's words starting at word w, or None: each letter the initial
        of a word of ACRONYM_WORD_MIN letters or more, a short word between two of them skipped
        ("Banca Popolare del Nord" for BPN)."""
        at = w
        for i, letter in enumerate(letters):
            if i and at < len(words) and len(words[at]) < ACRONYM_WORD_MIN:
                at += 1  # "del", "de", "и"
            if at >= len(words) or len(words[at]) < ACRONYM_WORD_MIN or self._fold(words[at])[0] != letter:
                return None
            at += 1
        return at - 1

    def _slot_join_score(self, folded: str, joined: str, sound: bool = True) -> float:
        """How well spoken words written as one match a name (0-100; 0: not at all): closely
        ("shop nest" for ShopNest), or (with `sound`) by their consonants, as names are what speech
        recognition garbles most ("мери ана" for Мариана)."""
        key = (folded, joined, sound)
        score = self._slot_join_cache.get(key)
        if score is None:
            if len(self._slot_join_cache) > _CACHE_LIMIT:
                self._slot_join_cache.clear()
            joined = self._fold(joined)
            score = fuzz.ratio(folded, joined)
            if score < JOIN_CUTOFF:
                consonants = sound_key(folded, self.lm.language) if sound else ""
                score = 100.0 * SOUND if consonants and consonants == sound_key(joined, self.lm.language) else 0.0
            self._slot_join_cache[key] = score
        return score

    def pair_similarity(self, formula_word: str, spoken: str) -> float:
        key = (formula_word, spoken)
        sim = self._pair_cache.get(key)
        if sim is None:
            a, b = fold_diacritics(formula_word), fold_diacritics(spoken)
            if a == b:
                sim = EXACT
            elif self.lm.lemma(formula_word) == self.lm.lemma(spoken) and _related(a, b):
                sim = LEMMA
            elif self.lm.stem(a) == self.lm.stem(b) and _related(a, b):
                sim = STEM
            elif len(a) >= 4 and len(b) >= 3:
                score = fuzz.ratio(a, b)
                close = score >= FUZZY_CUTOFF and not negated_form(a, b, self._negating_prefixes)
                sim = score / 100.0 if close else 0.0
            else:
                sim = 0.0
            if not sim:
                sound = sound_key(a, self.lm.language)
                sim = SOUND if (sound and sound == sound_key(b, self.lm.language)
                                and not negated_form(a, b, self._negating_prefixes)) else 0.0
            if len(self._pair_cache) > 200_000:
                self._pair_cache.clear()
            self._pair_cache[key] = sim
        return sim

    def prepare(self, transcript: Transcript) -> CallText:
        """Tokenise every turn once; word matches are indexed per turn when first needed.

        The same turns prepared again (a transcript whose roles were just inferred from them) share
        the tokens and indexes already built."""
        texts = tuple(turn.text for turn in transcript.turns)
        last = self._last_prepared
        if last is not None and last[0] == texts and last[1].language == self.lm.language:
            shared = copy.copy(last[1])
            shared.transcript = transcript
            return shared
        words = tokenize_many(list(texts), self.lm.language)
        call = CallText(transcript, words, self.lm.language, self._version)
        self._last_prepared = (texts, call)
        return call

    def _fold(self, word: str) -> str:
        fold = self._fold_cache.get(word)
        if fold is None:
            if len(self._fold_cache) > _CACHE_LIMIT:
                self._fold_cache.clear()
            fold = self._fold_cache[word] = fold_diacritics(word)
        return fold

    def turn_index(self, call: CallText, t: int) -> tuple[dict[int, list[tuple[int, int, float]]], dict[int, float]]:
        """Which formula words turn `t` matches: vid -> [(first_word, last_word, sim)], and vid -> best sim."""
        if call.registered != self._generation or call.vocab_version != self._version:
            self.register(call)
        points = call.turn_points[t]
        if points is not None:
            return points, call.turn_best[t]  # type: ignore[return-value]
        points = {}
        best: dict[int, float] = {}
        tokens = self._token_cache
        joins = iter(call.joins[t])
        join = next(joins, None)
        for w, word in enumerate(call.words[t]):
            matches = tokens.get(word)
            if matches is None:
                matches = self._word_matches(word)
            for vid, sim in matches:
                found = points.get(vid)
                if found is None:
                    points[vid] = [(w, w, sim)]
                    best[vid] = sim
                else:
                    found.append((w, w, sim))
                    if sim > best[vid]:
                        best[vid] = sim
            # A pair starting at this word comes after the word's own matches (the order alignment
            # ties are broken in).
            while join is not None and join[0] == w:
                vid, sim = join[1], join[2]
                found = points.get(vid)
                if found is None:
                    points[vid] = [(w, w + 1, sim)]
                    best[vid] = sim
                else:
                    found.append((w, w + 1, sim))
                    if sim > best[vid]:
                        best[vid] = sim
                join = next(joins, None)
        call.turn_points[t] = points
        call.turn_best[t] = best
        return points, best

    def scope_best(self, call: CallText, turns: Sequence[int]) -> dict[int, float]:
        """vid -> best similarity of any word in `turns`."""
        if len(turns) == 1:
            best = call.turn_best[turns[0]]
            if best is None or call.registered != self._generation or call.vocab_version != self._version:
                best = self.turn_index(call, turns[0])[1]
            return best
        key = tuple(turns)
        merged = call.scopes.get(key)
        if merged is None or call.vocab_version != self._version:
            merged = {}
            for t in turns:
                for vid, sim in self.turn_index(call, t)[1].items():
                    if sim > merged.get(vid, 0.0):
                        merged[vid] = sim
            call.scopes[key] = merged
        return merged

    def register(self, call: CallText) -> None:
        """Compare every word and pair of adjacent words of the call with the vocabulary (once), and
        index which turns match each vid."""
        if call.vocab_version != self._version:
            call.reset(self._version)
        if call.registered == self._generation:
            return
        if len(self._token_cache) > _WORD_CACHE_LIMIT or len(self._pair_join_cache) > _WORD_CACHE_LIMIT:
            # Bounded memory: caches are dropped between calls, never while a call is being compared.
            self._clear_word_caches()
        cache = self._token_cache
        vid_masks: dict[int, int] = {}
        get = vid_masks.get
        for word, mask in call.word_masks.items():
            matches = cache.get(word)
            if matches is None:
                matches = self._word_matches(word)
            for vid, _ in matches:
                vid_masks[vid] = get(vid, 0) | mask
        pairs = self._pair_join_cache
        joins: list[list[tuple[int, int, float]]] = []
        for t, words in enumerate(call.words):
            found: list[tuple[int, int, float]] = []
            if len(words) > 1:
                keys = list(zip(words, words[1:]))
                values = list(map(pairs.get, keys))
                if None in values:
                    values = [v if v is not None else self._pair_joins(k) for k, v in zip(keys, values)]
                for w, value in enumerate(values):
                    if value:
                        for vid, sim in value:
                            found.append((w, vid, sim))
                            vid_masks[vid] = get(vid, 0) | (1 << t)
            joins.append(found)
        call.joins = joins
        call.vid_masks = vid_masks
        call.registered = self._generation

    def signature(self, formula: CompiledFormula, threshold: float) -> frozenset[int] | None:
        """Vids of which a scope must match one for `formula` to reach `threshold` (None: no such set).

        The heaviest words go first: a content word ("hold", "manager") is far rarer in speech than
        "you" or "the", so few turns contain one.
        """
        key = (id(formula), threshold, "any")
        cached = self._signatures.get(key, False)
        if cached is not False:
            return cached  # type: ignore[return-value]
        result: frozenset[int] | None = None
        if formula.regex is None:
            weight: dict[int, float] = {}
            for vid, w in formula.bound_units:
                weight[vid] = weight.get(vid, 0.0) + w
            rest = formula.bound_static + sum(weight.values())
            chosen: list[int] = []
            for vid in sorted(weight, key=lambda v: (-weight[v], -len(self.vocab_folds[v]) if v >= 0 else 0)):
                if self._bound_score(formula, rest) < threshold:
                    break
                chosen.append(vid)
                rest -= weight[vid]
            if self._bound_score(formula, rest) < threshold:
                result = frozenset(chosen)
        if len(self._signatures) > _CACHE_LIMIT:
            self._signatures.clear()
        self._signatures[key] = result
        return result

    def _minimal_sets(self, formula: CompiledFormula, threshold: float, vids: list[int], weight: dict[int, float],
                      start: int, chosen: tuple[int, ...], value: float, out: list[tuple[int, ...]]) -> None:
        """Depth-first, heaviest words first: a set that reaches the threshold is not extended (its
        supersets are not minimal), a branch that cannot reach it even with every later word is cut,
        and a set is kept only if no word of it can be dropped."""
        if len(out) > _MAX_REQUIREMENT_SETS:
            return
        rest = sum(weight[v] for v in vids[start:])
        if self._bound_score(formula, value + rest) < threshold:
            return
        for i in range(start, len(vids)):
            vid = vids[i]
            subset = chosen + (vid,)
            total = value + weight[vid]
            if self._bound_score(formula, total) >= threshold:
                if all(self._bound_score(formula, total - weight[v]) < threshold for v in chosen):
                    out.append(subset)
                continue
            self._minimal_sets(formula, threshold, vids, weight, i + 1, subset, total, out)

    @staticmethod
    def _bound_score(formula: CompiledFormula, value: float) -> float:
        value = value * (1.0 + _BOUND_SLACK) + _BOUND_SLACK
        return round(min(100.0, 100.0 * value / formula.total), 1)

    def requirement(self, formula: CompiledFormula, threshold: float) -> tuple[tuple[int, ...], ...] | None:
        """The smallest sets of vids whose words, all present, could take `formula` to `threshold`
        (None: it can reach it with no word at all, or cannot be bounded, e.g. a regex).

        A turn is a candidate only if it holds every vid of one of these sets ("put you on hold" at
        80 needs put + hold + you or put + hold + on). Formulas with many distinct words fall back to
        their signature (one of its vids present), which is looser but as safe.
        """
        key = (id(formula), threshold, "sets")
        cached = self._signatures.get(key, False)
        if cached is not False:
            return cached  # type: ignore[return-value]
        result: tuple[tuple[int, ...], ...] | None
        if formula.regex is not None or self._bound_score(formula, formula.bound_static) >= threshold:
            result = None
        else:
            weight: dict[int, float] = {}
            for vid, w in formula.bound_units:
                weight[vid] = weight.get(vid, 0.0) + w
            vids = sorted(weight, key=lambda v: -weight[v])
            minimal: list[tuple[int, ...]] = []
            if len(vids) <= _MAX_REQUIREMENT_WORDS:
                self._minimal_sets(formula, threshold, vids, weight, 0, (), formula.bound_static, minimal)
            if 0 < len(minimal) <= _MAX_REQUIREMENT_SETS:
                result = tuple(minimal)
            else:
                signature = self.signature(formula, threshold)
                result = None if signature is None else tuple((v,) for v in sorted(signature))
        if len(self._signatures) > _CACHE_LIMIT:
            self._signatures.clear()
        self._signatures[key] = result  # type: ignore[assignment]
        return result

    def _list_plan(self, formulas: Sequence[CompiledFormula | None], floor: float
                   ) -> tuple[dict[int, tuple[int, ...]], tuple[int, ...]]:
        """For a list of formulas and a floor: signature vid -> indexes of the formulas it belongs to,
        and the indexes of formulas without a signature (always candidates)."""
        # A signature for a lower threshold holds for the floor too: a few levels keep plans cached.
        level = max(_SIGNATURE_STEP * (floor // _SIGNATURE_STEP), 0.05)
        key = (id(formulas), level)
        cached = self._plans.get(key)
        if cached is not None and cached[0] is formulas:
            return cached[1]
        needed: dict[int, list[int]] = {}
        always = []
        for index, formula in enumerate(formulas):
            if formula is None:
                continue
            signature = self.signature(formula, level)
            if signature is None:
                always.append(index)
                continue
            for vid in signature:
                needed.setdefault(vid, []).append(index)
        plan = ({vid: tuple(found) for vid, found in needed.items()}, tuple(always))
        if len(self._plans) > _CACHE_LIMIT:
            self._plans.clear()
        self._plans[key] = (formulas, plan)
        return plan

    def _scan_plan(self, formulas: Sequence[CompiledFormula | None], threshold: float) -> "_ScanPlan | None":
        """Every requirement set of every word formula of the list, grouped by its heaviest vid, with
        the formulas it belongs to, and the list's regex formulas apart (None: some formula needs no
        word at all).

        Sets list their heaviest (rarest) vid first, and few sets share none with the call: one look-up
        of that vid dismisses its whole group."""
        key = (id(formulas), threshold)
        cached = self._scans.get(key)
        if cached is not None and cached[0] is formulas:
            return cached[1]
        groups: dict[int, dict[tuple[int, ...], list[int]]] = {}
        regexes: list[re.Pattern[str]] = []
        regex_indexes: list[int] = []
        plan = None
        for index, formula in enumerate(formulas):
            if formula is None:
                continue
            if formula.regex is not None:
                regexes.append(formula.regex)
                regex_indexes.append(index)
                continue
            found = self.requirement(formula, threshold)
            if found is None:
                break
            for vids in found:
                owners = groups.setdefault(vids[0], {}).setdefault(vids[1:], [])
                if index not in owners:
                    owners.append(index)
        else:
            plan = _ScanPlan({vid: tuple((rest, tuple(owners)) for rest, owners in sets.items())
                              for vid, sets in groups.items()}, _joined_patterns(regexes), tuple(regex_indexes))
        if len(self._scans) > _CACHE_LIMIT:
            self._scans.clear()
        self._scans[key] = (formulas, plan)
        return plan

    def _sieve(self, formulas: Sequence[CompiledFormula | None], call: CallText, turns: Sequence[int],
               threshold: float) -> tuple[list[int], dict[int, set[int]] | None, int, tuple[int, ...]]:
        """The turns (in order) that hold all the words of one of some formula's requirement sets, or
        that a regex formula matches (it scores 100 there): no other turn can reach `threshold` (bit
        masks of turns, so a call's turns are sieved at once). Also, per turn, the formulas whose sets
        it holds (only they can reach the threshold there; None: no plan, any formula may), the turns a
        regex formula was seen to match, as a bit mask, and the indexes of the regex formulas."""
        if call.registered != self._generation or call.vocab_version != self._version:
            self.register(call)
        masks = call.vid_masks
        get = masks.get
        plan = self._scan_plan(formulas, threshold)
        if plan is None:
            return list(turns), None, 0, ()
        found = 0
        owners: dict[int, set[int]] = {}
        groups = plan.groups
        # The call's words or the list's heaviest words, whichever are fewer, are looked up in the other.
        if len(masks) < len(groups):
            present = [(head, groups[vid]) for vid, head in masks.items() if vid in groups]
        else:
            present = [(head, rests) for vid, rests in groups.items() if (head := get(vid))]
        for head, rests in present:
            for vids, indexes in rests:
                mask = head
                for vid in vids:
                    mask &= get(vid, 0)
                    if not mask:
                        break
                found |= mask
                while mask:
                    low = mask & -mask
                    t = low.bit_length() - 1
                    owned = owners.get(t)
                    if owned is None:
                        owners[t] = set(indexes)
                    else:
                        owned.update(indexes)
                    mask ^= low
        regex_found = 0
        for pattern in plan.regexes:
            search = pattern.search
            literals = _regex_literals(pattern)
            # Only turns that hold one of the literals every match contains can match.
            maybe = call.literal_turns(literals) if literals else -1
            for t in turns:
                if maybe >> t & 1 and not regex_found >> t & 1 and search(call.normalized_text(t)):
                    regex_found |= 1 << t
        found |= regex_found
        if not found:
            return [], owners, 0, plan.regex_indexes
        return [t for t in turns if found >> t & 1], owners, regex_found, plan.regex_indexes

    def candidate_turns(self, formulas: Sequence[CompiledFormula | None], call: CallText, turns: Sequence[int],
                        threshold: float) -> list[int]:
        """The turns (in order) in which one of `formulas` may reach `threshold` (see _sieve)."""
        return self._sieve(formulas, call, turns, threshold)[0]

    def candidate_formulas(self, formulas: Sequence[CompiledFormula | None], call: CallText, turn: int,
                           threshold: float) -> list[CompiledFormula]:
        """The formulas (in order) that may reach `threshold` in `turn` alone (see _sieve)."""
        candidates, owners, regex_found, regex_indexes = self._sieve(formulas, call, [turn], threshold)
        if not candidates:
            return []
        if owners is None:
            indexes: Iterable[int] = range(len(formulas))
        else:
            indexes = sorted({*owners.get(turn, ()), *(regex_indexes if regex_found >> turn & 1 else ())})
        return [f for i in indexes if (f := formulas[i]) is not None]

    def _ranked(self, formulas: Sequence[CompiledFormula | None], call: CallText, turns: Sequence[int],
                floor: float | None, only: Iterable[int] | None = None) -> list[tuple[float, int, CompiledFormula]]:
        """(-upper bound, index, formula) of the formulas (those of `only`, if given) that may reach
        `floor` in `turns`, best first."""
        scope = self.scope_best(call, turns)
        indexes: Iterable[int]
        if only is not None:
            indexes = only
        elif floor is None:
            indexes = range(len(formulas))
        else:
            # Only formulas one of whose signature words is here can reach the floor.
            plan = self._list_plan(formulas, floor)
            chosen = set(plan[1])
            needed = plan[0]
            for vid in scope:
                found = needed.get(vid)
                if found:
                    chosen.update(found)
            indexes = chosen
        ranked = []
        get = scope.get
        for index in indexes:
            formula = formulas[index]
            if formula is None:
                continue
            if formula.regex is not None:
                bound = 100.0
            else:
                value = formula.bound_static
                for vid, weight in formula.bound_units:
                    sim = get(vid)
                    if sim:
                        value += weight * sim
                bound = value * formula.bound_scale + formula.bound_shift
                if bound > 100.0:
                    bound = 100.0
                if floor is not None and bound < floor:
                    continue
            ranked.append((-bound, index, formula))
        ranked.sort(key=_RANK)
        return ranked

    def best_of(self, formulas: Sequence[CompiledFormula | None], call: CallText, turns: Sequence[int],
                floor: float | None = None, *, score_only: bool = False, only: Iterable[int] | None = None
                ) -> Match | None:
        """The best match of any of `formulas` in `turns`: the highest score, the first formula on a tie.

        Formulas are aligned in order of their upper bounds and the rest skipped once no bound can beat
        the best match; with `floor`, formulas that cannot reach it are skipped too (the caller discards
        matches below it).
        """
        if not turns:
            return None
        best: tuple[float, list[_Point] | Match] | None = None
        best_index = -1
        for negative, index, formula in self._ranked(formulas, call, turns, floor, only):
            if best is not None and (-negative < best[0] or (-negative == best[0] and index > best_index)):
                break
            aligned = self._align(formula, call, turns)
            if aligned is not None and (best is None or aligned[0] > best[0]
                                        or (aligned[0] == best[0] and index < best_index)):
                best, best_index = aligned, index
        if best is None:
            return None
        return best[0] if score_only else self._match(formulas[best_index], call, best)  # type: ignore[arg-type]

    def reaches(self, formulas: Sequence[CompiledFormula | None], call: CallText, turns: Sequence[int],
                threshold: float) -> bool:
        """Whether one of `formulas` scores at least `threshold` in `turns`: best_of() >= threshold, but
        stopping at the first formula that does, and building no Match."""
        return self._any_reaches((formula for _, _, formula in self._ranked(formulas, call, turns, threshold)),
                                 call, turns, threshold)

    def _any_reaches(self, formulas: Iterable[CompiledFormula], call: CallText, turns: Sequence[int],
                     threshold: float) -> bool:
        """Align `formulas` in turn and stop at the first that scores at least `threshold`."""
        for formula in formulas:
            aligned = self._align(formula, call, turns)
            if aligned is not None and aligned[0] >= threshold:
                return True
        return False

    def iter_reaching_turns(self, formulas: Sequence[CompiledFormula | None], call: CallText, turns: Sequence[int],
                            threshold: float, *, reverse: bool = False) -> Iterator[int]:
        """The turns of matching_turns() without their matches (last turn first with `reverse`), for
        callers that need only where a cue is said, and may stop early.

        In each candidate turn only the formulas whose requirement sets it holds are aligned (no other
        can reach the threshold there), and a regex formula's match is enough."""
        candidates, owners, regex_found, _ = self._sieve(formulas, call, turns, threshold)
        for t in reversed(candidates) if reverse else candidates:
            if owners is None:
                reached = self.reaches(formulas, call, [t], threshold)
            else:
                # The sieve searched every turn for the regex formulas: regex_found has all their matches.
                owned = (formulas[i] for i in sorted(owners.get(t, ())))
                reached = bool(regex_found >> t & 1) or self._any_reaches(owned, call, [t], threshold)  # type: ignore[arg-type]
            if reached:
                yield t

    def matching_turns(self, formulas: Sequence[CompiledFormula | None], call: CallText, turns: Sequence[int],
                       threshold: float) -> list[tuple[int, Match]]:
        """Every turn (alone) whose best match of `formulas` scores at least `threshold`."""
        found = []
        candidates, owners, _, regexes = self._sieve(formulas, call, turns, threshold)
        for t in candidates:
            only = None if owners is None else [*owners.get(t, ()), *regexes]
            match = self.best_of(formulas, call, [t], floor=threshold, only=only)
            if match is not None and match.score >= threshold:
                found.append((t, match))
        return found

    def max_turn_score(self, formulas: Sequence[CompiledFormula | None], call: CallText,
                       turns: Sequence[int]) -> float | None:
        """The highest score of `best_of(formulas, [t])` over the turns t (None if nothing matches).

        Searched level by level: the turns that can score 60 or more first; if the best of them
        reaches 60 no other turn can beat it, else the turns that can score 40, and so on.
        """
        best: float | None = None
        done: set[int] = set()
        for level in _NEAR_MISS_LEVELS:
            floor = level if level > 0 else 0.05
            for t in self.candidate_turns(formulas, call, turns, floor):
                if t in done:
                    continue
                done.add(t)
                score = self.best_of(formulas, call, [t], floor=best + 0.05 if best is not None else None,
                                     score_only=True)
                if score is not None and (best is None or score > best):  # type: ignore[operator]
                    best = score  # type: ignore[assignment]
            if best is not None and best >= level:
                break
        return best

    # --- alignment -------------------------------------------------------------------------------

    def best(self, formula: CompiledFormula, call: CallText, turns: Sequence[int]) -> Match | None:
        """The best-scoring span of `formula` within `turns` (in order), or None if nothing aligns."""
        aligned = self._align(formula, call, turns)
        return None if aligned is None else self._match(formula, call, aligned)

    def _match(self, formula: CompiledFormula, call: CallText, aligned: tuple[float, list[_Point] | Match]) -> Match:
        score, chain = aligned
        return chain if isinstance(chain, Match) else self._to_match(formula, call, chain, score)

    def _align(self, formula: CompiledFormula, call: CallText, turns: Sequence[int]
               ) -> tuple[float, list[_Point] | Match] | None:
        """best() without building the Match: (score, the chain of word matches), or None.

        The evidence text of a Match needs the words' character offsets, so only the winner of a
        comparison is turned into one."""
        if not turns:
            return None
        if formula.regex is not None:
            match = self._best_regex(formula, call, turns)
            return None if match is None else (match.score, match)
        offsets: dict[int, int] = {}
        position = 0
        for t in turns:
            offsets[t] = position
            position += len(call.words[t])
        scope_len = position
        indexed = [(t, offsets[t], self.turn_index(call, t)[0]) for t in sorted(offsets)]
        points: list[_Point] = []
        for unit in formula.units:
            for t, offset, turn_points in indexed:
                for w1, w2, sim in turn_points.get(unit.vid, ()):
                    points.append((unit.first, unit.last, offset + w1, offset + w2, unit.weight * sim, t, w1, w2))
        for i, word in formula.dynamic:
            weight = formula.weights[i]
            for t in turns:
                offset = offsets[t]
                found = self._slot_matches(call, word, t)
                if i in formula.acronyms:
                    found = found + self._acronym_matches(call, word, t)
                for w1, w2, joined, value in found:
                    # Said as it is: one word, or words that join into it ("нет уейв" for НетУейв).
                    if formula.lone_value and (value < 100.0 * STEM if joined else value < STEM):
                        continue
                    points.append((i, i, offset + w1, offset + w2, weight * value / 100 if joined else weight * value,
                                   t, w1, w2))
        if not points:
            return None
        return self._chain(formula, call, points, scope_len, turns, offsets)

    def _chain(self, formula: CompiledFormula, call: CallText, points: list[_Point], scope_len: int,
               turns: Sequence[int], offsets: dict[int, int]) -> tuple[float, list[_Point]] | None:
        found = self._best_chain(formula, call, points, scope_len, turns, 0.0)
        if found is None:
            return None
        value, chain = found
        score = round(min(100.0, 100.0 * value / formula.total), 1)
        negations = formula.negations
        if negations and not _says(chain, negations):
            score = round(score * WITHOUT_NEGATION, 1)
            if _says(points, negations):
                # The best chain that includes the negation, found by crediting its points with more
                # than any chain can score otherwise; it may beat the best chain's reduced score.
                bonus = 2.0 * formula.total
                value, negated = self._best_chain(formula, call, points, scope_len, turns, bonus)  # type: ignore[misc]
                value -= bonus * _says(negated, negations)
                with_negation = round(min(100.0, 100.0 * value / formula.total), 1)
                if with_negation > score:
                    return with_negation, negated
        return score, chain

    def _best_chain(self, formula: CompiledFormula, call: CallText, points: list[_Point], scope_len: int,
                    turns: Sequence[int], bonus: float) -> tuple[float, list[_Point]] | None:
        """The highest-valued chain of word matches in formula order (a point saying one of the
        formula's negation words valued `bonus` more), as (value, points)."""
        total = formula.total
        gaps = formula.gaps
        weights = formula.weights
        n = len(formula.words)
        penalty = GAP_PENALTY * total
        max_inserted = min(MAX_INSERTED, max(1, n // 2))
        points.sort(key=_CHAIN_ORDER)
        best_value = [0.0] * len(points)
        best_prev = [-1] * len(points)
        # A point further back than this many words cannot precede another in a chain (at most
        # max_inserted words inserted, plus up to GAP_MAX_WORDS per unknown slot skipped; a point spans
        # at most three words): those are skipped without being looked at.
        reach = max_inserted + GAP_MAX_WORDS * len(gaps) + 4
        starts = [p[_POS_FIRST] for p in points]
        stops = formula.gap_stops | call.unheard if call.unheard and gaps else formula.gap_stops
        # The scope's words, to see what an unknown slot would take (only when some words may not be).
        spoken = [w for t in turns for w in call.words[t]] if stops and gaps else None
        light = call.light_before[turns[0]] if len(turns) == 1 else self._light_before(call, turns)
        ends: list[bool] | None = None  # per word of the scope: a sentence ends after it (when first needed)
        negations = formula.negations if bonus else None
        for k, p in enumerate(points):
            p_first, p_pos, p_value = p[_F_FIRST], p[_POS_FIRST], p[_VALUE]
            if negations and _says((p,), negations):
                p_value += bonus
            lead_gap = self._edge_gap_credit(formula, range(0, p_first), p_pos) if gaps else 0.0
            if lead_gap:
                if ends is None:
                    ends = call.scope_sentence_ends(turns)
                lead_gap = self._edge_gap_credit(formula, range(0, p_first), _room_before(ends, p_pos))
            if lead_gap and spoken is not None and spoken[p_pos - 1] in stops:
                lead_gap = 0.0
            value = p_value + lead_gap
            prev = -1
            for q in range(bisect_left(starts, p_pos - reach, 0, k), k):
                o = points[q]
                if o[_F_LAST] >= p_first or o[_POS_LAST] >= p_pos:
                    continue
                inserted = p_pos - o[_POS_LAST] - 1
                # Degree words and hedges said between two of the formula's words cost nothing.
                unweighed = light[p_pos] - light[o[_POS_LAST] + 1] if light is not None and inserted else 0
                gap_words = [i for i in range(o[_F_LAST] + 1, p_first) if i in gaps] if gaps else None
                if gap_words and spoken is not None and inserted and spoken[o[_POS_LAST] + 1] in stops:
                    gap_words = None  # the slot would take another slot's value: no credit for it
                if gap_words:
                    free = GAP_MAX_WORDS * len(gap_words)
                    if inserted < len(gap_words):
                        continue
                    extra = max(0, inserted - unweighed - free)
                    if extra > max_inserted:
                        continue
                    candidate = best_value[q] + p_value + sum(weights[i] for i in gap_words) - penalty * extra
                else:
                    inserted -= unweighed
                    if inserted > max_inserted:
                        continue
                    candidate = best_value[q] + p_value - penalty * inserted
                if candidate > value:
                    value, prev = candidate, q
            best_value[k] = value
            best_prev[k] = prev
        # Close each chain with the credit for trailing unknown slots, then take the best.
        best_k, best_total = -1, 0.0
        for k, p in enumerate(points):
            trail = self._edge_gap_credit(formula, range(p[_F_LAST] + 1, n), scope_len - p[_POS_LAST] - 1) if gaps else 0.0
            if trail:
                if ends is None:
                    ends = call.scope_sentence_ends(turns)
                trail = self._edge_gap_credit(formula, range(p[_F_LAST] + 1, n), _room_after(ends, p[_POS_LAST]))
            if trail and spoken is not None and spoken[p[_POS_LAST] + 1] in stops:
                trail = 0.0
            if best_value[k] + trail > best_total:
                best_k, best_total = k, best_value[k] + trail
        if best_k < 0:
            return None
        chain = []
        k = best_k
        while k >= 0:
            chain.append(points[k])
            k = best_prev[k]
        chain.reverse()
        return best_total, chain

    @staticmethod
    def _light_before(call: CallText, turns: Sequence[int]) -> list[int] | None:
        """CallText.light_before over the scope's words (the turns' words in order)."""
        parts = [call.light_before[t] for t in turns]
        if not any(parts):
            return None
        scope = [0]
        for t, counts in zip(turns, parts):
            base = scope[-1]
            if counts is None:
                scope.extend([base] * len(call.words[t]))
            else:
                scope.extend(base + c for c in counts[1:])
        return scope

    @staticmethod
    def _edge_gap_credit(formula: CompiledFormula, skipped: range, room: int) -> float:
        """Credit for unknown slots before the first or after the last matched word, if words are there."""
        gap_words = [i for i in skipped if i in formula.gaps]
        if gap_words and len(gap_words) == len(skipped) and room >= len(gap_words):
            return sum(formula.weights[i] for i in gap_words)
        return 0.0

    def _to_match(self, formula: CompiledFormula, call: CallText, chain: list[_Point], score: float) -> Match:
        first, last = chain[0], chain[-1]
        turn_first, turn_last = first[_TURN], last[_TURN]
        pieces = []
        for t in sorted({p[_TURN] for p in chain}):
            in_turn = [p for p in chain if p[_TURN] == t]
            w1, w2 = in_turn[0][_W_FIRST], in_turn[-1][_W_LAST]
            pieces.append(self._span_text(call, t, w1, w2))
        turn = call.transcript.turns[turn_first]
        return Match(
            formula=formula.text,
            score=score,
            turn=turn_first,
            end_turn=turn_last,
            text=" / ".join(pieces),
            start_s=turn.start_s,
            word=first[_W_FIRST],
            end_word=last[_W_LAST],
        )

    @staticmethod
    def _span_text(call: CallText, t: int, w1: int, w2: int) -> str:
        text = call.transcript.turns[t].text
        spans = call.span(t)
        start, end = spans[w1][0], spans[w2][1]
        if start >= 0 and end >= 0:
            return text[start:end]
        return " ".join(call.words[t][w1 : w2 + 1])

    def _best_regex(self, formula: CompiledFormula, call: CallText, turns: Sequence[int]) -> Match | None:
        assert formula.regex is not None
        literals = _regex_literals(formula.regex)
        maybe = call.literal_turns(literals) if literals else -1
        for t in turns:
            if not maybe >> t & 1:
                continue
            normalized = call.normalized_text(t)
            m = formula.regex.search(normalized)
            if m:
                turn = call.transcript.turns[t]
                text = turn.text[m.start() : m.end()] if len(turn.text) == len(normalized) else m.group(0)
                word = len(normalize_text(turn.text[: m.start()], self.lm.language).split())
                return Match(formula.text, 100.0, t, t, text, turn.start_s, word)
        return None
