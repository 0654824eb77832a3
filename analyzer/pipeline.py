"""A whole `callqa check` run as one library call: paths and options in, the results folder (and the
history store) out, with a summary of the run.

Files are discovered; those whose output the history store already holds (same path and content,
same rule pack, options and code) are taken from it, the others are checked on every core (batch);
all of them go, in file order, to the tables (sink), and the new ones to the store.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from .batch import CheckOptions, FileOutput, check_files
from .history import FileState, HistoryStore
from .readers import discover
from .runner import Checker
from .sink import RunSummary, TableSink


def run_check(
    paths: Sequence[str | Path],
    options: CheckOptions,
    out: str | Path,
    *,
    formats: Sequence[str] = ("csv",),
    jobs: int | None = None,
    history: str | Path | None = None,
    progress: Callable[[FileOutput], None] | None = None,
    frames: bool = False,
    checker: Checker | None = None,
) -> RunSummary:
    """Check every transcript under `paths` and write the result tables to `out`.

    With `history` (a SQLite file), files already checked with the same pack and options are not
    checked again, and the new ones are recorded. `checker`: one already built (e.g. with packs the
    caller has loaded); worker processes started by fork share it."""
    start = time.perf_counter()
    files = discover(paths)
    store = HistoryStore(history) if history else None
    sink = TableSink(out, formats)
    try:
        if store is None:
            outputs: Iterator[FileOutput] = check_files(files, options, jobs, checker)
            for output in outputs:
                sink.add(output)
                if progress:
                    progress(output)
            return sink.close(frames=frames)
        return _with_history(store, files, options, sink, jobs, progress, frames, start, str(out), checker)
    except BaseException:
        sink.abort()
        if store is not None:
            store.rollback()
        raise
    finally:
        if store is not None:
            store.close()


def _with_history(store: HistoryStore, files: Sequence[Path], options: CheckOptions, sink: TableSink,
                  jobs: int | None, progress: Callable[[FileOutput], None] | None, frames: bool, start: float,
                  out: str, checker: Checker | None) -> RunSummary:
    fingerprint = options.fingerprint()
    states = store.plan(files, fingerprint)
    run_id = store.begin_run(fingerprint, options.rules, _describe(options, jobs), out)
    todo = [s for s in states if not s.reused]
    checked = check_files([s.path for s in todo], options, jobs, checker, encode=True)
    reused = store.outputs([s for s in states if s.reused], fingerprint)
    n_calls = 0
    for state in states:
        output = next(reused) if state.reused else next(checked)
        if not state.reused and state.content_hash:
            store.store(run_id, state, fingerprint, output)
        n_calls += len(output.calls)
        sink.add(output)
        if progress:
            progress(output)
    summary = sink.close(frames=frames)
    store.finish_run(run_id, states, fingerprint, n_checked=len(todo), n_calls=n_calls,
                     n_errors=summary.n_errors, seconds=time.perf_counter() - start)
    summary.n_checked, summary.n_reused = len(todo), len(states) - len(todo)
    return summary


def _describe(options: CheckOptions, jobs: int | None) -> dict:
    return {"set": dict(options.overrides), "map": dict(options.field_map), "encoding": options.encoding,
            "spacy_model": options.spacy_model, "redact": options.redact, "jobs": jobs}


__all__ = ["run_check", "CheckOptions", "FileState"]
