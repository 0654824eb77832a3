"""Table rows as CSV text: row dicts in, the exact bytes pandas writes for the same table out.

The column types of the documented tables are fixed here (`COLUMN_TYPES`), so that a table written
in chunks (by worker processes, by a Dask cluster, or reassembled from the history store) is byte
for byte the table written in one piece, whatever values a chunk happens to hold: a turn number is
always an integer, a score always a float, an absent value always an empty cell. tables.py gives its
DataFrames the same dtypes. Rendering rows directly with the csv module is several times faster than
building a DataFrame to call to_csv, and needs no pandas in the worker processes.
"""
from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# "str" text, "int" integer, "Int" integer or absent, "float" number or absent, "bool" True/False.
COLUMN_TYPES: dict[str, dict[str, str]] = {
    "findings": {"occurrence": "int", "weight": "float", "score": "float", "turn": "Int", "start_s": "float"},
    "calls": {
        "role_confidence": "float", "duration_s": "float", "n_turns": "int", "n_applicable": "int",
        "n_passed": "int", "n_failed": "int", "score": "float", "score_final": "float",
        "critical_fail": "bool", "missing_greeting": "bool", "missing_closing": "bool",
        "time_to_first_agent_s": "float", "time_to_greeting_s": "float", "n_holds": "Int",
        "hold_total_s": "float", "hold_longest_s": "float", "longest_silence_s": "float",
        "agent_talk_ratio": "float", "overtalk_count": "Int", "overtalk_s": "float",
    },
    "stages": {"occurrence": "int", "start_turn": "int", "end_turn": "int", "start_s": "float",
               "end_s": "float", "hold_s": "float"},
    "turns": {"turn": "int", "start_s": "float", "end_s": "float"},
    "errors": {"line": "Int"},
}
PANDAS_DTYPES = {"int": "int64", "Int": "Int64", "float": "float64", "bool": "bool"}

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)


def neutralise(value: object) -> object:
    """A cell a spreadsheet would run as a formula gets a leading quote (untrusted transcript text)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value: Any, kind: str | None) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if kind == "float":
        return repr(float(value))
    if kind in ("int", "Int"):
        return str(int(value))
    if kind == "bool":
        return "True" if value else "False"
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def header(columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(columns)
    return buffer.getvalue()


def render_rows(table: str, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """CSV lines (no header) of `rows`, in `columns` order, formatted by the table's column types."""
    if not rows:
        return ""
    kinds = COLUMN_TYPES.get(table, {})
    cells = [_column([row.get(c) for row in rows], kinds.get(c)) for c in columns]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(zip(*cells))
    return buffer.getvalue()


def _column(values: list[Any], kind: str | None) -> list[Any]:
    """One column's cells, converted column-wise (a comprehension per column, not a call per cell)."""
    if kind is None and all(type(v) is str for v in values):
        return [("'" + v if v[:1] in _FORMULA_FIRST else v) for v in values]
    if kind == "float" and all(type(v) is float and v == v for v in values):
        return [repr(v) for v in values]
    if kind == "int" and all(type(v) is int for v in values):
        return values
    return [_cell(v, kind) for v in values]


def frame_dtypes(table: str, columns: Iterable[str]) -> dict[str, str]:
    """The pandas dtypes that make DataFrame.to_csv write what render_rows writes."""
    kinds = COLUMN_TYPES.get(table, {})
    return {c: PANDAS_DTYPES[kinds[c]] for c in columns if c in kinds}


def arrow_table(table: str, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> Any:
    """Rows as a pyarrow Table with the table's column types (for Parquet written in parts)."""
    import pyarrow as pa

    kinds = COLUMN_TYPES.get(table, {})
    types = {"int": pa.int64(), "Int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
    schema = pa.schema([(c, types.get(kinds.get(c, ""), pa.string())) for c in columns])
    data = {c: [_arrow_value(row.get(c), kinds.get(c)) for row in rows] for c in columns}
    return pa.Table.from_pydict(data, schema=schema)


def _arrow_value(value: Any, kind: str | None) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if kind == "float":
        return float(value)
    if kind in ("int", "Int"):
        return int(value)
    if kind == "bool":
        return bool(value)
    return value if isinstance(value, str) else str(value)
