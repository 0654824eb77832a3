"""Verdict agreement of the labelled sample calls, per language and per rule name.

Usage: python scripts/agreement.py [LANG ...]   (default: every folder of sample_transcripts/
that has a labels.yml, each checked with rules/<lang>)
"""
from __future__ import annotations

import sys
from pathlib import Path

from analyzer.evaluation import compare, load_labels
from analyzer.models import CallResult
from analyzer.runner import Checker

ROOT = Path(__file__).resolve().parents[1]


def main(langs: list[str]) -> int:
    samples = ROOT / "sample_transcripts"
    langs = langs or sorted(p.parent.name for p in samples.glob("*/labels.yml"))
    worst = 1.0
    for lang in langs:
        checker = Checker.from_rules(ROOT / "rules" / lang)
        results = [r for r in checker.check_paths([samples / lang]) if isinstance(r, CallResult)]
        agreement = compare(results, load_labels(samples / lang / "labels.yml"))
        print(f"== {lang}: {len(results)} calls")
        print(agreement.summary())
        worst = min(worst, agreement.rate)
    return 0 if worst == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
