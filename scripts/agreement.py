"""Verdict agreement of labelled calls with callqa's verdicts, per language and per rule name.

Usage: python scripts/agreement.py [--samples DIR] [LANG ...]
  DIR defaults to sample_transcripts/ (the bundled samples, asserted by the tests); heldout/ holds
  calls written without looking at the rule packs, to measure how well the packs generalise.
  Every DIR/<lang>/ with a labels.yml is checked with rules/<lang>. Exit 1 unless all agree.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analyzer.evaluation import compare, load_labels
from analyzer.models import CallResult
from analyzer.runner import Checker

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, default=ROOT / "sample_transcripts")
    parser.add_argument("langs", nargs="*")
    args = parser.parse_args(argv)
    langs = args.langs or sorted(p.parent.name for p in args.samples.glob("*/labels.yml"))
    total_agreed = total = 0
    for lang in langs:
        checker = Checker.from_rules(ROOT / "rules" / lang)
        results = [r for r in checker.check_paths([args.samples / lang]) if isinstance(r, CallResult)]
        agreement = compare(results, load_labels(args.samples / lang / "labels.yml"))
        print(f"== {lang}: {len(results)} calls")
        print(agreement.summary())
        total_agreed += sum(agreement.agreed.values())
        total += sum(agreement.total.values())
    if total:
        print(f"== all: {total_agreed}/{total} = {total_agreed / total:.3f}")
    return 0 if total and total_agreed == total else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
