"""Scale: the same tables from one process, several worker processes, the history store and a Dask
cluster; a re-run over an unchanged folder checks nothing, a changed file is the only one checked."""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.batch import CheckOptions
from analyzer.cli import main
from analyzer.history import HistoryStore, rebuild, trends
from analyzer.pipeline import run_check
from analyzer.readers import discover
from analyzer.sink import read_row_tables
from support import RULES

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import corpus  # noqa: E402

TABLES = ("findings", "calls", "stages", "turns", "errors", "agents", "teams")
EN = str(RULES / "en")


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """40 synthetic calls over 28 days (more than two tasks' worth of files), one unreadable file,
    and two files that share a call id."""
    root = tmp_path_factory.mktemp("calls")
    corpus.generate(40, root, seed=9)
    calls = root / corpus.CALLS_DIR
    (calls / "broken.json").write_text("{not json", encoding="utf-8")
    first = next(iter(sorted(calls.rglob("*.json"))))
    data = json.loads(first.read_text(encoding="utf-8"))
    (calls / "zz-same-id.json").write_text(json.dumps(data), encoding="utf-8")
    return calls


def _tables(out: Path) -> dict[str, bytes]:
    return {name: (out / f"{name}.csv").read_bytes() for name in TABLES}


@pytest.fixture(scope="module")
def plain(folder, tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("plain")
    summary = run_check([folder], CheckOptions(EN), out, jobs=1)
    assert summary.n_calls == 41 and summary.n_errors == 1
    return _tables(out)


def test_worker_processes_write_the_same_tables(folder, plain, tmp_path):
    run_check([folder], CheckOptions(EN), tmp_path, jobs=2)
    assert _tables(tmp_path) == plain
    assert b"#2," in plain["calls"]  # the second file with the same call id is kept apart


def test_rerun_reuses_unchanged_files_and_checks_a_changed_one(folder, plain, tmp_path):
    calls = tmp_path / "calls"
    shutil.copytree(folder, calls)
    out, store = tmp_path / "out", tmp_path / "history.sqlite"
    first = run_check([calls], CheckOptions(EN), out, jobs=2, history=store)
    assert (first.n_checked, first.n_reused) == (42, 0)
    second = run_check([calls], CheckOptions(EN), out, jobs=2, history=store)
    assert (second.n_checked, second.n_reused) == (0, 42)
    rerun = _tables(out)
    assert {k: v.replace(str(calls).encode(), str(folder).encode()) for k, v in rerun.items()} == plain

    # One file changes: only it is checked, and the tables are those of a fresh run.
    target = sorted(calls.rglob("call-*.json"))[3]
    data = json.loads(target.read_text(encoding="utf-8"))
    data["turns"][0]["text"] = "Yes?"
    target.write_text(json.dumps(data), encoding="utf-8")
    third = run_check([calls], CheckOptions(EN), out, jobs=2, history=store)
    assert (third.n_checked, third.n_reused) == (1, 41)
    fresh = tmp_path / "fresh"
    run_check([calls], CheckOptions(EN), fresh, jobs=1)
    assert _tables(out) == _tables(fresh)

    # Touched but unchanged: recognised by its content, not checked again.
    target.write_text(target.read_text(encoding="utf-8"), encoding="utf-8")
    assert run_check([calls], CheckOptions(EN), out, jobs=1, history=store).n_checked == 0

    # An option that changes verdicts (a slot value) checks everything again.
    other = run_check([calls], CheckOptions(EN, overrides=(("company", "Acme Bank"),)), tmp_path / "o", history=store)
    assert other.n_checked == 42


def test_history_rebuilds_a_period_and_shows_trends(folder, tmp_path):
    out, store_path = tmp_path / "out", tmp_path / "history.sqlite"
    run_check([folder], CheckOptions(EN), out, jobs=1, history=store_path)
    store = HistoryStore(store_path)
    try:
        summary = rebuild(store, tmp_path / "week", date_from="2026-11-03", date_to="2026-11-09")
        found = trends(store, "2026-11-03", "2026-11-09")
    finally:
        store.close()
    full = read_row_tables(out)["calls"]
    week = read_row_tables(tmp_path / "week")["calls"]
    expected = full[(full["date"] >= "2026-11-03") & (full["date"] <= "2026-11-09")].reset_index(drop=True)
    assert summary.n_calls == len(week) == len(expected) > 0
    assert week.equals(expected)
    assert [t.key for t in found["day"]] == sorted(set(expected["date"]))
    assert sum(t.calls for t in found["day"]) == len(expected)
    assert {t.key for t in found["rule"]} >= {"greeting.salutation", "closing.thanks"}


def test_cli_check_history_and_rebuild(folder, tmp_path):
    out = tmp_path / "results"
    args = ["check", str(folder), "--rules", EN, "--out", str(out), "-q", "--fail-on", "none", "--jobs", "2"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 2, first.output  # the unreadable file
    assert (out / "history.sqlite").is_file()
    second = CliRunner().invoke(main, args)
    assert "42 unchanged files re-used from the history, 0 checked" in second.output
    shown = CliRunner().invoke(main, ["history", "--history", str(out / "history.sqlite")])
    assert shown.exit_code == 0, shown.output
    for heading in ("Runs (latest first)", "Compliance by day", "Compliance by agent", "Compliance by rule"):
        assert heading in shown.output
    rebuilt = CliRunner().invoke(main, ["history", "rebuild", "--history", str(out / "history.sqlite"),
                                        "--from", "2026-11-01", "--to", "2026-11-02", "--out", str(tmp_path / "r")])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert (tmp_path / "r" / "findings.csv").is_file()


def test_dask_cluster_writes_the_tables_of_a_plain_run(folder, tmp_path):
    """A LocalCluster of two workers (threads of this process, on 127.0.0.1 only)."""
    import pandas as pd
    from distributed import Client, LocalCluster

    from analyzer.cluster import read_partitioned, run_on_dask

    run_check([folder], CheckOptions(EN), tmp_path / "plain", jobs=1)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        summary = run_on_dask(discover([folder]), CheckOptions(EN), tmp_path / "dask", client=client,
                              files_per_partition=8)
    assert summary.n_calls == 41 and summary.n_errors == 1
    assert len(list((tmp_path / "dask" / "findings").glob("part-*.parquet"))) == 6
    plain = read_row_tables(tmp_path / "plain")
    for name in ("findings", "calls", "stages", "turns", "errors"):
        assert read_partitioned(tmp_path / "dask", name).equals(plain[name].reset_index(drop=True)), name
    for name in ("agents", "teams"):
        expected = pd.read_csv(tmp_path / "plain" / f"{name}.csv", dtype={"agent_id": str, "team": str},
                               keep_default_na=False, na_values=[""])
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "dask" / f"{name}.parquet"), expected,
                                      check_dtype=False)


def test_a_stored_output_reads_back_whole_in_both_payload_layouts(folder):
    """Outputs go into the store as framed CSV bytes; payloads stored as one JSON document by earlier
    versions still read back the same."""
    import zlib

    from analyzer.batch import check_file
    from analyzer.history import decode, encode
    from analyzer.runner import Checker

    checker = Checker.from_rules(EN)
    path = next(iter(sorted(folder.rglob("*.json"))))
    output = check_file(checker, path)
    assert output.calls and "é" not in output.path
    output.calls[0].fragments["turns"] += "x,é,\"quoted, text\"\n"  # non-ASCII and CSV quoting survive

    def whole(o):
        return o.path, o.errors, [(c.call_id, c.fragments, c.call, c.rules, c.worst) for c in o.calls]

    assert whole(decode(encode(output))) == whole(output)
    legacy = {"path": output.path, "errors": output.errors,
              "calls": [[c.call_id, c.fragments, c.call, c.rules, c.worst] for c in output.calls]}
    assert whole(decode(zlib.compress(json.dumps(legacy).encode("utf-8")))) == whole(output)
