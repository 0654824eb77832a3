"""Writing tables to disk and reading them back: DataFrames in, files out (and the reverse).

Formats: CSV (one file per table), Parquet (one file per table) and one Excel workbook (one sheet per
table), each file written atomically (temp file + rename). Transcript text is untrusted: a cell that
a spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage return) is prefixed
with a quote in CSV and Excel output, and the Excel writer stores every string as text.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pandas as pd

from .tables import TABLE_NAMES

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unneutralise(value: object) -> object:
    """The inverse of neutralise, for reading our own CSV files back."""
    if isinstance(value, str) and value.startswith("'") and value[1:2] and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    return out


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temp path beside `target`, renamed over it only if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; results are shared like any other file
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


def _parquet_all(tables: Mapping[str, pd.DataFrame], out_dir: Path) -> list[Path]:
    written = []
    for name, frame in tables.items():
        target = out_dir / f"{name}.parquet"
        with atomic_path(target) as tmp:
            frame.to_parquet(tmp, engine="pyarrow", index=False)
        written.append(target)
    return written


WRITERS["parquet"] = _parquet_all

EXCEL_MAX_ROWS = 1_048_575  # data rows per sheet (Excel's limit less the header)
EXCEL_NAME = "tables.xlsx"
_STATUS_COLOURS = {"pass": ("#C6EFCE", "#006100"), "fail": ("#FFC7CE", "#9C0006"),
                   "not_applicable": ("#EDEDED", "#595959")}
_SCORE_COLUMNS = ("score", "score_final", "mean_score", "mean_score_final")


def _excel_width(frame: pd.DataFrame, column: str) -> float:
    sample = frame[column].head(2000).dropna().astype(str)
    longest = int(sample.str.len().quantile(0.95)) if len(sample) else 0
    return float(min(max(len(str(column)), longest, 6) + 2, 60))


def _format_sheet(workbook, sheet, frame: pd.DataFrame) -> None:
    n_rows, n_cols = len(frame), len(frame.columns)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(n_rows, 1), max(n_cols - 1, 0))
    for i, column in enumerate(frame.columns):
        sheet.set_column(i, i, _excel_width(frame, column))
        if not n_rows:
            continue
        if column == "status":
            for value, (fill, font) in _STATUS_COLOURS.items():
                fmt = workbook.add_format({"bg_color": fill, "font_color": font})
                sheet.conditional_format(1, i, n_rows, i, {"type": "cell", "criteria": "==",
                                                           "value": f'"{value}"', "format": fmt})
        elif column in _SCORE_COLUMNS or column == "pass_rate" or str(column).startswith("pass_rate:"):
            top = 100 if column in _SCORE_COLUMNS else 1
            sheet.conditional_format(1, i, n_rows, i, {
                "type": "3_color_scale", "min_type": "num", "min_value": 0, "min_color": "#F8696B",
                "mid_type": "num", "mid_value": top * 0.75, "mid_color": "#FFEB84",
                "max_type": "num", "max_value": top, "max_color": "#63BE7B"})
        elif column == "critical_fail":
            fmt = workbook.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "bold": True})
            sheet.conditional_format(1, i, n_rows, i, {"type": "cell", "criteria": "==", "value": "TRUE",
                                                       "format": fmt})


def _excel_all(tables: Mapping[str, pd.DataFrame], out_dir: Path) -> list[Path]:
    target = out_dir / EXCEL_NAME
    # Strings stay strings: no formulas, no hyperlinks, whatever a speaker said.
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with atomic_path(target) as tmp:
        with pd.ExcelWriter(tmp, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
            for name, frame in tables.items():
                safe = neutralise_frame(frame)
                parts = range(0, max(len(safe), 1), EXCEL_MAX_ROWS)
                for n, start in enumerate(parts, 1):
                    sheet_name = name if n == 1 else f"{name} ({n})"
                    chunk = safe.iloc[start:start + EXCEL_MAX_ROWS]
                    chunk.to_excel(writer, sheet_name=sheet_name, index=False)
                    _format_sheet(writer.book, writer.sheets[sheet_name], chunk)
    return [target]


WRITERS["xlsx"] = _excel_all


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


# Columns read back as text whatever they look like ("007" is an agent, not the number 7).
_TEXT_COLUMNS = ("call_id", "agent_id", "team", "date", "file", "speaker", "text", "message", "evidence",
                 "rule_id", "rule_name", "stage", "kind", "role", "language", "stages_found")


def read_tables(results_dir: str | Path) -> dict[str, pd.DataFrame]:
    """The tables of a results folder, from Parquet where present, else CSV; missing tables are absent."""
    folder = Path(results_dir)
    tables: dict[str, pd.DataFrame] = {}
    for name in TABLE_NAMES:
        parquet, csv = folder / f"{name}.parquet", folder / f"{name}.csv"
        if parquet.is_file():
            frame = pd.read_parquet(parquet)
        elif csv.is_file():
            frame = pd.read_csv(csv, dtype={c: str for c in _TEXT_COLUMNS}, encoding="utf-8")
            for column in frame.columns:
                if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
                    frame[column] = frame[column].map(unneutralise)
        else:
            continue
        for column in _TEXT_COLUMNS:
            if column in frame.columns:
                frame[column] = frame[column].astype(object).where(frame[column].notna(), "").astype(str)
        tables[name] = frame
    return tables
