"""Fuzzy, lemma-aware formula matching: a formula and a stretch of turns in, the best aligned span out.

The formula is always the needle. Each formula word is compared with each spoken word (exact, same
lemma, same letters without diacritics, or a close spelling for words of four letters or more), and
the best in-order chain of word matches is scored against the formula's total weight, less a penalty
for words inserted inside the span. So "goodbye" never matches "bye" (a character-level
partial_ratio would call that 100), while "thank you for colling" still matches "thank you for
calling", and a greeting split across two ASR segments is found across the turn boundary.

Every distinct spoken word is compared with the pack's formula vocabulary once per process and the
result cached: call-center vocabularies are small and repetitive, so this makes matching a handful of
dictionary look-ups per word.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from .models import Match, Transcript
from .nlp import LanguageModel
from .normalize import fold_diacritics, normalize_text, token_spans
from .pack.schema import WILDCARD, RegexFormula, slots_in

EXACT = 1.0
LEMMA = 0.95
STEM = 0.9
FUZZY_CUTOFF = 78.0  # rapidfuzz ratio for one misheard word ("colling"/"calling" is 86)
JOIN_CUTOFF = 88.0  # words split by ASR ("shop nest" for "ShopNest") must be closer
STOP_WEIGHT = 0.4
GAP_PENALTY = 0.08  # share of the formula's weight lost per word inserted inside the span
MAX_INSERTED = 4  # more inserted words than this between two matched words breaks the span
# ... and short formulas must stay nearly contiguous: at most one inserted word per two formula words.
GAP_MAX_WORDS = 4  # a `{*}` or an unknown `{agent_name}` stands for 1..4 words
GAP_WEIGHT = 0.5  # such a slot proves little: it weighs like a common word, not a named one


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

    @property
    def total(self) -> float:
        return sum(self.weights)


@dataclass
class CallText:
    """A call's turns tokenised once: per turn, its words with fold and lemma and character spans."""

    transcript: Transcript
    words: list[list[str]]
    spans: list[list[tuple[int, int]]]
    normalized: list[str]
    points: dict[int, list[tuple[int, int, int, float]]] = field(default_factory=dict)
    # points[vid] -> [(turn, first_word, last_word, sim)], valid for one version of the vocabulary
    vocab_version: int = -1


@dataclass(frozen=True)
class _Point:
    f_first: int
    f_last: int
    pos_first: int  # position in the scope's word sequence
    pos_last: int
    value: float
    turn: int
    w_first: int
    w_last: int
    last_turn: int


