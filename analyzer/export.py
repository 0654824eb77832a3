"""Writing tables to disk: DataFrames in, files out, each written atomically (temp file + rename).

Transcript text is untrusted: a cell that a spreadsheet would run as a formula (starting with =, +,
-, @, tab or carriage return) is prefixed with a quote in CSV and Excel output.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    return out


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temp path beside `target`, renamed over it only if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv(frame: pd.DataFrame, target: Path) -> Path:
    with atomic_path(target) as tmp:
        neutralise_frame(frame).to_csv(tmp, index=False, encoding="utf-8")
    return target


WRITERS: dict[str, Callable[[Mapping[str, pd.DataFrame], Path], list[Path]]] = {}


def _csv_all(tables: Mapping[str, pd.DataFrame], out_dir: Path) -> list[Path]:
    return [write_csv(frame, out_dir / f"{name}.csv") for name, frame in tables.items()]


WRITERS["csv"] = _csv_all


def write_tables(tables: Mapping[str, pd.DataFrame], out_dir: str | Path, formats: tuple[str, ...] = ("csv",)) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for fmt in formats:
        try:
            writer = WRITERS[fmt]
        except KeyError:
            raise ValueError(f"unknown output format {fmt!r}; choose from {', '.join(sorted(WRITERS))}") from None
        written += writer(tables, out)
    return written
