"""Literal text that every match of a regular expression contains, to skip turns it cannot match.

A pack's regex formulas are searched in every turn of a scope, and almost none matches: "whatever",
"that's all" or a weekday is rarely said. `required_literals()` reads a pattern's syntax tree and
returns strings of which any match contains at least one ("\\bwhy (?:\\w+ ){0,4}(?:nobody|no one)"
needs "why " or "nobody" or "no one"); a turn holding none of them is not searched. The strings
are exact, not heuristics: the sieve gives the same turns as searching every one.
"""
from __future__ import annotations

import functools
import re
from itertools import product

try:  # Python 3.11+
    from re import _constants as _c, _parser as _sre  # type: ignore[attr-defined]
except ImportError:  # Python 3.10
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _sre  # type: ignore[no-redef]

# A run of fixed pieces is expanded into at most this many strings ("no" + "body"|" one").
_MAX_STRINGS = 64
# Strings shorter than this are in nearly every turn: not worth looking for.
_MIN_USEFUL = 2
# From this length a string is rare enough in speech that a set of fewer strings is the better one.
_SELECTIVE = 4
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT, *([getattr(_c, "POSSESSIVE_REPEAT")] if hasattr(_c, "POSSESSIVE_REPEAT") else [])}
_ZERO_WIDTH = {_c.AT, _c.ASSERT, _c.ASSERT_NOT}


class _Piece:
    """What one item of a pattern tells: `exact`, the strings it can consume, if finitely few and
    known; `required`, strings of which everything it consumes or asserts contains one (None: none)."""

    __slots__ = ("exact", "required")

    def __init__(self, exact: frozenset[str] | None, required: frozenset[str] | None):
        self.exact = exact
        self.required = required

    @property
    def requirement(self) -> frozenset[str] | None:
        """The better of the two as strings every match contains one of (exact strings are too)."""
        return _better(self.exact, self.required)


_NOTHING_KNOWN = _Piece(None, None)
_EMPTY = _Piece(frozenset({""}), None)


def _better(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """The cheaper of two requirements to look for: strings of _SELECTIVE letters are rare enough,
    and then fewer strings are fewer searches; shorter strings lose to longer ones."""
    if a is None or "" in a:
        return b if b is not None and "" not in b else None
    if b is None or "" in b:
        return a
    return max(a, b, key=lambda s: (min(_SELECTIVE, min(map(len, s))), -len(s)))


def _sequence(items, ignore_case: bool) -> _Piece:
    """A concatenation: runs of exact pieces are multiplied out, and the best requirement of any
    run or item is the sequence's."""
    run: frozenset[str] = frozenset({""})
    best: frozenset[str] | None = None
    all_exact = True
    for op, av in items:
        piece = _item(op, av, ignore_case)
        if piece.exact is not None:
            if len(run) * len(piece.exact) <= _MAX_STRINGS:
                run = frozenset(a + b for a, b in product(run, piece.exact))
            else:  # too many strings: the run so far stands alone, a new one starts
                best = _better(best, run)
                all_exact = False
                run = piece.exact
        else:
            best = _better(best, run)
            best = _better(best, piece.required)
            all_exact = False
            run = frozenset({""})
        if op == _c.ASSERT:  # a lookaround's own requirement holds for the searched text too
            best = _better(best, _sequence(av[1], ignore_case).requirement)
    best = _better(best, run)
    return _Piece(run if all_exact else None, best)


def _item(op, av, ignore_case: bool) -> _Piece:
    if op == _c.LITERAL:
        return _NOTHING_KNOWN if ignore_case else _Piece(frozenset({chr(av)}), None)
    if op == _c.IN:
        # A small class of plain characters ("[ab]"); no ranges, categories or negation.
        if ignore_case or not av or any(kind != _c.LITERAL for kind, _ in av) or len(av) > 8:
            return _NOTHING_KNOWN
        return _Piece(frozenset(chr(code) for _, code in av), None)
    if op in _ZERO_WIDTH:
        return _EMPTY  # consumes nothing (a lookaround's requirement is read in _sequence)
    if op == _c.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        if add_flags & re.IGNORECASE:
            ignore_case = True
        if del_flags & re.IGNORECASE:
            ignore_case = False
        return _sequence(sub, ignore_case)
    if op == _c.BRANCH:
        _, alternatives = av
        pieces = [_sequence(alternative, ignore_case) for alternative in alternatives]
        if all(p.exact is not None for p in pieces):
            exact = frozenset().union(*(p.exact for p in pieces))  # type: ignore[misc]
            if len(exact) <= _MAX_STRINGS:
                return _Piece(exact, None)
        required = [p.requirement for p in pieces]
        if any(r is None for r in required):
            return _NOTHING_KNOWN
        return _Piece(None, frozenset().union(*required))  # type: ignore[arg-type]
    if op in _REPEATS:
        low, high, sub = av
        piece = _sequence(sub, ignore_case)
        if low == high == 1:
            return piece
        if low >= 1:
            return _Piece(None, piece.requirement)
        return _NOTHING_KNOWN
    if op == getattr(_c, "ATOMIC_GROUP", object()):
        return _Piece(None, _sequence(av, ignore_case).requirement)
    # ANY, NOT_LITERAL, CATEGORY, GROUPREF, GROUPREF_EXISTS, ...: nothing known.
    return _NOTHING_KNOWN


@functools.lru_cache(maxsize=4096)
def _literals_of(source: str, flags: int) -> tuple[str, ...] | None:
    try:
        tree = _sre.parse(source, flags)
    except Exception:  # an internal parser we read only to save time: never a reason to fail
        return None
    ignore_case = bool((flags | tree.state.flags) & re.IGNORECASE)
    found = _sequence(list(tree), ignore_case).requirement
    if found is None or min(map(len, found)) < _MIN_USEFUL:
        return None
    # A string that holds another of the set is found whenever that one is: looking for it is wasted.
    return tuple(sorted(s for s in found if not any(o != s and o in s for o in found)))


def required_literals(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """Strings of which every match of `pattern` contains one, or None when no useful set is known
    (a case-insensitive or back-referencing pattern, a class of letters, ...)."""
    if not isinstance(pattern.pattern, str):
        return None
    return _literals_of(pattern.pattern, pattern.flags)