class Matcher:
    """Matches a pack's formulas against calls in one language."""

    def __init__(self, lm: LanguageModel):
        self.lm = lm
        self.vocab: dict[str, int] = {}  # fold -> vid
        self.vocab_folds: list[str] = []
        self.by_lemma: dict[str, set[int]] = {}
        self.by_stem: dict[str, set[int]] = {}
        # Two formula words written as one ("good bye" said as "goodbye"): matched only exactly,
        # kept apart from the single words so that fuzzy look-ups never land on them.
        self.compounds: dict[str, int] = {}
        self._token_cache: dict[str, tuple[tuple[int, float], ...]] = {}
        self._join_cache: dict[str, tuple[tuple[int, float], ...]] = {}
        self._compiled: dict[tuple, CompiledFormula | None] = {}
        self._pair_cache: dict[tuple[str, str], float] = {}
        self._frozen = False
        self._version = 0

    # --- formulas ------------------------------------------------------------------------------

    def _vid(self, fold: str, lemma: str) -> int:
        vid = self.vocab.get(fold)
        if vid is None:
            self._new_word()
            vid = self.vocab[fold] = len(self.vocab_folds)
            self.vocab_folds.append(fold)
            self.by_lemma.setdefault(lemma, set()).add(vid)
            self.by_stem.setdefault(self.lm.stem(fold), set()).add(vid)
        return vid

    def _compound_vid(self, joined: str) -> int:
        vid = self.compounds.get(joined)
        if vid is None:
            self._new_word()
            vid = self.compounds[joined] = -1 - len(self.compounds)
        return vid

    def _new_word(self) -> None:
        self._version += 1
        if self._frozen:
            # A word first seen after matching started (a formula compiled late, e.g. a new slot
            # value): drop the caches so that earlier spoken words get compared with it too.
            self._token_cache.clear()
            self._join_cache.clear()

    def weight(self, word: str) -> float:
        return STOP_WEIGHT if word in self.lm.stop_words else 1.0

    def compile(self, formula: str | RegexFormula, variables: Mapping[str, str | None] | None = None) -> CompiledFormula | None:
        """Compile one formula with slots filled; None when it is nothing but unknown slots."""
        variables = variables or {}
        if isinstance(formula, RegexFormula):
            key = ("re", formula.regex)
        else:
            key = (formula, tuple(sorted((k, variables.get(k)) for k in set(slots_in(formula)))))
        if key in self._compiled:
            return self._compiled[key]
        compiled = self._compile(formula, variables)
        self._compiled[key] = compiled
        return compiled

    def _compile(self, formula: str | RegexFormula, variables: Mapping[str, str | None]) -> CompiledFormula | None:
        lang = self.lm.language
        if isinstance(formula, RegexFormula):
            pattern = re.compile(formula.regex, re.IGNORECASE)
            return CompiledFormula(formula.regex, (), (1.0,), frozenset(), (), (), pattern)
        words: list[str] = []
        weights: list[float] = []
        gaps: set[int] = set()
        dynamic: list[tuple[int, str]] = []
        display = formula
        for piece in re.split(r"(\{[^{}]*\})", formula):
            if not piece:
                continue
            if piece.startswith("{") and piece.endswith("}"):
                name = piece[1:-1]
                value = variables.get(name) if name != WILDCARD else None
                if value:
                    display = display.replace(piece, value)
                    for word, _, _ in token_spans(value, lang):
                        dynamic.append((len(words), word))
                        words.append(word)
                        weights.append(1.0)
                else:
                    gaps.add(len(words))
                    words.append(piece)
                    weights.append(GAP_WEIGHT)
                continue
            for word, _, _ in token_spans(piece, lang):
                words.append(word)
                weights.append(self.weight(word))
        if not words or len(gaps) == len(words):
            return None
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
        return CompiledFormula(display, tuple(words), tuple(weights), frozenset(gaps), tuple(units), tuple(dynamic))

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
        for vid in self.by_lemma.get(self.lm.lemma(word), ()):
            if _related(fold, self.vocab_folds[vid]):
                found.setdefault(vid, LEMMA)
        for vid in self.by_stem.get(self.lm.stem(fold), ()):
            if _related(fold, self.vocab_folds[vid]):
                found.setdefault(vid, STEM)
        if len(fold) >= 4:
            for _, score, vid in process.extract(
                fold, self.vocab_folds, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=None
            ):
                if len(self.vocab_folds[vid]) >= 4:
                    found.setdefault(vid, score / 100.0)
        result = tuple(found.items())
        if len(self._token_cache) > 500_000:
            self._token_cache.clear()
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
        for _, score, vid in process.extract(
            joined, self.vocab_folds, scorer=fuzz.ratio, score_cutoff=JOIN_CUTOFF, limit=None
        ):
            if len(self.vocab_folds[vid]) >= 6:
                found.setdefault(vid, score / 100.0)
        result = tuple(found.items())
        if len(self._join_cache) > 500_000:
            self._join_cache.clear()
        self._join_cache[joined] = result
        return result

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
                sim = score / 100.0 if score >= FUZZY_CUTOFF else 0.0
            else:
                sim = 0.0
            if len(self._pair_cache) > 200_000:
                self._pair_cache.clear()
            self._pair_cache[key] = sim
        return sim

    def prepare(self, transcript: Transcript) -> CallText:
        """Tokenise every turn once and index which formula words each spoken word matches."""
        lang = self.lm.language
        words, spans, normalized = [], [], []
        for turn in transcript.turns:
            toks = token_spans(turn.text, lang)
            words.append([t[0] for t in toks])
            spans.append([(t[1], t[2]) for t in toks])
            normalized.append(normalize_text(turn.text, lang))
        call = CallText(transcript, words, spans, normalized)
        self._index(call)
        return call

    def _index(self, call: CallText) -> None:
        words = call.words
        points: dict[int, list[tuple[int, int, int, float]]] = {}
        for t, turn_words in enumerate(words):
            for w, word in enumerate(turn_words):
                for vid, sim in self._word_matches(word):
                    points.setdefault(vid, []).append((t, w, w, sim))
                if w + 1 < len(turn_words):
                    joined = fold_diacritics(word) + fold_diacritics(turn_words[w + 1])
                    if len(joined) >= 6:
                        for vid, sim in self._joined_matches(joined):
                            points.setdefault(vid, []).append((t, w, w + 1, sim))
        call.points = points
        call.vocab_version = self._version

    # --- alignment -------------------------------------------------------------------------------

    def best(self, formula: CompiledFormula, call: CallText, turns: Sequence[int]) -> Match | None:
        """The best-scoring span of `formula` within `turns` (in order), or None if nothing aligns."""
        if not turns:
            return None
        if formula.regex is not None:
            return self._best_regex(formula, call, turns)
        if call.vocab_version != self._version:
            self._index(call)  # a formula compiled after this call was indexed brought new words
        offsets: dict[int, int] = {}
        position = 0
        for t in turns:
            offsets[t] = position
            position += len(call.words[t])
        scope_len = position
        points: list[_Point] = []
        for unit in formula.units:
            for t, w1, w2, sim in call.points.get(unit.vid, ()):
                if t in offsets:
                    points.append(_Point(unit.first, unit.last, offsets[t] + w1, offsets[t] + w2, unit.weight * sim, t, w1, w2, t))
        for i, word in formula.dynamic:
            for t in turns:
                for w, spoken in enumerate(call.words[t]):
                    sim = self.pair_similarity(word, spoken)
                    if sim > 0:
                        points.append(_Point(i, i, offsets[t] + w, offsets[t] + w, formula.weights[i] * sim, t, w, w, t))
                    if w + 1 < len(call.words[t]) and len(word) >= 6:
                        joined = spoken + call.words[t][w + 1]
                        score = fuzz.ratio(fold_diacritics(word), fold_diacritics(joined))
                        if score >= JOIN_CUTOFF:
                            points.append(_Point(i, i, offsets[t] + w, offsets[t] + w + 1, formula.weights[i] * score / 100, t, w, w + 1, t))
        if not points:
            return None
        return self._chain(formula, call, points, scope_len, turns, offsets)

    def _chain(self, formula: CompiledFormula, call: CallText, points: list[_Point], scope_len: int,
               turns: Sequence[int], offsets: dict[int, int]) -> Match | None:
        total = formula.total
        gaps = formula.gaps
        n = len(formula.words)
        penalty = GAP_PENALTY * total
        max_inserted = min(MAX_INSERTED, max(1, n // 2))
        points.sort(key=lambda p: (p.pos_first, p.f_first))
        best_value = [0.0] * len(points)
        best_prev = [-1] * len(points)
        for k, p in enumerate(points):
            lead_gap = self._edge_gap_credit(formula, range(0, p.f_first), p.pos_first)
            value = p.value + lead_gap
            prev = -1
            for q in range(k):
                o = points[q]
                if o.f_last >= p.f_first or o.pos_last >= p.pos_first:
                    continue
                inserted = p.pos_first - o.pos_last - 1
                skipped = range(o.f_last + 1, p.f_first)
                gap_words = [i for i in skipped if i in gaps]
                if gap_words:
                    free = GAP_MAX_WORDS * len(gap_words)
                    if inserted < len(gap_words):
                        continue
                    extra = max(0, inserted - free)
                    if extra > max_inserted:
                        continue
                    candidate = best_value[q] + p.value + sum(formula.weights[i] for i in gap_words) - penalty * extra
                else:
                    if inserted > max_inserted:
                        continue
                    candidate = best_value[q] + p.value - penalty * inserted
                if candidate > value:
                    value, prev = candidate, q
            best_value[k] = value
            best_prev[k] = prev
        # Close each chain with the credit for trailing unknown slots, then take the best.
        best_k, best_total = -1, 0.0
        for k, p in enumerate(points):
            trail = self._edge_gap_credit(formula, range(p.f_last + 1, n), scope_len - p.pos_last - 1)
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
        score = round(min(100.0, 100.0 * best_total / total), 1)
        return self._to_match(formula, call, chain, score)

    @staticmethod
    def _edge_gap_credit(formula: CompiledFormula, skipped: range, room: int) -> float:
        """Credit for unknown slots before the first or after the last matched word, if words are there."""
        gap_words = [i for i in skipped if i in formula.gaps]
        if gap_words and len(gap_words) == len(skipped) and room >= len(gap_words):
            return sum(formula.weights[i] for i in gap_words)
        return 0.0

    def _to_match(self, formula: CompiledFormula, call: CallText, chain: list[_Point], score: float) -> Match:
        first, last = chain[0], chain[-1]
        turn_first, turn_last = first.turn, last.turn
        pieces = []
        for t in sorted({p.turn for p in chain}):
            in_turn = [p for p in chain if p.turn == t]
            w1, w2 = in_turn[0].w_first, in_turn[-1].w_last
            pieces.append(self._span_text(call, t, w1, w2))
        turn = call.transcript.turns[turn_first]
        return Match(
            formula=formula.text,
            score=score,
            turn=turn_first,
            end_turn=turn_last,
            text=" / ".join(pieces),
            start_s=turn.start_s,
            word=first.w_first,
        )

    @staticmethod
    def _span_text(call: CallText, t: int, w1: int, w2: int) -> str:
        text = call.transcript.turns[t].text
        start, end = call.spans[t][w1][0], call.spans[t][w2][1]
        if start >= 0 and end >= 0:
            return text[start:end]
        return " ".join(call.words[t][w1 : w2 + 1])

    def _best_regex(self, formula: CompiledFormula, call: CallText, turns: Sequence[int]) -> Match | None:
        assert formula.regex is not None
        for t in turns:
            m = formula.regex.search(call.normalized[t])
            if m:
                turn = call.transcript.turns[t]
                text = turn.text[m.start() : m.end()] if len(turn.text) == len(call.normalized[t]) else m.group(0)
                word = len(normalize_text(turn.text[: m.start()], self.lm.language).split())
                return Match(formula.text, 100.0, t, t, text, turn.start_s, word)
        return None
