"""The history store: what every run checked, kept in one SQLite file so that a re-run re-uses
unchanged verdicts, and tables and trends can be built for any period without the transcripts.

Per transcript file: its path, size, modification time and content hash (a stat cache, so that an
unchanged file is not even read again), and for each (path, content, fingerprint) the file's output:
its calls' rows as CSV fragments and their summaries (compressed JSON). The fingerprint is
batch.CheckOptions.fingerprint(): the rule pack files, the options that change verdicts (--set,
--map, --encoding, --spacy-model, --redact) and the analyzer's code, so a changed pack or a new
version checks everything again. Per call, the columns that trends need (date, agent, team, scores,
each rule's verdict). Per run: when, what, and how much was checked or re-used.

    store = HistoryStore("results/history.sqlite")
    trends(store, "2026-11-01", "2026-11-30")           # by day, agent and rule
    rebuild(store, "nov", date_from="2026-11-01", date_to="2026-11-30")
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .batch import ROW_TABLES, CallOutput, FileOutput

HISTORY_NAME = "history.sqlite"
SCHEMA_VERSION = "1"
_FETCH = 256  # payloads fetched per query

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT, started TEXT, finished TEXT, fingerprint TEXT,
    rules TEXT, options TEXT, out TEXT, n_files INTEGER, n_checked INTEGER, n_reused INTEGER,
    n_calls INTEGER, n_errors INTEGER, seconds REAL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, content_hash TEXT);
CREATE TABLE IF NOT EXISTS results (
    path TEXT, content_hash TEXT, fingerprint TEXT, run_id INTEGER, n_calls INTEGER, payload BLOB,
    PRIMARY KEY (path, content_hash, fingerprint));
CREATE TABLE IF NOT EXISTS calls (
    path TEXT, content_hash TEXT, fingerprint TEXT, seq INTEGER, call_id TEXT, date TEXT, agent_id TEXT,
    team TEXT, language TEXT, score REAL, score_final REAL, critical_fail INTEGER,
    missing_greeting INTEGER, missing_closing INTEGER, rules TEXT,
    PRIMARY KEY (path, content_hash, fingerprint, seq));
CREATE INDEX IF NOT EXISTS calls_date ON calls (date);
CREATE TABLE IF NOT EXISTS current (
    path TEXT PRIMARY KEY, content_hash TEXT, fingerprint TEXT, run_id INTEGER);
"""


