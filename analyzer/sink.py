"""Result tables assembled from per-file outputs: FileOutputs in (in file order), table files out.

The rows of each call arrive as CSV fragments and are appended to the table files as they come;
only a small summary of each call (for agents, teams and the run summary) and per-rule counts stay
in memory, so 100,000 calls need about as much memory as 1,000. CSV is written straight to the
results folder (through temporary names renamed at the end); Parquet and Excel are converted from
it once the run is complete.
"""
from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .batch import ROW_TABLES, CallOutput, FileOutput
from .models import Severity
from .rowformat import COLUMN_TYPES, header, neutralise, render_rows
from .runner import unique_call_id

# What the group tables and the summary need of each call (a small tuple per call is kept).
SUMMARY_COLUMNS = ("call_id", "agent_id", "team", "date", "score", "score_final", "critical_fail",
                   "missing_greeting", "missing_closing")


@dataclass
class RunSummary:
    """The run's figures for the terminal summary and the exit code."""

    n_calls: int = 0
    n_errors: int = 0
    mean_score: float | None = None
    missing_greeting: int = 0
    missing_closing: int = 0
    critical: int = 0
    failed_rules: list[tuple[str, int]] = field(default_factory=list)  # most failed first
    worst: Severity | None = None  # most severe failed rule
    written: list[Path] = field(default_factory=list)
    tables: dict[str, Any] | None = None  # every table as a DataFrame, when asked for (reports)
    n_checked: int | None = None  # with a history store: files checked in this run ...
    n_reused: int | None = None  # ... and files whose output the store already held


@dataclass
class RunTally:
    """What a run's aggregates need of its calls: a summary row per call, per (agent_id, team, rule)
    counts (findings, applicable, passed), failures per rule, the worst failed severity, read errors.
    A single-machine run keeps one; each Dask partition sends its own back to be merged."""

    calls: list[tuple[Any, ...]] = field(default_factory=list)
    counts: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)
    failed: Counter = field(default_factory=Counter)
    worst: int = -1
    n_errors: int = 0

    def add_call(self, call: CallOutput) -> None:
        row = call.call
        self.calls.append(tuple(row.get(c) for c in SUMMARY_COLUMNS))
        key = (str(row.get("agent_id", "")), str(row.get("team", "")))
        for rule, (n, applicable, passed) in call.rules.items():
            counts = self.counts.setdefault((*key, rule), [0, 0, 0])
            counts[0] += n
            counts[1] += applicable
            counts[2] += passed
            if applicable > passed:
                self.failed[rule] += applicable - passed
        self.worst = max(self.worst, call.worst)

    def merge(self, other: "RunTally", new_ids: dict[int, str] | None = None) -> None:
        """Add another tally's calls after these ones; `new_ids`: position -> call_id for renamed calls."""
        for position, row in enumerate(other.calls):
            new_id = new_ids.get(position) if new_ids else None
            self.calls.append((new_id, *row[1:]) if new_id else row)
        for key, (n, applicable, passed) in other.counts.items():
            total = self.counts.setdefault(key, [0, 0, 0])
            total[0] += n
            total[1] += applicable
            total[2] += passed
        self.failed.update(other.failed)
        self.worst = max(self.worst, other.worst)
        self.n_errors += other.n_errors

    def calls_frame(self) -> Any:
        """The calls' summary rows as a typed DataFrame (for group_tables and summary)."""
        import pandas as pd

        from .tables import typed

        return typed(pd.DataFrame(self.calls, columns=list(SUMMARY_COLUMNS)), "calls")

    def group_tables(self, calls: Any) -> dict[str, Any]:
        """The agents and teams tables."""
        import pandas as pd

        from .tables import AGENTS_COLUMNS, COUNT_COLUMNS, TEAMS_COLUMNS, group_table

        counts = pd.DataFrame([(*k, *v) for k, v in self.counts.items()],
                              columns=["agent_id", "team", "rule_name", *COUNT_COLUMNS])
        return {"agents": group_table(calls, None, ["agent_id", "team"], AGENTS_COLUMNS, counts=counts),
                "teams": group_table(calls, None, ["team"], TEAMS_COLUMNS, counts=counts)}

    def summary(self, calls: Any, written: list[Path]) -> RunSummary:
        import pandas as pd

        summary = RunSummary(n_calls=len(calls), n_errors=self.n_errors, written=written)
        if len(calls):
            summary.mean_score = float(calls["score"].mean())
            summary.missing_greeting = int(calls["missing_greeting"].sum())
            summary.missing_closing = int(calls["missing_closing"].sum())
            summary.critical = int(calls["critical_fail"].sum())
        if self.failed:
            # Most failed first, ties as value_counts orders the failed findings (first failure first).
            failed = pd.Series(list(self.failed.elements())).value_counts()
            summary.failed_rules = [(str(k), int(v)) for k, v in failed.items()]
        summary.worst = {s.rank: s for s in Severity}.get(self.worst)
        return summary


