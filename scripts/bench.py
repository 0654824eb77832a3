"""Benchmark: whole-process speed, memory and verdict quality of `callqa check` and of two plain peers.

A seeded synthetic corpus of English calls (scripts/corpus.py: 40-120 turns, 600-1,500 words each,
formulas verbatim, paraphrased, damaged by speech recognition and absent, plus decoys) is written as
one JSON file per call to a temporary folder, with its ground truth. Then, in rounds, so that a slow
moment of a noisy machine hits every contender alike:

- `callqa check` as a whole process (start-up, reading, matching, tables and files included), with
  `--jobs 1` and `--jobs 2`;
- plain JSON reading with str.split, the floor any Python reader pays;
- peer "partial": rapidfuzz fuzz.partial_ratio of every agent turn against every formula;
- peer "windows": rapidfuzz fuzz.ratio of every formula against the word windows of its length,
  vectorised with process.cdist.

Each figure is the median over the rounds; the ratio to the windows peer is taken round by round.
Quality is precision, recall and F1 of "fail" verdicts (the findings a QA team acts on) against the
ground truth, for the rules the generator controls. Peak memory is the largest single process
(ru_maxrss from os.wait4). With `--incremental`, a history store is filled by a first run and a second
run over the unchanged folder is timed, then one file is changed and the run repeated.

    python scripts/bench.py                       # 10,000 calls, 3 rounds
    python scripts/bench.py --calls 1000 --rounds 1
    python scripts/bench.py --calls 100000 --rounds 1 --no-peers
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402

AGENT_LABELS = {"agent", "operator", "rep", "representative"}
GREETING_RULES = ("greeting.salutation", "greeting.company", "greeting.agent-name", "greeting.offer-help")
CLOSING_RULES = ("closing.anything-else", "closing.thanks", "closing.farewell")
FORBIDDEN_RULE = "answering.no-forbidden"


# --- running a whole process ---------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    peak_mb: float
    returncode: int
    output: str


def run_process(command: list[str], cwd: Path | None = None) -> Run:
    """Wall time from start to reaping, and the largest single process's peak RSS (os.wait4)."""
    log = tempfile.TemporaryFile()
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    log.seek(0)
    output = log.read().decode("utf-8", "replace")
    return Run(seconds, usage.ru_maxrss / 1024.0, proc.returncode, output)


# --- peers -----------------------------------------------------------------------------------------


def load_formulas(pack: Path) -> dict[str, dict]:
    """The controlled rules' formulas, thresholds and exceptions, read with plain YAML."""
    import yaml

    manifest = yaml.safe_load((pack / "ruleset.yml").read_text(encoding="utf-8"))
    defaults = manifest.get("defaults", {})
    rules: dict[str, dict] = {}
    for name in manifest["files"]:
        data = yaml.safe_load((pack / name).read_text(encoding="utf-8"))
        for rule in data.get("rules") or []:
            if rule["name"] not in corpus.RULES:
                continue
            forbidden = rule["check"] == "forbidden"
            default = defaults.get("forbidden_threshold", 90) if forbidden else defaults.get("threshold", 80)
            rules[rule["name"]] = {
                "any_of": [f for f in rule.get("any_of", []) if isinstance(f, str)],
                "exceptions": [f for f in rule.get("exceptions", []) if isinstance(f, str)],
                "threshold": rule.get("threshold", default),
                "exception_threshold": defaults.get("threshold", 80),
            }
    return rules


_SLOT = re.compile(r"\{([^{}]*)\}")


def _fill(formulas: list[str], meta: dict) -> list[str]:
    """Slots filled from the call's metadata; formulas with a wildcard or an unknown value dropped."""
    out = []
    for formula in formulas:
        names = _SLOT.findall(formula)
        if any(not meta.get(n) for n in names):
            continue
        out.append(_SLOT.sub(lambda m: str(meta[m.group(1)]), formula))
    return out


def peer_verdicts(kind: str, calls_dir: Path, pack: Path, out: Path) -> None:
    """Write call_id,rule_name,status for every call, as a naive matcher would decide."""
    from rapidfuzz import fuzz, process
    from rapidfuzz.utils import default_process

    rules = load_formulas(pack)
    rows = []
    for path in sorted(calls_dir.rglob("*.json")):
        call = json.loads(path.read_text(encoding="utf-8"))
        turns = call["turns"]
        labels = [t["speaker"].casefold() for t in turns]
        # Without role labels the peer takes the first speaker for the agent.
        agent_label = next((x for x in labels if x in AGENT_LABELS), labels[0] if labels else "")
        agent = [default_process(t["text"]) for t, x in zip(turns, labels) if x == agent_label]
        windows = {name: agent[:3] for name in GREETING_RULES}
        windows.update({"closing.anything-else": agent[-8:], "closing.thanks": agent[-3:],
                        "closing.farewell": agent[-3:], FORBIDDEN_RULE: agent})
        meta = {k: v for k, v in call.items() if k != "turns"}
        for name, spec in rules.items():
            formulas = [default_process(f) for f in _fill(spec["any_of"], meta)]
            scores = _scores(kind, formulas, windows[name], fuzz, process)
            if name == FORBIDDEN_RULE:
                excuses = _scores(kind, [default_process(f) for f in _fill(spec["exceptions"], meta)],
                                  windows[name], fuzz, process)
                failed = any(s >= spec["threshold"] and e < spec["exception_threshold"]
                             for s, e in zip(scores, excuses))
                rows.append((call["call_id"], name, "fail" if failed else "pass"))
            else:
                passed = any(s >= spec["threshold"] for s in scores)
                rows.append((call["call_id"], name, "pass" if passed else "fail"))
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["call_id", "rule_name", "status"])
        writer.writerows(rows)


