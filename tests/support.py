"""Builders for small calls used across tests."""
from __future__ import annotations

from pathlib import Path

from analyzer.models import Transcript
from analyzer.readers import ReadOptions, text_lines

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
SAMPLES = ROOT / "sample_transcripts"
REALDATA = ROOT.parent / "shared" / "realdata"
# The standard catalog every shipped pack implements (same names, same ids in every language).
CATALOG = (
    "greeting.salutation", "greeting.company", "greeting.agent-name", "greeting.offer-help",
    "transfer.permission", "transfer.announce-target", "transfer.thanks-for-waiting", "transfer.hold-duration",
    "difficult.empathy", "difficult.no-blame", "answering.no-forbidden", "answering.identity-check",
    "answering.message-taking", "answering.appointment", "closing.anything-else", "closing.thanks",
    "closing.farewell", "closing.order",
)


def make_call(*lines: str, call_id: str = "t", **metadata: str) -> Transcript:
    """make_call("Agent: hello", "Customer: hi", "[00:30] Agent: ...") -> Transcript with metadata."""
    call = text_lines.read(Path(f"{call_id}.txt"), "\n".join(lines), ReadOptions())[0]
    return Transcript(call_id, call.turns, {**call.metadata, **metadata}, f"{call_id}.txt")
