"""Bytes to text: BOMs, UTF-8, UTF-16 and Windows code pages, detected with charset-normalizer.

charset-normalizer takes short Cyrillic texts for other code pages (a two-line cp1251 transcript
comes out as Korean cp949), so its guess is checked: when the bytes read as ordinary Russian,
Bulgarian or Ukrainian text in cp1251 (or KOI8-R) and the guess is another Cyrillic or an
East Asian code page, the Cyrillic reading wins.
"""
from __future__ import annotations

import codecs
import re
from collections import Counter
from pathlib import Path

from .base import TranscriptReadError

_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


def decode_bytes(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Return (text, encoding name). An explicit encoding wins; otherwise BOM, UTF-8, then detection."""
    if encoding:
        try:
            return _normalise_newlines(data.decode(encoding)), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise TranscriptReadError(f"cannot decode as {encoding}: {exc}. Check --encoding.") from None
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _normalise_newlines(data.decode(name)), name
    name = _utf16_without_bom(data)
    if name:
        return _normalise_newlines(data.decode(name, errors="replace")), name
    try:
        return _normalise_newlines(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    guess = best.encoding if best is not None else None
    if guess is None or guess in _CYRILLIC_PAGES or guess in _EAST_ASIAN_PAGES:
        cyrillic = _cyrillic_reading(data, guess)
        if cyrillic is not None:
            return cyrillic
    if best is None:
        raise TranscriptReadError(
            "cannot tell the text encoding (not UTF-8, UTF-16 or a known code page); name it with --encoding"
        )
    return _normalise_newlines(str(best)), best.encoding


def decode_file(path: Path, encoding: str | None = None) -> tuple[str, str]:
    return decode_bytes(path.read_bytes(), encoding)


def _utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le"/"utf-16-be" when the bytes look like BOM-less UTF-16, else None."""
    sample = data[:4000]
    sample = sample[: len(sample) // 2 * 2]
    if len(sample) < 4:
        return None
    half = len(sample) / 2
    for name, high, low in (("utf-16-le", sample[1::2], sample[0::2]), ("utf-16-be", sample[0::2], sample[1::2])):
        # Text files never hold NUL bytes, but UTF-16 puts one in the high byte of every ASCII
        # character (spaces, digits, punctuation, newlines), and the high bytes of letters of one
        # script share a value (0x04 for Cyrillic): one lane with NULs and at most two values.
        if high.count(0) < 0.1 * half or low.count(0) > 0.05 * half:
            continue
        if sum(n for _, n in Counter(high).most_common(2)) < 0.9 * half:
            continue
        try:
            sample.decode(name)
        except UnicodeDecodeError:
            continue
        return name
    return None


_CYRILLIC_PAGES = {"cp1251", "koi8_r", "koi8_u", "cp866", "cp855", "iso8859_5", "mac_cyrillic", "kz1048", "ptcp154", "cp1125"}
_EAST_ASIAN_PAGES = {
    "cp949", "euc_kr", "johab", "cp932", "shift_jis", "shift_jis_2004", "shift_jisx0213", "euc_jp",
    "euc_jis_2004", "euc_jisx0213", "gb2312", "gbk", "gb18030", "hz", "big5", "big5hkscs", "cp950", "cp874", "tis_620",
}
# Tried in this order: cp1251 is what Windows call-center software writes for ru/bg/uk.
_CYRILLIC_CANDIDATES = ("cp1251", "koi8_r")
_VOWELS = set("аеёиоуыэюяіїєъ")  # ъ is a vowel in Bulgarian
_CYRILLIC_EXTRA = set("ёЁіІїЇєЄґҐўЎ«»—–№…“”„’‘•\u00a0")
_UPPER_RE = re.compile(r"[А-ЯЁ]")


def _cyrillic_reading(data: bytes, guess: str | None) -> tuple[str, str] | None:
    for name in _CYRILLIC_CANDIDATES:
        if name == guess:
            return None  # the detector already agrees with the first plausible reading
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        if _reads_as_cyrillic(text):
            return _normalise_newlines(text), name
    return None


def _reads_as_cyrillic(text: str) -> bool:
    """Ordinary Cyrillic prose: mostly Cyrillic letters, lower case, capitals starting words, vowels.

    A wrong Cyrillic code page swaps cases (KOI8-R read as cp1251 is mostly capitals) and an East
    Asian text read as cp1251 has capitals inside words and stray symbols, so these tests tell them apart.
    """
    letters = [c for c in text if c.isalpha()]
    cyrillic = [c for c in letters if "\u0410" <= c <= "\u044f" or c in "ёЁ"]
    if len(cyrillic) < 8 or len(cyrillic) < 0.6 * len(letters):
        return False
    stray = sum(1 for c in text if ord(c) > 127 and not "\u0410" <= c <= "\u044f" and c not in _CYRILLIC_EXTRA)
    lower = sum(c.islower() for c in cyrillic) / len(cyrillic)
    vowels = sum(c.lower() in _VOWELS for c in cyrillic) / len(cyrillic)
    capitals = [m.start() for m in _UPPER_RE.finditer(text)]
    initial = sum(1 for i in capitals if i == 0 or not text[i - 1].isalpha())
    return (
        stray <= 0.02 * len(cyrillic)
        and lower >= 0.6
        and 0.25 <= vowels <= 0.65
        and (not capitals or initial >= 0.7 * len(capitals))
    )


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
