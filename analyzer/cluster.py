"""Checking an archive on a Dask cluster: transcript files in, partitioned Parquet tables out.

The files are cut into partitions of consecutive files; each partition is one task, run on a worker
that builds the rule packs once (per process) and writes its rows as OUT/<table>/part-NNNNN.parquet
(findings, calls, stages, turns, errors). Only a small summary per call comes back to the client,
which writes agents and teams and sums the run up, so the tables are those a single-machine run
writes (pd.read_parquet("OUT/findings") reads a table back, partitions in file order). Workers must
see the transcript files and OUT at the same paths (a shared file system). Without a scheduler
address the run starts a local cluster on 127.0.0.1.

    run_on_dask(files, CheckOptions("rules/en"), "results", scheduler="tcp://10.0.0.5:8786")
"""
from __future__ import annotations

import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .batch import ROW_TABLES, CheckOptions, check_file
from .rowformat import COLUMN_TYPES
from .runner import unique_call_id
from .sink import RunSummary, RunTally

PARTITION_TABLES = (*ROW_TABLES, "errors")
FILES_PER_PARTITION = 64
PART_NAME = "part-{:05d}.parquet"


@dataclass
class PartitionResult:
    """What a task sends back: per call its summary, per table its rows' call spans, rule counts."""

    index: int
    spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # table -> (first row, n rows) per call
    tally: RunTally = field(default_factory=RunTally)


_local = threading.local()


def _checker(options: CheckOptions) -> Any:
    """One Checker per worker thread and options: the packs and matchers are built once, and a
    matcher's caches are never shared between threads running tasks at the same time."""
    checkers = getattr(_local, "checkers", None)
    if checkers is None:
        checkers = _local.checkers = {}
    checker = checkers.get(options)
    if checker is None:
        checker = checkers[options] = options.checker()
    return checker


def check_partition(index: int, files: Sequence[str], options: CheckOptions, out: str) -> PartitionResult:
    """Check one partition of files and write its Parquet parts; runs on a Dask worker."""
    import pyarrow.parquet as pq

    from .batch import _mask
    from .rowformat import arrow_table
    from .tables import CALLS_COLUMNS, ERRORS_COLUMNS, FINDINGS_COLUMNS, STAGES_COLUMNS, TURNS_COLUMNS

    checker, mask = _checker(options), _mask(options)
    columns = {"findings": FINDINGS_COLUMNS, "calls": CALLS_COLUMNS, "stages": STAGES_COLUMNS,
               "turns": TURNS_COLUMNS, "errors": ERRORS_COLUMNS}
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in PARTITION_TABLES}
    result = PartitionResult(index, spans={name: [] for name in ROW_TABLES})
    for path in files:
        output = check_file(checker, path, mask, keep_rows=True)
        rows["errors"].extend(output.errors)
        result.tally.n_errors += len(output.errors)
        for call in output.calls:
            assert call.rows is not None
            result.tally.add_call(call)
            for name in ROW_TABLES:
                result.spans[name].append((len(rows[name]), len(call.rows[name])))
                rows[name].extend(call.rows[name])
    for name in PARTITION_TABLES:
        folder = Path(out) / name
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(arrow_table(name, rows[name], columns[name]), folder / PART_NAME.format(index))
    return result


def rename_calls(out: str, index: int, spans: dict[str, list[tuple[int, int]]], renames: dict[int, str]) -> None:
    """Give calls of a written partition new ids (a call_id another file used first)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    for name in ROW_TABLES:
        path = Path(out) / name / PART_NAME.format(index)
        table = pq.read_table(path)
        ids = table.column("call_id").to_pylist()
        for position, new_id in renames.items():
            first, n = spans[name][position]
            ids[first:first + n] = [new_id] * n
        table = table.set_column(table.schema.get_field_index("call_id"), "call_id", pa.array(ids, pa.string()))
        pq.write_table(table, path)


def run_on_dask(files: Sequence[str | Path], options: CheckOptions, out: str | Path, *, scheduler: str | None = None,
                client: Any = None, files_per_partition: int = FILES_PER_PARTITION, n_workers: int | None = None
                ) -> RunSummary:
    """Check `files` on a Dask cluster (the one at `scheduler`, the given `client`'s, or a local one)."""
    from distributed import Client, LocalCluster

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name in PARTITION_TABLES:
        shutil.rmtree(out / name, ignore_errors=True)  # parts of an earlier run would mix in
    own_client = own_cluster = None
    if client is None:
        if scheduler:
            client = own_client = Client(scheduler)
        else:
            own_cluster = LocalCluster(host="127.0.0.1", n_workers=n_workers, dashboard_address=None)
            client = own_client = Client(own_cluster)
    try:
        parts = [[str(p) for p in files[i:i + files_per_partition]] for i in range(0, len(files), files_per_partition)]
        futures = [client.submit(check_partition, i, part, options, str(out), pure=False) for i, part in enumerate(parts)]
        results = client.gather(futures)
        renames = _renames(results)
        if renames:
            client.gather([client.submit(rename_calls, str(out), i, results[i].spans, r, pure=False)
                           for i, r in renames.items()])
    finally:
        if own_client is not None:
            own_client.close()
        if own_cluster is not None:
            own_cluster.close()
    return _summarise(results, out, renames)


def _renames(results: list[PartitionResult]) -> dict[int, dict[int, str]]:
    """call_ids seen before in file order get '#2', '#3'... as in a single-machine run."""
    seen: set[str] = set()
    out: dict[int, dict[int, str]] = {}
    for result in results:
        for position, row in enumerate(result.tally.calls):
            cid = row[0]  # SUMMARY_COLUMNS begin with call_id
            new_id = unique_call_id(cid, seen)
            if new_id != cid:
                out.setdefault(result.index, {})[position] = new_id
    return out


def _summarise(results: list[PartitionResult], out: Path, renames: dict[int, dict[int, str]]) -> RunSummary:
    tally = RunTally()
    for result in results:
        tally.merge(result.tally, renames.get(result.index))
    calls = tally.calls_frame()
    written = [out / name for name in PARTITION_TABLES]
    for name, table in tally.group_tables(calls).items():
        target = out / f"{name}.parquet"
        table.to_parquet(target, index=False)
        written.append(target)
    return tally.summary(calls, written)


def read_partitioned(out: str | Path, table: str) -> Any:
    """A table written in parts, as one typed DataFrame in file order."""
    import pandas as pd

    from .tables import typed

    parts = sorted((Path(out) / table).glob("part-*.parquet"))
    frame = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True) if parts else pd.DataFrame()
    kinds = COLUMN_TYPES.get(table, {})
    for column in frame.columns:
        if column not in kinds:
            frame[column] = frame[column].fillna("").astype(str)
    return typed(frame, table)
