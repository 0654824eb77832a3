"""Read and check every real transcript in ../shared/realdata: turn counts, how roles were decided,
and, for the Harper Valley calls, how the ASR transcripts' verdicts compare with the human ones.

Usage: python scripts/realdata_report.py [REALDATA_DIR]   (prints Markdown tables)
"""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from analyzer.evaluation import fold_findings
from analyzer.models import CallResult, InputError
from analyzer.readers import ReadOptions, discover
from analyzer.runner import Checker

ROOT = Path(__file__).resolve().parents[1]
NOT_TRANSCRIPTS = {"guidelines.json", "kb.json", "ontology.json"}
HARPER_RULES = ["greeting.salutation", "greeting.agent-name", "closing.thanks"]


def transcript_files(realdata: Path) -> list[Path]:
    files = []
    for path in discover([realdata]):
        if path.suffix.lower() == ".md" or path.name in NOT_TRANSCRIPTS or "LICENSE" in path.name:
            continue
        if "harper-valley" in path.parts and "metadata" in path.parts:
            continue  # per-call side files: the reader takes agent_name from them
        files.append(path)
    return files


def roles_summary(result: CallResult) -> str:
    by_speaker: dict[str, Counter] = {}
    for turn in result.transcript.turns:
        by_speaker.setdefault(turn.speaker or "?", Counter())[turn.role.value] += 1
    return "; ".join(f"{s}: " + "/".join(f"{r} {n}" for r, n in c.most_common()) for s, c in by_speaker.items())


def main(realdata: Path) -> int:
    en = ROOT / "rules" / "en"
    plain = Checker.from_rules(en)
    print("| file | calls | turns | role source | confidence | roles (speaker: role turns) |")
    print("|---|---|---|---|---|---|")
    harper = [p for p in transcript_files(realdata) if "harper-valley" in p.parts]
    for path in transcript_files(realdata):
        if path in harper:
            continue
        results = plain.check_file(path)
        calls = [r for r in results if isinstance(r, CallResult)]
        errors = [r for r in results if isinstance(r, InputError)]
        rel = path.relative_to(realdata)
        for err in errors:
            print(f"| {rel} | error | | | | {err.message} |")
        if not calls:
            continue
        first = calls[0]
        turns = sum(len(c.transcript.turns) for c in calls)
        sources = ", ".join(sorted({c.transcript.role_source for c in calls}))
        conf = min(c.transcript.role_confidence for c in calls)
        print(f"| {rel} | {len(calls)} | {turns} | {sources} | {conf:.2f} | {roles_summary(first)}{' (first call)' if len(calls) > 1 else ''} |")
    if not harper:
        return 0
    asr = Checker.from_rules(en, read_options=ReadOptions(field_map={"text": "transcript"}))
    human = Checker.from_rules(en)
    verdicts: dict[str, dict[str, dict[str, str]]] = {"asr": {}, "human": {}}
    turn_total = 0
    for path in harper:
        for kind, checker in (("asr", asr), ("human", human)):
            for r in checker.check_file(path):
                if isinstance(r, CallResult):
                    verdicts[kind][r.transcript.call_id] = {n: f.status.value for n, f in fold_findings(r.findings).items()}
                    if kind == "asr":
                        turn_total += len(r.transcript.turns)
    n = len(verdicts["asr"])
    print(f"\nHarper Valley: {n} calls, {turn_total} turns (ASR), roles from the speaker_role labels.\n")
    print("| rule | pass rate, ASR `transcript` | pass rate, `human_transcript` | ASR passes where the human transcript passes | verdicts agree |")
    print("|---|---|---|---|---|")
    for rule in HARPER_RULES:
        a = [verdicts["asr"][c][rule] for c in verdicts["asr"]]
        h = [verdicts["human"][c][rule] for c in verdicts["asr"]]
        said = [i for i, v in enumerate(h) if v == "pass"]
        kept = sum(1 for i in said if a[i] == "pass")
        agree = sum(1 for x, y in zip(a, h) if x == y)
        print(f"| {rule} | {a.count('pass')}/{n} | {h.count('pass')}/{n} | {kept}/{len(said)} | {agree}/{n} |")
    return 0


if __name__ == "__main__":
    default = ROOT.parent / "shared" / "realdata"
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else default))
