"""Checking many files on every core: transcript files in, per-file outputs (table rows as CSV
fragments plus small per-call summaries) out, in file order.

Worker processes build the rule packs and matchers once each (fork inherits the parent's, other
start methods build them in the pool initializer) and take files in chunks; at most a few chunks are
in flight per worker, so results stream to the tables and memory stays flat however many files a
run has. A worker renders its rows to CSV itself (rowformat), so the parent only appends text.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .models import CallResult, InputError, Severity, Status
from .readers import ReadOptions
from .rowformat import render_rows
from .runner import Checker

ROW_TABLES = ("findings", "calls", "stages", "turns")  # tables with rows per call
# Modules whose changes cannot change a stored verdict or row (they show, store, distribute or
# summarise finished rows); a change anywhere else in the code checks every file again.
_PRESENTATION = frozenset({"__main__.py", "cli.py", "report.py", "reportdata.py", "summary.py", "showcall.py",
                           "export.py", "history.py", "pipeline.py", "sink.py", "cluster.py", "evaluation.py"})
FILES_PER_TASK = 16  # a task's worth of files: enough to make a task's overhead small
TASKS_PER_WORKER = 3  # tasks in flight per worker: keeps workers busy without piling up results


@dataclass(frozen=True)
class CheckOptions:
    """Everything that decides a run's verdicts and rows (picklable, for workers and the history)."""

    rules: str
    overrides: tuple[tuple[str, str], ...] = ()
    encoding: str | None = None
    field_map: tuple[tuple[str, str], ...] = ()
    spacy_model: str | None = None
    redact: bool = False

    def checker(self, packs: dict | None = None) -> Checker:
        """A Checker for these options (`packs`: the rule packs, if already loaded from `rules`)."""
        return Checker.from_rules(self.rules, packs, overrides=dict(self.overrides), spacy_model=self.spacy_model,
                                  read_options=ReadOptions(encoding=self.encoding, field_map=dict(self.field_map)))

    def fingerprint(self) -> str:
        """A hash of what makes verdicts and rows: the pack files, these options and the analyzer's
        code (all of it but the modules that only present, store or distribute finished rows)."""
        digest = hashlib.blake2b(digest_size=16)
        digest.update(repr((__version__, self.overrides, self.encoding, self.field_map, self.spacy_model,
                            self.redact)).encode())
        rules, code = Path(self.rules), Path(__file__).resolve().parent
        sources = [(rules, p) for p in (sorted(rules.rglob("*")) if rules.is_dir() else [rules])
                   if p.is_file() and p.suffix in (".yml", ".yaml")]
        sources += [(code, p) for p in sorted(code.rglob("*.py")) if p.relative_to(code).as_posix() not in _PRESENTATION]
        for root, path in sources:
            digest.update(str(path.relative_to(root) if root.is_dir() else path.name).encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()


@dataclass
class CallOutput:
    """One call's rows, as CSV fragments per table, and what the run's aggregates need of it."""

    call_id: str
    fragments: dict[str, str]
    call: dict[str, Any]  # the calls-table row
    rules: dict[str, list[int]]  # rule name -> [findings, applicable, passed]
    worst: int = -1  # rank of the most severe failed rule (-1: none failed)
    rows: dict[str, list[dict[str, Any]]] | None = None  # the rows themselves (asked for by Parquet writers)

    def status_of(self, rule: str) -> str:
        n, applicable, passed = self.rules[rule]
        if applicable > passed:
            return Status.FAIL.value
        return Status.PASS.value if passed else Status.NOT_APPLICABLE.value


@dataclass
class FileOutput:
    """What one transcript file contributes to a run: its calls in order, and its read errors."""

    path: str
    calls: list[CallOutput] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    payload: bytes | None = None  # the output compressed for the history store (made by the worker)


def call_output(result: CallResult, mask: Callable[[str], str] | None = None, keep_rows: bool = False) -> CallOutput:
    from .tables import (CALLS_COLUMNS, FINDINGS_COLUMNS, SPOKEN_TEXT_COLUMNS, STAGES_COLUMNS, TURNS_COLUMNS,
                         call_row, finding_rows, mask_rows, stage_rows, turn_rows)

    findings, turns = finding_rows(result), turn_rows(result)
    if mask is not None:
        mask_rows(findings, SPOKEN_TEXT_COLUMNS["findings"], mask)
        mask_rows(turns, SPOKEN_TEXT_COLUMNS["turns"], mask)
    call = call_row(result)
    rules: dict[str, list[int]] = {}
    worst = -1
    for f in result.findings:
        counts = rules.setdefault(f.rule_name, [0, 0, 0])
        counts[0] += 1
        if f.status is not Status.NOT_APPLICABLE:
            counts[1] += 1
            if f.status is Status.PASS:
                counts[2] += 1
            else:
                worst = max(worst, Severity(f.severity).rank)
    columns = {"findings": FINDINGS_COLUMNS, "calls": _columns(CALLS_COLUMNS, call), "stages": STAGES_COLUMNS,
               "turns": TURNS_COLUMNS}
    rows = {"findings": findings, "calls": [call], "stages": stage_rows(result), "turns": turns}
    if keep_rows:
        return CallOutput(result.transcript.call_id, {}, call, rules, worst, rows)
    fragments = {name: render_rows(name, rows[name], columns[name]) for name in ROW_TABLES}
    return CallOutput(result.transcript.call_id, fragments, call, rules, worst)


def _columns(documented: Sequence[str], row: dict[str, Any]) -> list[str]:
    return [*documented, *(c for c in row if c not in documented)]


def check_file(checker: Checker, path: str | Path, mask: Callable[[str], str] | None = None,
               keep_rows: bool = False) -> FileOutput:
    """One file's output: rendered CSV fragments, or with `keep_rows` the rows themselves."""
    out = FileOutput(str(path))
    for item in checker.check_file(path):
        if isinstance(item, InputError):
            out.errors.append(item.to_record())
        else:
            out.calls.append(call_output(item, mask, keep_rows))
    return out


# --- worker processes -------------------------------------------------------------------------------

_worker: tuple[Checker, Callable[[str], str] | None] | None = None


def _init_worker(options: CheckOptions, inherited: bool) -> None:
    """Build the packs and matchers once per worker (a forked worker already has the parent's)."""
    global _worker
    if not (inherited and _worker is not None):
        _worker = (options.checker(), _mask(options))


def _check_files(paths: list[str], encode: bool = False) -> list[FileOutput]:
    assert _worker is not None
    checker, mask = _worker
    outputs = [check_file(checker, path, mask) for path in paths]
    if encode:
        from .history import encode as compress

        for output in outputs:
            output.payload = compress(output)
    return outputs


def _mask(options: CheckOptions) -> Callable[[str], str] | None:
    if not options.redact:
        return None
    from .redact import redact

    return redact


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def check_files(files: Sequence[str | Path], options: CheckOptions, jobs: int | None = None,
                checker: Checker | None = None, encode: bool = False) -> Iterator[FileOutput]:
    """Check `files` on `jobs` processes (default: every core), yielding one output per file in order;
    with `encode`, each output also carries its payload for the history store (compressed by the
    worker that made it, not by the parent)."""
    global _worker
    if not files:
        return
    jobs = default_jobs() if jobs is None else max(1, jobs)
    tasks = [[str(p) for p in files[i:i + FILES_PER_TASK]] for i in range(0, len(files), FILES_PER_TASK)]
    if jobs == 1 or len(tasks) < 2:
        checker = checker or options.checker()
        mask = _mask(options)
        for path in files:
            yield check_file(checker, path, mask)
        return
    methods = multiprocessing.get_all_start_methods()
    inherited = "fork" in methods
    if inherited:
        # Workers forked from here share the packs and matchers already built (copy-on-write).
        _worker = (checker or options.checker(), _mask(options))
    context = multiprocessing.get_context("fork" if inherited else None)
    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=context,
                             initializer=_init_worker, initargs=(options, inherited)) as pool:
        yield from _ordered(pool, tasks, window=jobs * TASKS_PER_WORKER, encode=encode)


def _ordered(pool: ProcessPoolExecutor, tasks: Iterable[list[str]], window: int, encode: bool) -> Iterator[FileOutput]:
    pending: deque[Future] = deque()
    for task in tasks:
        pending.append(pool.submit(_check_files, task, encode))
        if len(pending) >= window:
            yield from pending.popleft().result()
    while pending:
        yield from pending.popleft().result()
