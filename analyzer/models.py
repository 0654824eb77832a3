"""Core value types that cross module boundaries.

Readers produce `Transcript`s of `Turn`s; the segmenter produces `StageSpan`s; the matcher produces
`Match`es; checks produce `Finding`s; the scorer wraps them in a `CallResult`. All are frozen
dataclasses with `to_record()` for the tables layer.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any


class Role(str, Enum):
    AGENT = "agent"
    CUSTOMER = "customer"
    OTHER = "other"  # IVR, system messages, a third party: never satisfies an agent rule
    UNKNOWN = "unknown"  # the reader could not tell; roles.py decides from labels or the dialogue


class Status(str, Enum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"


class Severity(str, Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2, Severity.CRITICAL: 3}

# Metadata keys with a column of their own in the tables; every other key stays in `metadata`.
KNOWN_METADATA = ("agent_id", "team", "date", "language", "company", "agent_name")


@dataclass(frozen=True)
class Turn:
    index: int
    speaker: str
    role: Role
    text: str
    start_s: float | None = None
    end_s: float | None = None
    source_line: int | None = None

    def to_record(self) -> dict[str, Any]:
        record = asdict(self)
        record["role"] = self.role.value
        return record


@dataclass(frozen=True)
class Transcript:
    call_id: str
    turns: tuple[Turn, ...]
    metadata: dict[str, Any] = field(default_factory=dict)
    source_file: str = ""
    # How the speaker roles were decided: "label", "mapping" or "inference", with a confidence.
    role_source: str = "label"
    role_confidence: float = 1.0
    encoding: str = ""

    def meta(self, key: str) -> Any:
        return self.metadata.get(key)

    @property
    def has_timestamps(self) -> bool:
        return any(t.start_s is not None for t in self.turns)

    @property
    def duration_s(self) -> float | None:
        ends = [t.end_s if t.end_s is not None else t.start_s for t in self.turns]
        starts = [t.start_s for t in self.turns if t.start_s is not None]
        ends = [e for e in ends if e is not None]
        if not starts or not ends:
            return None
        return round(max(ends) - min(starts), 3)


@dataclass(frozen=True)
class StageSpan:
    """A stretch of a call: turns start_turn..end_turn inclusive (turn indexes)."""

    stage: str
    occurrence: int
    start_turn: int
    end_turn: int
    start_s: float | None = None
    end_s: float | None = None
    # Episode details for transfer/difficult stages: kind ("hold", "transfer"), how it ended, etc.
    kind: str = ""
    trigger_turn: int | None = None
    return_turn: int | None = None
    hold_s: float | None = None
    # A transfer the caller asked for: their turn asking to be put through.
    requested_turn: int | None = None

    def contains(self, turn_index: int) -> bool:
        return self.start_turn <= turn_index <= self.end_turn

    def to_record(self) -> dict[str, Any]:
        return asdict(self)


# Episodes (transfer, difficult client) take precedence over the stage they sit in.
STAGE_PRECEDENCE = ("transfer", "difficult_client", "greeting", "closing", "answering")


def stage_at(stages: tuple[StageSpan, ...] | list[StageSpan], turn_index: int) -> str:
    """The stage a turn belongs to ("" outside every stage), episodes first."""
    names = {s.stage for s in stages if s.kind != "missing" and s.contains(turn_index)}
    for preferred in STAGE_PRECEDENCE:
        if preferred in names:
            return preferred
    return next(iter(sorted(names)), "")


@dataclass(frozen=True)
class Match:
    """The best alignment of one formula inside a stretch of turns."""

    formula: str
    score: float  # 0..100
    turn: int  # index of the first turn the span touches
    end_turn: int
    text: str  # the words of the span as spoken
    start_s: float | None = None
    word: int = 0  # index of the first matched word within `turn`, to order matches in one turn
    end_word: int = -1  # index of the last matched word within `end_turn` (-1: not known)

    @property
    def position(self) -> tuple[int, int]:
        return (self.turn, self.word)


@dataclass(frozen=True)
class Finding:
    call_id: str
    rule_id: str
    rule_name: str
    stage: str
    check: str
    severity: Severity
    weight: float
    status: Status
    score: float | None
    message: str
    evidence: str
    turn: int | None
    speaker: str
    start_s: float | None
    rule_source: str
    occurrence: int = 1

    def to_record(self) -> dict[str, Any]:
        record = asdict(self)
        record["severity"] = self.severity.value
        record["status"] = self.status.value
        return record


@dataclass(frozen=True)
class CallResult:
    transcript: Transcript
    language: str
    language_source: str
    pack_name: str
    stages: tuple[StageSpan, ...]
    findings: tuple[Finding, ...]
    end_reason: str
    score: float | None
    score_final: float | None
    critical_fail: bool
    n_applicable: int
    n_passed: int
    n_failed: int
    missing_greeting: bool
    missing_closing: bool
    timing: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class InputError:
    """A transcript that could not be read; recorded in errors.csv while the batch goes on."""

    file: str
    line: int | None
    message: str

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"
