"""Masking personal data in spoken text: a string in, the same string with sensitive spans masked out.

What is masked (the `--redact` option applies this to evidence, messages, turns, the report and `show`):

- payment card numbers: 13-19 digits that pass the Luhn check -> ``[CARD]``
- phone numbers: 9-15 digits (7-15 after a ``+`` or a spoken "plus"), and 7-digit local numbers
  written ``123-45-67`` / ``123-4567`` -> ``[PHONE]``
- e-mail addresses, written (``anna.b@example.com``) or spoken as ASR writes them ("anna dot b at
  example dot com", "собака", "маймунка", "chiocciola", "arond") -> ``[EMAIL]``
- IBANs, with or without spaces, that pass the mod-97 check or have their country's length -> ``[IBAN]``

Speech recognition writes numbers as digits, as digit groups ("4111 1111 ..."), or as words ("four
one one one", "сорок пять", "quarantacinque", "patruzeci și cinci", "четиридесет и пет"), often
mixed. Every number word of English, Russian, Bulgarian, Italian and Romanian (units, teens, tens,
hundreds, "double"/"triple") is read as digits, runs of numbers separated only by spaces or
punctuation are joined, and the longest stretches of a run that look like a card or a phone number
are masked. A number that passes neither test (an amount, a date, a short order number) is kept.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

CARD, PHONE, EMAIL, IBAN = "[CARD]", "[PHONE]", "[EMAIL]", "[IBAN]"

# --- number words -------------------------------------------------------------------------------
# kind U: a unit (0-9) that may be followed by a hundred multiplier or close a tens word;
# T: a closed number below 100 (teens, "quarantacinque"); X: tens, which a unit may follow;
# H: closed hundreds ("четыреста", "trecento"); M: a hundred multiplier ("hundred", "sute").

_UNITS = {
    0: "zero oh nought ноль нуль нула",
    1: "one один одна одно едно един една uno unu unul",
    2: "two два две due doi două",
    3: "three три tre trei",
    4: "four четыре четири quattro patru",
    5: "five пять пет cinque cinci",
    6: "six шесть шест sei șase",
    7: "seven семь седем sette șapte",
    8: "eight восемь осем otto opt",
    9: "nine девять девет nove nouă",
}
_TEENS = {
    10: "ten десять десет dieci zece",
    11: "eleven одиннадцать единадесет единайсет undici unsprezece unșpe",
    12: "twelve двенадцать дванадесет дванайсет dodici doisprezece douăsprezece doișpe",
    13: "thirteen тринадцать тринадесет тринайсет tredici treisprezece treișpe",
    14: "fourteen четырнадцать четиринадесет четиринайсет quattordici paisprezece patrusprezece paișpe",
    15: "fifteen пятнадцать петнадесет петнайсет quindici cincisprezece cincișpe",
    16: "sixteen шестнадцать шестнадесет шестнайсет sedici șaisprezece șaișpe",
    17: "seventeen семнадцать седемнадесет седемнайсет diciassette șaptesprezece șaptișpe",
    18: "eighteen восемнадцать осемнадесет осемнайсет diciotto optsprezece optișpe",
    19: "nineteen девятнадцать деветнадесет деветнайсет diciannove nouăsprezece nouășpe",
}
_TENS = {
    20: "twenty двадцать двадесет двайсет venti douăzeci",
    30: "thirty тридцать тридесет трийсет trenta treizeci",
    40: "forty fourty сорок четиридесет четирсет четирийсет quaranta patruzeci",
    50: "fifty пятьдесят петдесет cinquanta cincizeci",
    60: "sixty шестьдесят шестдесет шейсет sessanta șaizeci",
    70: "seventy семьдесят седемдесет settanta șaptezeci",
    80: "eighty восемьдесят осемдесет ottanta optzeci",
    90: "ninety девяносто деветдесет novanta nouăzeci",
}
_HUNDREDS = {
    100: "сто cento",
    200: "двести двеста duecento",
    300: "триста trecento",
    400: "четыреста четиристотин quattrocento",
    500: "пятьсот петстотин cinquecento",
    600: "шестьсот шестстотин seicento",
    700: "семьсот седемстотин settecento",
    800: "восемьсот осемстотин ottocento",
    900: "девятьсот деветстотин novecento",
}
_HUNDRED_MULTIPLIERS = "hundred sută sute"
_REPEATS = {"double": 2, "triple": 3}
# Words that join parts of one number: "one hundred and five", "четиридесет и пет", "patruzeci și cinci".
_JOINER_WORDS = ("and", "и", "și")
_PLUS_SPOKEN = ("plus", "плюс", "più")
# Italian writes 21-99 as one word: venti + uno -> ventuno, trenta + otto -> trentotto, + tre -> ventitré.
_IT_TENS = {20: "venti", 30: "trenta", 40: "quaranta", 50: "cinquanta", 60: "sessanta", 70: "settanta",
            80: "ottanta", 90: "novanta"}
_IT_UNITS = {1: "uno", 2: "due", 3: "tre", 4: "quattro", 5: "cinque", 6: "sei", 7: "sette", 8: "otto", 9: "nove"}


@functools.lru_cache(maxsize=65536)
def _fold(word: str) -> str:
    """Casefold; Latin letters lose their diacritics (ASR and keyboards drop them), Cyrillic keeps й."""
    word = word.casefold().replace("ё", "е").replace("ş", "ș").replace("ţ", "ț")
    out = []
    for ch in word:
        if "a" <= unicodedata.normalize("NFD", ch)[0] <= "z":
            ch = unicodedata.normalize("NFD", ch)[0]
        out.append(ch)
    return "".join(out)


def _number_words() -> dict[str, tuple[str, int]]:
    words: dict[str, tuple[str, int]] = {}
    for kind, table in (("U", _UNITS), ("T", _TEENS), ("X", _TENS), ("H", _HUNDREDS)):
        for value, names in table.items():
            for name in names.split():
                words[_fold(name)] = (kind, value)
    for name in _HUNDRED_MULTIPLIERS.split():
        words[_fold(name)] = ("M", 100)
    for tens, stem in _IT_TENS.items():
        for unit, unit_word in _IT_UNITS.items():
            base = stem[:-1] if unit_word[0] in "uo" else stem  # elision: ventuno, trentotto
            words[_fold(base + unit_word)] = ("T", tens + unit)
    return words


_WORDS = _number_words()
# Number words as tokens carry them: folded, and as written in the tables (with their diacritics).
_NUMBER_WORDS = frozenset(_WORDS) | frozenset(
    name.casefold() for table in (_UNITS, _TEENS, _TENS, _HUNDREDS) for names in table.values() for name in names.split()
) | frozenset(_HUNDRED_MULTIPLIERS.casefold().split())
_DIGIT_RE = re.compile(r"\d")
_JOINERS = {_fold(w) for w in _JOINER_WORDS}
_PLUS_WORDS = {_fold(w) for w in _PLUS_SPOKEN}
_TOKEN_RE = re.compile(r"\+|\d+|[^\W\d_]+", re.UNICODE)
# What may stand between two parts of one spoken or written number.
_GAP_RE = re.compile(r"[\s,.\-–—()/]*")
_LOCAL_PHONE_RE = re.compile(r"^\d{3}[-\s.]\d{2}[-\s.]\d{2}$|^\d{3}[-.]\d{4}$")


@dataclass(frozen=True)
class _Group:
    """One number as spoken or written ("4111", "сорок пять", "double five"): its digits and text span."""

    digits: str
    start: int
    end: int
    plus: bool = False  # preceded by "+" or a spoken "plus"


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _classify(groups: list[_Group], text: str, kind: str) -> bool:
    digits = "".join(g.digits for g in groups)
    n = len(digits)
    if kind == CARD:
        return 13 <= n <= 19 and _luhn(digits)
    if groups[0].plus and 7 <= n <= 15 or 9 <= n <= 15:
        return True
    return n == 7 and _LOCAL_PHONE_RE.match(text[groups[0].start:groups[-1].end]) is not None


class _Parser:
    """Turns a run of number tokens into groups: "four hundred ninety five" -> 495, "five five" -> 5, 5."""

    def __init__(self) -> None:
        self.groups: list[_Group] = []
        self.value: int | None = None
        self.start = self.end = 0
        self.can: set[str] = set()
        self.plus = False
        self.repeat = 1

    def flush(self) -> None:
        if self.value is not None:
            self.groups.append(_Group(str(self.value) * self.repeat, self.start, self.end, self.plus))
            self.plus, self.repeat = False, 1
        self.value = None
        self.can = set()

    def begin(self, value: int, start: int, end: int, can: set[str]) -> None:
        self.flush()
        self.value, self.start, self.end, self.can = value, start, end, can

    def add(self, kind: str, value: int, start: int, end: int) -> None:
        if kind in self.can and self.value is not None and self.repeat == 1:
            self.value = self.value * 100 if kind == "M" else self.value + value
            self.end = end
            self.can = {"U"} if kind == "X" else ({"X", "T", "U"} if kind == "M" else set())
            return
        repeat = self.repeat
        self.flush()
        self.repeat = repeat
        follow = {"U": {"M"}, "T": set(), "X": {"U"}, "H": {"X", "T", "U"}, "M": {"X", "T", "U"}}[kind]
        if kind == "U" and value == 0:
            follow = set()
        self.value, self.start, self.end, self.can = value, start, end, follow

    def digit_string(self, digits: str, start: int, end: int) -> None:
        repeat = self.repeat
        self.flush()
        self.groups.append(_Group(digits * repeat, start, end, self.plus))
        self.plus, self.repeat = False, 1


def _runs(text: str) -> list[list[_Group]]:
    """Runs of numbers separated only by spaces, punctuation or joiner words."""
    runs: list[list[_Group]] = []
    parser = _Parser()
    last_end: int | None = None
    pending_plus = False
    for m in _TOKEN_RE.finditer(text):
        token = m.group()
        folded = _fold(token)
        kind: str | None = None
        if token.isdigit():
            kind = "D"
        elif token == "+" or folded in _PLUS_WORDS:
            kind = "P"
        elif folded in _WORDS:
            kind = "W"
        elif folded in _REPEATS:
            kind = "R"
        elif folded in _JOINERS:
            kind = "J"
        contiguous = last_end is not None and _GAP_RE.fullmatch(text, last_end, m.start()) is not None
        if kind is None or not contiguous and kind in ("W", "D", "J", "R", "P"):
            parser.flush()
            if parser.groups:
                runs.append(parser.groups)
            if parser.groups or parser.plus or parser.repeat != 1:
                parser = _Parser()  # an untouched one (most words are no number) serves again
            last_end = None
            if kind is None:
                pending_plus = False
                continue
        if kind == "J":
            if parser.groups or parser.value is not None:
                last_end = m.end()
            continue
        if kind == "P":
            pending_plus = True
            last_end = m.end()
            continue
        if pending_plus:
            parser.flush()
            parser.plus = True
            pending_plus = False
        if kind == "R":
            parser.flush()
            parser.repeat = _REPEATS[folded]
            parser.start = m.start()
        elif kind == "D":
            parser.digit_string(token, m.start(), m.end())
        else:
            word_kind, value = _WORDS[folded]
            parser.add(word_kind, value, m.start(), m.end())
        last_end = m.end()
    parser.flush()
    if parser.groups:
        runs.append(parser.groups)
    return runs


def may_say_number(text: str, words: list[str]) -> bool:
    """Whether a turn (its text and its tokens) may hold a number: a digit, or a number word ("oh",
    "нула", "șase" or "sase"). A cheap test before spoken_numbers()."""
    if _DIGIT_RE.search(text) is not None or not _NUMBER_WORDS.isdisjoint(words):
        return True
    # Number words joined by hyphens are one token ("oh-eight-seven").
    return any(not _NUMBER_WORDS.isdisjoint(w.split("-")) for w in words if "-" in w)


def spoken_numbers(text: str) -> list[tuple[str, int, int]]:
    """Each number of `text` however it is said ("0888 412 309", "нула, осем, осем"): its digits and
    its character span."""
    return [("".join(g.digits for g in run), run[0].start, run[-1].end) for run in _runs(text)]


def _number_spans(text: str) -> list[tuple[int, int, str]]:
    """Cards first (the longest Luhn-valid stretch of each run), then phones in what is left."""
    spans = []
    for run in _runs(text):
        free = [True] * len(run)
        for kind in (CARD, PHONE):
            i = 0
            while i < len(run):
                for j in range(len(run), i, -1):
                    if all(free[i:j]) and _classify(run[i:j], text, kind):
                        spans.append((*_span(text, run[i].start, run[j - 1].end), kind))
                        free[i:j] = [False] * (j - i)
                        i = j
                        break
                else:
                    i += 1
    return spans


def _span(text: str, start: int, end: int) -> tuple[int, int]:
    """Take in a "+" or a spoken "plus" just before a number, and "(" when the ")" is inside it."""
    m = re.search(r"(?:\+|\b(?:plus|плюс|più)\b)\s*\(?\s*$|\(\s*$", text[:start], re.IGNORECASE)
    if m and ("(" not in m.group() or ")" in text[start:end]):
        return m.start(), end
    return start, end


# --- e-mail -------------------------------------------------------------------------------------
_EMAIL_RE = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+", re.UNICODE)
_AT_WORDS = r"(?:at|эт|собака|собачка|маймунка|кльомба|chiocciola|arond|a\s+rond)"
_DOT_WORDS = r"(?:dot|точка|дот|punto|punct)"
_SPOKEN_WORD = r"[^\W_]+"
# "anna dot smith at example dot com", "ivan собака mail точка ru", "mario chiocciola libero punto it".
_SPOKEN_EMAIL_RE = re.compile(
    rf"\b{_SPOKEN_WORD}(?:\s*(?:{_DOT_WORDS}|[._\-])\s*{_SPOKEN_WORD})*\s+{_AT_WORDS}\s+"
    rf"{_SPOKEN_WORD}(?:(?:\s+{_DOT_WORDS}\s+|\.){_SPOKEN_WORD})+\b",
    re.IGNORECASE | re.UNICODE,
)
_TLDS = {"com", "net", "org", "ru", "bg", "it", "ro", "uk", "eu", "de", "info", "biz", "io", "ком", "ру", "бг"}


def _email_spans(text: str) -> list[tuple[int, int, str]]:
    spans = [(m.start(), m.end(), EMAIL) for m in _EMAIL_RE.finditer(text)]
    for m in _SPOKEN_EMAIL_RE.finditer(text):
        tld = re.split(rf"\s+{_DOT_WORDS}\s+|\.", m.group(), flags=re.IGNORECASE)[-1]
        if _fold(tld) in _TLDS:  # a domain ending keeps "meet me at home" untouched
            spans.append((m.start(), m.end(), EMAIL))
    return spans


# --- IBAN ---------------------------------------------------------------------------------------
IBAN_LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20,
    "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IT": 27, "LT": 20,
    "LU": 20, "LV": 21, "MD": 24, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "RS": 22,
    "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TR": 26, "UA": 29,
}
_IBAN_RE = re.compile(r"\b[A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]){10,30}")


def _iban_valid(compact: str) -> bool:
    moved = compact[4:] + compact[:4]
    try:
        return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1
    except ValueError:
        return False


def _iban_spans(text: str) -> list[tuple[int, int, str]]:
    spans = []
    for m in _IBAN_RE.finditer(text):
        chars = [(i, ch) for i, ch in enumerate(m.group(), m.start()) if ch.isalnum()]
        country = m.group()[:2]
        lengths = [IBAN_LENGTHS[country.upper()]] if country.upper() in IBAN_LENGTHS else range(30, 14, -1)
        for length in lengths:
            if len(chars) < length:
                continue
            compact = "".join(ch for _, ch in chars[:length]).upper()
            # The checksum, or (for a misheard digit) the country's exact length in capitals.
            if _iban_valid(compact) or (country.isupper() and country in IBAN_LENGTHS):
                spans.append((m.start(), chars[length - 1][0] + 1, IBAN))
                break
    return spans


# --- putting it together ------------------------------------------------------------------------
def find(text: str) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, mask) spans, in text order; earlier kinds win overlaps."""
    chosen: list[tuple[int, int, str]] = []
    for spans in (_email_spans(text), _iban_spans(text), _number_spans(text)):
        for start, end, kind in spans:
            if all(end <= s or start >= e for s, e, _ in chosen):
                chosen.append((start, end, kind))
    return sorted(chosen)


def redact(text: str) -> str:
    """The text with every card number, phone number, e-mail address and IBAN replaced by its mask."""
    if not isinstance(text, str) or not text:
        return text
    out, pos = [], 0
    for start, end, kind in find(text):
        out += [text[pos:start], kind]
        pos = end
    out.append(text[pos:])
    return "".join(out)
