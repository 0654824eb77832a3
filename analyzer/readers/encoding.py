"""Bytes to text: BOMs, UTF-8, UTF-16 and Windows code pages, detected with charset-normalizer."""
from __future__ import annotations

import codecs
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
    if _looks_utf16(data):
        name = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        return _normalise_newlines(data.decode(name, errors="replace")), name
    try:
        return _normalise_newlines(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise TranscriptReadError(
            "cannot tell the text encoding (not UTF-8, UTF-16 or a known code page); name it with --encoding"
        )
    return _normalise_newlines(str(best)), best.encoding


def decode_file(path: Path, encoding: str | None = None) -> tuple[str, str]:
    return decode_bytes(path.read_bytes(), encoding)


def _looks_utf16(data: bytes) -> bool:
    # BOM-less UTF-16 of mostly ASCII text has a NUL in every other byte.
    sample = data[:400]
    if len(sample) < 4:
        return False
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) / 2
    return max(even_nuls, odd_nuls) > 0.4 * half and min(even_nuls, odd_nuls) < 0.05 * half


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
