"""The exhaustive search that the matcher's fast paths must equal, for the equivalence tests.

Every formula is aligned in every turn (or window) it is asked about, each spoken word is compared
with the whole vocabulary (lemma, stem and fuzzy look-ups always run), each pair of adjacent words is
joined and compared, slot values are compared word by word, and a forbidden rule walks its turns one
by one. No upper bound, signature, bit mask or filter decides anything (results of pure functions
of a word or a turn are remembered, to keep the test quick). Only the alignment itself
(Matcher._chain) and the compiled formulas are shared with the fast matcher.
"""
from __future__ import annotations

from rapidfuzz import fuzz, process

from analyzer.checks import CHECKS
from analyzer.checks.base import Outcome, threshold_of
from analyzer.matching import (EXACT, FUZZY_CUTOFF, JOIN_CUTOFF, LEMMA, SOUND, STEM, CallText, Matcher, _related,
                               same_onset)
from analyzer.models import Status
from analyzer.normalize import fold_diacritics, negated_form, sound_key, token_spans
from analyzer.pack.schema import CheckType


class ReferenceCallText(CallText):
    def span(self, t):
        return [(start, end) for _, start, end in token_spans(self.transcript.turns[t].text, self.language)]


class ReferenceMatcher(Matcher):
    def __init__(self, lm):
        super().__init__(lm)
        self._words: dict[str, tuple[tuple[int, float], ...]] = {}
        self._joins: dict[str, tuple[tuple[int, float], ...]] = {}

    def prepare(self, transcript):
        words = [[w for w, _, _ in token_spans(turn.text, self.lm.language)] for turn in transcript.turns]
        return ReferenceCallText(transcript, words, self.lm.language, self._version)

    def _reference_word(self, word: str) -> tuple[tuple[int, float], ...]:
        if word not in self._words:
            self._words[word] = self._compare_word(word)
        return self._words[word]

    def _compare_word(self, word: str) -> tuple[tuple[int, float], ...]:
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
            for _, score, vid in process.extract(fold, self.vocab_folds, scorer=fuzz.ratio,
                                                 score_cutoff=FUZZY_CUTOFF, limit=None):
                if (len(self.vocab_folds[vid]) >= 4 and same_onset(fold, self.vocab_folds[vid])
                        and not negated_form(fold, self.vocab_folds[vid], self._negating_prefixes)):
                    found.setdefault(vid, score / 100.0)
        key = sound_key(fold, self.lm.language)
        for vid, other in enumerate(self.vocab_folds):
            if key and key == sound_key(other, self.lm.language) and not negated_form(fold, other, self._negating_prefixes):
                found.setdefault(vid, SOUND)
        return tuple(found.items())

    def _reference_joined(self, joined: str) -> tuple[tuple[int, float], ...]:
        if joined not in self._joins:
            self._joins[joined] = self._compare_joined(joined)
        return self._joins[joined]

    def _compare_joined(self, joined: str) -> tuple[tuple[int, float], ...]:
        found: dict[int, float] = {}
        vid = self.vocab.get(joined)
        if vid is not None:
            found[vid] = EXACT
        for _, score, vid in process.extract(joined, self.vocab_folds, scorer=fuzz.ratio,
                                             score_cutoff=JOIN_CUTOFF, limit=None):
            if len(self.vocab_folds[vid]) >= 6:
                found.setdefault(vid, score / 100.0)
        return tuple(found.items())

    def turn_index(self, call, t):
        memo = call.__dict__.setdefault("reference_index", {})
        if t not in memo:
            memo[t] = self._index_turn(call, t)
        return memo[t]

    def _index_turn(self, call, t):
        points: dict[int, list[tuple[int, int, float]]] = {}
        words = call.words[t]
        for w, word in enumerate(words):
            for vid, sim in self._reference_word(word):
                points.setdefault(vid, []).append((w, w, sim))
            if w + 1 < len(words):
                joined = fold_diacritics(word) + fold_diacritics(words[w + 1])
                if len(joined) >= 6:
                    for vid, sim in self._reference_joined(joined):
                        points.setdefault(vid, []).append((w, w + 1, sim))
        return points, {vid: max(p[2] for p in found) for vid, found in points.items()}

    def _slot_matches(self, call, word, t):
        found = []
        words = call.words[t]
        for w, spoken in enumerate(words):
            sim = self.pair_similarity(word, spoken)
            if sim > 0:
                found.append((w, w, False, sim))
            if w + 1 < len(words) and len(word) >= 6:
                score = fuzz.ratio(fold_diacritics(word), fold_diacritics(spoken + words[w + 1]))
                if score >= JOIN_CUTOFF:
                    found.append((w, w + 1, True, score))
        return found

    def best_of(self, formulas, call, turns, floor=None, *, score_only=False):
        best = None
        for formula in formulas:
            if formula is None:
                continue
            match = self.best(formula, call, turns)
            if match and (best is None or match.score > best.score):
                best = match
                if best.score >= 100.0:
                    break
        if score_only:
            return None if best is None else best.score
        return best

    def iter_matching_turns(self, formulas, call, turns, threshold, *, reverse=False):
        hits = []
        for t in turns:
            match = self.best_of(formulas, call, [t])
            if match and match.score >= threshold:
                hits.append((t, match))
        return iter(hits[::-1] if reverse else hits)

    def matching_turns(self, formulas, call, turns, threshold):
        return list(self.iter_matching_turns(formulas, call, turns, threshold))

    def max_turn_score(self, formulas, call, turns):
        scores = [m.score for t in turns if (m := self.best_of(formulas, call, [t])) is not None]
        return max(scores) if scores else None


def reference_forbidden(ctx, rule, turns) -> Outcome:
    """The forbidden check turn by turn: the first turn that says a formula unexcused fails it."""
    threshold = threshold_of(ctx, rule, forbidden=True)
    exception_threshold = threshold_of(ctx, rule)
    spec = rule.rule
    closest = None
    for t in turns:
        match = ctx.best(spec.any_of or [], [t])
        if match is None:
            continue
        if match.score >= threshold:
            if spec.exceptions:
                excuse = ctx.best(spec.exceptions, [t])
                if excuse and excuse.score >= exception_threshold:
                    continue
            return Outcome(Status.FAIL, match.score, match,
                           values={"found": match.text, "suggest": spec.suggest or "", "threshold": threshold})
        if closest is None or match.score > closest.score:
            closest = match
    return Outcome(Status.PASS, closest.score if closest else 0.0, None, evidence="",
                   values={"suggest": spec.suggest or "", "threshold": threshold})


class reference_checks:
    """Context manager: the forbidden check runs turn by turn while it is active."""

    def __enter__(self):
        self._saved = CHECKS[CheckType.FORBIDDEN]
        CHECKS[CheckType.FORBIDDEN] = reference_forbidden
        return self

    def __exit__(self, *exc):
        CHECKS[CheckType.FORBIDDEN] = self._saved
