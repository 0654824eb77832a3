"""Where the time of `callqa check` goes, per call, in one process: reading, checking, rows.

    python scripts/profile_check.py CALLS_DIR [--rules rules/en] [--calls 500]

First the three phases are timed plainly (milliseconds per call, caches warm after a first pass over
as many other calls of the folder); then one more pass runs under cProfile and the checking phase is
split into its steps by their cumulative times (shares are those of the profiled run, whose overhead
inflates every step alike only roughly: read them as proportions). Use it before and after an optimisation, on the benchmark's
corpus (`python scripts/bench.py --calls 2000 --rounds 0 --keep DIR` writes one to DIR/calls).
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analyzer.batch import call_output  # noqa: E402
from analyzer.models import InputError  # noqa: E402
from analyzer.readers import discover, read_file  # noqa: E402
from analyzer.runner import Checker  # noqa: E402

# Steps of check_call, by the function whose cumulative time is the step's.
STEPS = [
    ("roles (assign_roles; inference for unlabelled speakers)", "roles.py", "assign_roles"),
    ("tokens (Matcher.prepare)", "matching.py", "prepare"),
    ("stages (segment: cue searches, holds, closing)", "stages.py", "segment"),
    ("rules (every rule of every stage)", "engine.py", "_evaluate_rule"),
    ("score (score_call)", "scoring.py", "score_call"),
    ("timing metrics (timing_metrics)", "timing.py", "timing_metrics"),
    ("across the steps: the per-call word index (Matcher.register)", "matching.py", "register"),
    ("across the steps: formula alignment (Matcher._align)", "matching.py", "_align"),
    ("across the steps: formula upper bounds (Matcher.best_of)", "matching.py", "best_of"),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("calls_dir")
    parser.add_argument("--rules", default=str(ROOT / "rules" / "en"))
    parser.add_argument("--calls", type=int, default=500, help="calls to time (default 500)")
    args = parser.parse_args(argv)

    checker = Checker.from_rules(args.rules)
    files: list = []  # the files of the timed calls, read again below
    transcripts = []
    others = []  # as many other calls, to warm the caches with
    for path in discover([args.calls_dir]):
        read = [t for t in read_file(path, checker.read_options) if not isinstance(t, InputError)]
        if len(transcripts) < args.calls:
            files.append(path)
            transcripts.extend(read)
        else:
            others.extend(read)
        if len(others) >= args.calls:
            break
    transcripts = transcripts[: args.calls]
    if not transcripts:
        print(f"no readable calls in {args.calls_dir}", file=sys.stderr)
        return 2
    # Warm every cache as in a long run, but with other calls: the caches keyed by a turn's text would
    # otherwise answer the timed pass from its own first pass.
    for t in others or transcripts:
        _output(checker.check(t))

    n = len(transcripts)
    start = time.perf_counter()
    for path in files:
        read_file(path, checker.read_options)
    read_s = time.perf_counter() - start
    start = time.perf_counter()
    # Each call by the pack of its language, as `callqa check` does (with a folder of packs, the first
    # pack would check every call in its own language).
    results = [checker.check(t) for t in transcripts]
    check_s = time.perf_counter() - start
    start = time.perf_counter()
    for r in results:
        _output(r)
    rows_s = time.perf_counter() - start
    total = read_s + check_s + rows_s
    print(f"{n} calls, {sum(len(t.turns) for t in transcripts) / n:.0f} turns each; ms per call (no profiler):")
    for label, seconds in (("read", read_s), ("check", check_s), ("rows", rows_s), ("total", total)):
        print(f"  {label:<6} {1000 * seconds / n:7.2f}")
    print(f"  = {n / total:,.0f} calls/s in one process, start-up excluded")

    profile = cProfile.Profile()
    profile.enable()
    for t in transcripts:
        checker.check(t)
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    whole = _cumulative(stats, "engine.py", "check_call")
    print("\nchecking, split by step (share of check_call under cProfile):")
    for label, module, function in STEPS:
        print(f"  {label:<64} {100 * _cumulative(stats, module, function) / whole:5.1f}%")
    return 0


def _output(result) -> None:
    if not isinstance(result, InputError):
        call_output(result)


def _cumulative(stats: dict, module: str, function: str) -> float:
    return sum(value[3] for (path, _, name), value in stats.items() if name == function and path.endswith(module))


if __name__ == "__main__":
    sys.exit(main())