def file_hash(path: str | Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class FileState:
    path: str
    content_hash: str
    reused: bool  # the store holds this file's output under the run's fingerprint


class HistoryStore:
    """One SQLite file; a run reads it at the start and writes it (one transaction) at the end."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        found = self.db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if found is None:
            self.db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        elif found[0] != SCHEMA_VERSION:
            raise ValueError(f"{self.path}: history store of schema {found[0]}, this callqa reads {SCHEMA_VERSION}; "
                             "move it away to start a new one")
        self.db.commit()

    def close(self) -> None:
        self.db.close()

    # --- a run ---------------------------------------------------------------------------------------

    def plan(self, files: Sequence[str | Path], fingerprint: str) -> list[FileState]:
        """Each file's content hash (from the stat cache when size and mtime are unchanged) and
        whether its output under `fingerprint` is already stored."""
        known = {row[0]: row[1:] for row in self.db.execute("SELECT path, size, mtime_ns, content_hash FROM files")}
        stored = {(row[0], row[1]) for row in self.db.execute(
            "SELECT path, content_hash FROM results WHERE fingerprint=?", (fingerprint,))}
        states, changed = [], []
        for file in files:
            path = str(file)
            try:
                stat = os.stat(path)
            except OSError:
                states.append(FileState(path, "", False))  # the reader will report it
                continue
            cached = known.get(path)
            if cached is not None and cached[0] == stat.st_size and cached[1] == stat.st_mtime_ns:
                content = cached[2]
            else:
                content = file_hash(path)
                changed.append((path, stat.st_size, stat.st_mtime_ns, content))
            states.append(FileState(path, content, (path, content) in stored))
        self.db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)", changed)
        return states

    def outputs(self, states: Iterable[FileState], fingerprint: str) -> Iterator[FileOutput]:
        """The stored outputs of these (re-used) files, in the given order."""
        batch: list[FileState] = []
        for state in states:
            batch.append(state)
            if len(batch) == _FETCH:
                yield from self._fetch(batch, fingerprint)
                batch = []
        yield from self._fetch(batch, fingerprint)

    def _fetch(self, states: list[FileState], fingerprint: str) -> Iterator[FileOutput]:
        if not states:
            return
        marks = ",".join("?" * len(states))
        rows = self.db.execute(
            f"SELECT path, content_hash, payload FROM results WHERE fingerprint=? AND path IN ({marks})",
            (fingerprint, *[s.path for s in states]))
        found = {(path, content): payload for path, content, payload in rows}
        for state in states:
            yield decode(found[(state.path, state.content_hash)])

    def begin_run(self, fingerprint: str, rules: str, options: dict[str, Any], out: str) -> int:
        cursor = self.db.execute(
            "INSERT INTO runs (started, fingerprint, rules, options, out) VALUES (?, ?, ?, ?, ?)",
            (_now(), fingerprint, rules, json.dumps(options, sort_keys=True), out))
        return int(cursor.lastrowid)  # type: ignore[arg-type]

    def store(self, run_id: int, state: FileState, fingerprint: str, output: FileOutput) -> None:
        """Record a newly checked file: its output, and its calls for trends."""
        key = (state.path, state.content_hash, fingerprint)
        self.db.execute("DELETE FROM results WHERE path=? AND fingerprint=? AND content_hash<>?",
                        (state.path, fingerprint, state.content_hash))
        self.db.execute("DELETE FROM calls WHERE path=? AND fingerprint=?", (state.path, fingerprint))
        self.db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?)",
                        (*key, run_id, len(output.calls), output.payload or encode(output)))
        self.db.executemany(
            "INSERT OR REPLACE INTO calls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*key, seq, call.call_id, _text(call.call.get("date")), _text(call.call.get("agent_id")),
              _text(call.call.get("team")), _text(call.call.get("language")), call.call.get("score"),
              call.call.get("score_final"), int(bool(call.call.get("critical_fail"))),
              int(bool(call.call.get("missing_greeting"))), int(bool(call.call.get("missing_closing"))),
              json.dumps({rule: call.status_of(rule) for rule in call.rules}, sort_keys=True))
             for seq, call in enumerate(output.calls)])

    def finish_run(self, run_id: int, states: Sequence[FileState], fingerprint: str, *, n_checked: int,
                   n_calls: int, n_errors: int, seconds: float) -> None:
        self.db.executemany("INSERT OR REPLACE INTO current VALUES (?, ?, ?, ?)",
                            [(s.path, s.content_hash, fingerprint, run_id) for s in states if s.content_hash])
        self.db.execute(
            "UPDATE runs SET finished=?, n_files=?, n_checked=?, n_reused=?, n_calls=?, n_errors=?, seconds=? "
            "WHERE run_id=?",
            (_now(), len(states), n_checked, len(states) - n_checked, n_calls, n_errors, round(seconds, 3), run_id))
        self.db.commit()

    def rollback(self) -> None:
        self.db.rollback()

    # --- reading the history -------------------------------------------------------------------------

    def runs(self, limit: int = 10) -> list[dict[str, Any]]:
        cursor = self.db.execute(
            "SELECT run_id, started, finished, n_files, n_checked, n_reused, n_calls, n_errors, seconds, rules, "
            "substr(fingerprint, 1, 8) FROM runs ORDER BY run_id DESC LIMIT ?", (limit,))
        names = ["run", "started", "finished", "files", "checked", "reused", "calls", "errors", "seconds", "rules",
                 "fingerprint"]
        return [dict(zip(names, row)) for row in cursor]

    def current_outputs(self, date_from: str | None = None, date_to: str | None = None) -> Iterator[FileOutput]:
        """The latest output of every file the store knows, with only the calls dated in the period
        (inclusive; ISO dates compare as text), in path order."""
        rows = self.db.execute(
            "SELECT c.path, c.content_hash, c.fingerprint FROM current c JOIN results r "
            "ON r.path=c.path AND r.content_hash=c.content_hash AND r.fingerprint=c.fingerprint")
        for path, content, fingerprint in sorted(rows, key=lambda row: Path(row[0])):
            payload = self.db.execute(
                "SELECT payload FROM results WHERE path=? AND content_hash=? AND fingerprint=?",
                (path, content, fingerprint)).fetchone()[0]
            output = decode(payload)
            if date_from or date_to:
                output.calls = [c for c in output.calls if _in_period(_text(c.call.get("date")), date_from, date_to)]
                output.errors = []
            if output.calls or output.errors:
                yield output

    def current_calls(self, date_from: str | None = None, date_to: str | None = None) -> list[tuple]:
        """(date, agent_id, team, score, critical_fail, rules JSON) of the latest version of every call."""
        where, params = _period_sql(date_from, date_to)
        return self.db.execute(
            "SELECT k.date, k.agent_id, k.team, k.score, k.critical_fail, k.rules FROM calls k JOIN current c "
            f"ON k.path=c.path AND k.content_hash=c.content_hash AND k.fingerprint=c.fingerprint {where}",
            params).fetchall()


# A stored output: this line, the length of a JSON header (4 bytes), the header (path, errors, and per
# call its id, summary row, rule counts, worst severity and the byte length of each table's rows), then
# the rows themselves as UTF-8 CSV, table after table, call after call; all of it zlib-compressed.
# Large CSV fragments inside JSON cost a daily re-run most of its time to unescape; as raw bytes they
# are sliced out. Payloads stored as one JSON document by earlier versions are still read.
_FRAMED = b"callqa-output 2\n"


def encode(output: FileOutput) -> bytes:
    tables = list(ROW_TABLES)
    calls, bodies = [], []
    for c in output.calls:
        sizes = []
        for name in tables:
            data = c.fragments[name].encode("utf-8")
            bodies.append(data)
            sizes.append(len(data))
        calls.append([c.call_id, c.call, c.rules, c.worst, sizes])
    head = json.dumps({"path": output.path, "errors": output.errors, "tables": tables, "calls": calls},
                      separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return zlib.compress(b"".join([_FRAMED, len(head).to_bytes(4, "big"), head, *bodies]), 1)


def decode(payload: bytes) -> FileOutput:
    raw = zlib.decompress(payload)
    if not raw.startswith(_FRAMED):
        data = json.loads(raw)
        calls = [CallOutput(cid, fragments, call, rules, worst) for cid, fragments, call, rules, worst in data["calls"]]
        return FileOutput(data["path"], calls, data["errors"], payload)
    start = len(_FRAMED) + 4
    end = start + int.from_bytes(raw[len(_FRAMED):start], "big")
    data = json.loads(raw[start:end])
    tables = data["tables"]
    body = memoryview(raw)
    position = end
    calls = []
    for cid, call, rules, worst, sizes in data["calls"]:
        fragments = {}
        for name, size in zip(tables, sizes):
            fragments[name] = str(body[position:position + size], "utf-8")
            position += size
        calls.append(CallOutput(cid, fragments, call, rules, worst))
    return FileOutput(data["path"], calls, data["errors"], payload)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _in_period(date: str, date_from: str | None, date_to: str | None) -> bool:
    day = date[:10]
    return (not date_from or day >= date_from) and (not date_to or day <= date_to)


def _period_sql(date_from: str | None, date_to: str | None) -> tuple[str, list[str]]:
    clauses, params = [], []
    if date_from:
        clauses.append("substr(k.date, 1, 10) >= ?")
        params.append(date_from)
    if date_to:
        clauses.append("substr(k.date, 1, 10) <= ?")
        params.append(date_to)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


# --- trends -----------------------------------------------------------------------------------------------


@dataclass
class Trend:
    """Compliance of one group (a day, an agent, a rule)."""

    key: str
    team: str = ""
    calls: int = 0
    score_sum: float = 0.0
    scored: int = 0
    critical: int = 0
    applicable: int = 0
    passed: int = 0

    @property
    def mean_score(self) -> float | None:
        return round(self.score_sum / self.scored, 1) if self.scored else None

    @property
    def compliance(self) -> float | None:
        return round(100.0 * self.passed / self.applicable, 1) if self.applicable else None


def trends(store: HistoryStore, date_from: str | None = None, date_to: str | None = None
           ) -> dict[str, list[Trend]]:
    """Compliance by day, by agent and by rule (agents and rules least compliant first) over the
    latest verdict of every stored call dated in the period."""
    by: dict[str, dict[str, Trend]] = {"day": {}, "agent": {}, "rule": {}}
    for date, agent, team, score, critical, rules in store.current_calls(date_from, date_to):
        verdicts = json.loads(rules)
        applicable = sum(1 for v in verdicts.values() if v != "not_applicable")
        passed = sum(1 for v in verdicts.values() if v == "pass")
        for kind, key in (("day", (date or "")[:10] or "(no date)"), ("agent", agent or "(none)")):
            trend = by[kind].setdefault(key, Trend(key, team if kind == "agent" else ""))
            trend.calls += 1
            if score is not None:
                trend.score_sum += score
                trend.scored += 1
            trend.critical += int(critical)
            trend.applicable += applicable
            trend.passed += passed
        for rule, verdict in verdicts.items():
            trend = by["rule"].setdefault(rule, Trend(rule))
            trend.calls += 1
            if verdict != "not_applicable":
                trend.applicable += 1
                trend.passed += verdict == "pass"
    return {
        "day": sorted(by["day"].values(), key=lambda t: t.key),
        "agent": sorted(by["agent"].values(), key=lambda t: ((t.compliance if t.compliance is not None else 101.0), t.key)),
        "rule": sorted(by["rule"].values(), key=lambda t: ((t.compliance if t.compliance is not None else 101.0), t.key)),
    }


def rebuild(store: HistoryStore, out: str | Path, *, date_from: str | None = None, date_to: str | None = None,
            formats: Sequence[str] = ("csv",)):
    """Write the result tables of every stored call dated in the period, as a run would have."""
    from .sink import TableSink

    sink = TableSink(out, formats)
    try:
        for output in store.current_outputs(date_from, date_to):
            sink.add(output)
    except BaseException:
        sink.abort()
        raise
    return sink.close()


def default_path(out: str | Path) -> Path:
    return Path(out) / HISTORY_NAME