def _scores(kind: str, formulas: list[str], turns: list[str], fuzz, process) -> list[float]:
    """Per turn, the best score of any formula in it (0 when there is nothing to compare)."""
    if not formulas or not turns:
        return [0.0] * len(turns)
    if kind == "partial":
        matrix = process.cdist(formulas, turns, scorer=fuzz.partial_ratio)
        return [float(x) for x in matrix.max(axis=0)]
    best = [0.0] * len(turns)
    by_length: dict[int, list[str]] = {}
    for f in formulas:
        by_length.setdefault(len(f.split()), []).append(f)
    for length, group in by_length.items():
        windows, owner = [], []
        for t, text in enumerate(turns):
            words = text.split()
            for i in range(max(1, len(words) - length + 1)):
                windows.append(" ".join(words[i:i + length]))
                owner.append(t)
        if not windows:
            continue
        top = process.cdist(group, windows, scorer=fuzz.ratio).max(axis=0)
        for t, score in zip(owner, top):
            if score > best[t]:
                best[t] = float(score)
    return best


# --- quality --------------------------------------------------------------------------------------


@dataclass
class Quality:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    agree: int = 0
    total: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def verdicts_from_findings(findings_csv: Path) -> dict[tuple[str, str], str]:
    """(call_id, rule_name) -> fail | pass; a rule failed if any of its findings failed."""
    out: dict[tuple[str, str], str] = {}
    with findings_csv.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["rule_name"] not in corpus.RULES:
                continue
            key = (row["call_id"], row["rule_name"])
            if row["status"] == "fail" or key not in out:
                out[key] = "fail" if row["status"] == "fail" else "pass"
    return out


def quality(verdicts: dict[tuple[str, str], str], truth: dict[str, dict[str, str]]) -> Quality:
    q = Quality()
    for call_id, expected in truth.items():
        for rule, want in expected.items():
            got = verdicts.get((call_id, rule), "pass")
            q.total += 1
            q.agree += got == want
            if want == "fail":
                q.tp += got == "fail"
                q.fn += got != "fail"
            elif got == "fail":
                q.fp += 1
    return q


# --- the benchmark --------------------------------------------------------------------------------


@dataclass
class Contender:
    label: str
    command: list[str]
    verdicts: Path | None = None  # findings.csv or a peer's verdict file
    runs: list[Run] = field(default_factory=list)


def corpus_bytes(calls_dir: Path) -> int:
    return sum(p.stat().st_size for p in calls_dir.rglob("*.json"))


def median(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=10_000, help="synthetic calls to generate (default 10,000)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="timed rounds; figures are medians (default 3; 0: only --incremental)")
    parser.add_argument("--jobs", default="1,2", help="--jobs values to time callqa with (default 1,2)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-peers", action="store_true", help="time callqa only")
    parser.add_argument("--incremental", action="store_true",
                        help="also time a second run over the unchanged folder and one after a file changed")
    parser.add_argument("--keep", metavar="DIR", help="write the corpus and outputs here and keep them")
    parser.add_argument("--peer", choices=["partial", "windows", "plain"], help=argparse.SUPPRESS)
    parser.add_argument("--calls-dir", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    pack = ROOT / "rules" / "en"
    if args.peer:  # one peer as a whole process, started by the benchmark itself
        if args.peer == "plain":
            return plain_read(Path(args.calls_dir))
        peer_verdicts(args.peer, Path(args.calls_dir), pack, Path(args.out))
        return 0

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="callqa-bench-"))
    try:
        return bench(args, work, pack)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def plain_read(calls_dir: Path) -> int:
    words = 0
    for path in sorted(calls_dir.rglob("*.json")):
        for turn in json.loads(path.read_text(encoding="utf-8"))["turns"]:
            words += len(turn["text"].split())
    return 0 if words else 1