class TableSink:
    """Receives FileOutputs in file order and writes the tables of a results folder."""

    def __init__(self, out_dir: str | Path, formats: Iterable[str] = ("csv",)):
        from .tables import CALLS_COLUMNS, ERRORS_COLUMNS, FINDINGS_COLUMNS, STAGES_COLUMNS, TURNS_COLUMNS

        self.out = Path(out_dir)
        self.out.mkdir(parents=True, exist_ok=True)
        self.formats = tuple(formats)
        self._tmp = Path(tempfile.mkdtemp(prefix=".callqa-", dir=self.out))
        self.columns = {"findings": list(FINDINGS_COLUMNS), "calls": list(CALLS_COLUMNS),
                        "stages": list(STAGES_COLUMNS), "turns": list(TURNS_COLUMNS), "errors": list(ERRORS_COLUMNS)}
        self._files = {name: open(self._tmp / f"{name}.csv", "w", encoding="utf-8", newline="")
                       for name in (*ROW_TABLES, "errors")}
        for name, fh in self._files.items():
            fh.write(header(self.columns[name]))
        self._seen: set[str] = set()
        self.tally = RunTally()

    def add(self, output: FileOutput) -> None:
        for call in output.calls:
            self.add_call(call)
        if output.errors:
            self.tally.n_errors += len(output.errors)
            self._files["errors"].write(render_rows("errors", output.errors, self.columns["errors"]))

    def add_call(self, call: CallOutput) -> None:
        call = _unique(call, self._seen)
        for name in ROW_TABLES:
            self._files[name].write(call.fragments[name])
        self.tally.add_call(call)

    def close(self, frames: bool = False) -> RunSummary:
        """Write agents and teams, put every table in place (in each format) and sum the run up;
        with `frames`, also return every table as a DataFrame."""
        from .export import write_tables
        from .tables import TABLE_NAMES

        for fh in self._files.values():
            fh.close()
        calls = self.tally.calls_frame()
        groups = self.tally.group_tables(calls)
        written: list[Path] = []
        tables = None
        try:
            if "csv" in self.formats:
                for name in (*ROW_TABLES, "errors"):
                    target = self.out / f"{name}.csv"
                    os.replace(self._tmp / f"{name}.csv", target)
                    written.append(target)
                written += write_tables(groups, self.out, ("csv",))
            others = tuple(f for f in self.formats if f != "csv")
            if others or frames:
                loaded = {**self.frames(), **groups}
                tables = {name: loaded[name] for name in TABLE_NAMES if name in loaded}
            if others:
                written += write_tables(tables, self.out, others)  # type: ignore[arg-type]
        finally:
            shutil.rmtree(self._tmp, ignore_errors=True)
        summary = self.tally.summary(calls, written)
        summary.tables = tables
        return summary

    def abort(self) -> None:
        for fh in self._files.values():
            fh.close()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def frames(self) -> dict[str, Any]:
        """The row tables as DataFrames (read back from the CSV just written), for formats and reports
        that need a whole table at once."""
        return read_row_tables(self._tmp if (self._tmp / "findings.csv").exists() else self.out)


def read_row_tables(folder: Path) -> dict[str, Any]:
    """findings, calls, stages, turns and errors of `folder` as typed DataFrames, read from our CSV:
    every value as it was before it was written (text as text, empty numbers as missing)."""
    return {name: read_row_table(folder / f"{name}.csv", name) for name in (*ROW_TABLES, "errors")
            if (folder / f"{name}.csv").is_file()}


def read_row_table(path: Path, table: str) -> Any:
    import pandas as pd

    from .export import unneutralise
    from .tables import typed

    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    kinds = COLUMN_TYPES.get(table, {})
    for column in frame.columns:
        kind = kinds.get(column)
        if kind is None:
            frame[column] = frame[column].map(unneutralise).astype(str)
        elif kind == "bool":
            frame[column] = frame[column] == "True"
        else:
            frame[column] = pd.to_numeric(frame[column].where(frame[column] != "", None))
    return typed(frame, table)


def _unique(call: CallOutput, seen: set[str]) -> CallOutput:
    new_id = unique_call_id(call.call_id, seen)
    if new_id == call.call_id:
        return call
    fragments = {name: _rename(text, new_id) for name, text in call.fragments.items()}
    return CallOutput(new_id, fragments, {**call.call, "call_id": new_id}, call.rules, call.worst)


def _rename(fragment: str, call_id: str) -> str:
    """The same CSV rows with the first column (call_id) replaced."""
    first = neutralise(call_id)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([first, *row[1:]] for row in csv.reader(io.StringIO(fragment)))
    return out.getvalue()