def bench(args: argparse.Namespace, work: Path, pack: Path) -> int:
    calls_dir = work / corpus.CALLS_DIR
    if not calls_dir.is_dir():
        print(f"generating {args.calls} calls in {work} ...", file=sys.stderr)
        corpus.generate(args.calls, work, args.seed)
    truth = json.loads((work / corpus.TRUTH_FILE).read_text(encoding="utf-8"))
    n_calls = len(truth)
    size_mb = corpus_bytes(calls_dir) / 1e6
    py = sys.executable
    contenders = []
    for jobs in [int(j) for j in args.jobs.split(",") if j]:
        out = work / f"out-jobs{jobs}"
        contenders.append(Contender(
            f"callqa check --jobs {jobs}",
            [py, "-m", "analyzer", "check", str(calls_dir), "--rules", str(pack), "--out", str(out),
             "--fail-on", "none", "--quiet", "--jobs", str(jobs), "--no-history"],
            out / "findings.csv"))
    if not args.no_peers:
        me = str(Path(__file__).resolve())
        contenders.append(Contender("plain JSON read + str.split (floor)",
                                    [py, me, "--peer", "plain", "--calls-dir", str(calls_dir)]))
        for kind in ("windows", "partial"):
            out = work / f"peer-{kind}.csv"
            contenders.append(Contender(
                f"peer: rapidfuzz {'fuzz.ratio word windows (cdist)' if kind == 'windows' else 'partial_ratio per turn'}",
                [py, me, "--peer", kind, "--calls-dir", str(calls_dir), "--out", str(out)], out))
    for round_no in range(args.rounds):
        for c in contenders:
            run = run_process(c.command, cwd=ROOT)
            if run.returncode != 0:
                print(f"{c.label} failed ({run.returncode}):\n{run.output[-2000:]}", file=sys.stderr)
                return 1
            c.runs.append(run)
            print(f"round {round_no + 1}: {c.label}: {run.seconds:.2f} s", file=sys.stderr)
    if args.rounds:
        print_table(contenders, n_calls, size_mb, truth)
    if args.incremental:
        incremental(args, work, calls_dir, pack)
    return 0


def print_table(contenders: list[Contender], n_calls: int, size_mb: float, truth: dict) -> None:
    windows = next((c for c in contenders if "windows" in c.label), None)
    jobs1 = next((c for c in contenders if c.label.endswith("--jobs 1")), None)
    print(f"\n{n_calls} calls, {size_mb:.1f} MB of JSON, {os.cpu_count()} cores; medians of {len(contenders[0].runs)} rounds\n")
    print("| contender | calls/s | MB/s | peak MB | precision | recall | F1 | x windows peer | x --jobs 1 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for c in contenders:
        secs = median(r.seconds for r in c.runs)
        q = None
        if c.verdicts is not None:
            if c.verdicts.name == "findings.csv":
                verdicts = verdicts_from_findings(c.verdicts)
            else:
                with c.verdicts.open(encoding="utf-8", newline="") as fh:
                    verdicts = {(r["call_id"], r["rule_name"]): r["status"] for r in csv.DictReader(fh)}
            q = quality(verdicts, truth)
        vs_peer = (median(w.seconds / r.seconds for r, w in zip(c.runs, windows.runs))
                   if windows is not None and c is not windows else None)
        vs_jobs1 = (median(j.seconds / r.seconds for r, j in zip(c.runs, jobs1.runs))
                    if jobs1 is not None and c.label.startswith("callqa") and c is not jobs1 else None)
        cells = [
            c.label, f"{n_calls / secs:,.0f}", f"{size_mb / secs:.1f}", f"{median(r.peak_mb for r in c.runs):.0f}",
            f"{q.precision:.3f}" if q else "", f"{q.recall:.3f}" if q else "", f"{q.f1:.3f}" if q else "",
            f"{vs_peer:.1f}" if vs_peer else "", f"{vs_jobs1:.2f}" if vs_jobs1 else "",
        ]
        print("| " + " | ".join(cells) + " |")


def incremental(args: argparse.Namespace, work: Path, calls_dir: Path, pack: Path) -> None:
    """A daily re-run: the first run records the history, the second finds every file unchanged,
    the third finds one file changed."""
    jobs = max(int(j) for j in args.jobs.split(",") if j)
    out = work / "out-incremental"
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "analyzer", "check", str(calls_dir), "--rules", str(pack), "--out", str(out),
               "--fail-on", "none", "--quiet", "--jobs", str(jobs)]
    names = ("findings", "calls", "stages", "turns", "agents", "teams", "errors")

    def tables() -> dict[str, bytes]:
        return {n: (out / f"{n}.csv").read_bytes() for n in names}

    first = run_process(command, cwd=ROOT)
    before = tables()
    second = run_process(command, cwd=ROOT)
    same = tables() == before
    target = sorted(calls_dir.rglob("*.json"))[0]
    data = json.loads(target.read_text(encoding="utf-8"))
    data["turns"][0]["text"] = f"Yes? {time.time_ns()}"  # a new content every time the benchmark runs
    target.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    third = run_process(command, cwd=ROOT)
    checked = re.search(r"(\d+) unchanged files re-used from the history, (\d+) checked", third.output)
    print(f"\nhistory, --jobs {jobs}: first run {first.seconds:.2f} s; unchanged folder again {second.seconds:.2f} s "
          f"({second.seconds / first.seconds:.3f} of the first), tables identical: {'yes' if same else 'NO'}; "
          f"one file changed: {third.seconds:.2f} s, files checked: {checked.group(2) if checked else '?'}")


if __name__ == "__main__":
    sys.exit(main())
