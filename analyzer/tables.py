"""Tidy tables: CallResults and InputErrors in, pandas DataFrames with a fixed column order out.

findings (one row per call x rule x episode), calls, stages, turns, agents, teams and errors. The
column lists below are the documented contract (README "Output tables"); new columns go at the end.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .models import CallResult, InputError, Status, stage_at
from .rowformat import frame_dtypes
from .timing import TIMING_COLUMNS

FINDINGS_COLUMNS = [
    "call_id", "agent_id", "team", "date", "language", "stage", "occurrence", "rule_id", "rule_name",
    "check", "severity", "weight", "status", "score", "message", "evidence", "turn", "speaker",
    "start_s", "rule_source",
]
CALLS_COLUMNS = [
    "call_id", "file", "agent_id", "team", "date", "language", "language_source", "pack",
    "role_source", "role_confidence", "encoding", "end_reason", "duration_s", "n_turns", "stages_found",
    "n_applicable", "n_passed", "n_failed", "score", "score_final", "critical_fail",
    "missing_greeting", "missing_closing", *TIMING_COLUMNS,
]
STAGES_COLUMNS = [
    "call_id", "stage", "occurrence", "kind", "start_turn", "end_turn", "start_s", "end_s", "hold_s",
]
TURNS_COLUMNS = ["call_id", "turn", "speaker", "role", "text", "start_s", "end_s", "stage"]
GROUP_COLUMNS = [
    "n_calls", "mean_score", "mean_score_final", "critical_fail_rate", "missing_greeting_rate",
    "missing_closing_rate",
]
AGENTS_COLUMNS = ["agent_id", "team", *GROUP_COLUMNS]  # then one pass-rate column per rule name
TEAMS_COLUMNS = ["team", "n_agents", *GROUP_COLUMNS]
ERRORS_COLUMNS = ["file", "line", "message"]
RATE_PREFIX = "pass_rate:"  # agents/teams: share of applicable findings that passed, per rule name

TABLE_NAMES = ("findings", "calls", "stages", "turns", "agents", "teams", "errors")
# Columns that hold words spoken in the call (or quote them): what --redact masks.
SPOKEN_TEXT_COLUMNS = {"findings": ("message", "evidence"), "turns": ("text",)}


def _meta(result: CallResult, key: str) -> Any:
    value = result.transcript.metadata.get(key)
    return "" if value is None else str(value)


def finding_rows(result: CallResult) -> list[dict[str, Any]]:
    rows = []
    for f in result.findings:
        rows.append({
            "call_id": f.call_id, "agent_id": _meta(result, "agent_id"), "team": _meta(result, "team"),
            "date": _meta(result, "date"), "language": result.language, "stage": f.stage,
            "occurrence": f.occurrence, "rule_id": f.rule_id, "rule_name": f.rule_name, "check": f.check,
            "severity": f.severity.value, "weight": f.weight, "status": f.status.value, "score": f.score,
            "message": f.message, "evidence": f.evidence, "turn": f.turn, "speaker": f.speaker,
            "start_s": f.start_s, "rule_source": f.rule_source,
        })
    return rows


def call_row(result: CallResult) -> dict[str, Any]:
    t = result.transcript
    found = []
    for span in result.stages:
        if span.kind != "missing" and span.stage not in found:
            found.append(span.stage)
    row = {
        "call_id": t.call_id, "file": t.source_file, "agent_id": _meta(result, "agent_id"),
        "team": _meta(result, "team"), "date": _meta(result, "date"), "language": result.language,
        "language_source": result.language_source, "pack": result.pack_name, "role_source": t.role_source,
        "role_confidence": t.role_confidence, "encoding": t.encoding, "end_reason": result.end_reason,
        "duration_s": t.duration_s, "n_turns": len(t.turns), "stages_found": ";".join(found),
        "n_applicable": result.n_applicable, "n_passed": result.n_passed, "n_failed": result.n_failed,
        "score": result.score, "score_final": result.score_final, "critical_fail": result.critical_fail,
        "missing_greeting": result.missing_greeting, "missing_closing": result.missing_closing,
    }
    row.update(result.timing)
    return row


def stage_rows(result: CallResult) -> list[dict[str, Any]]:
    return [
        {"call_id": result.transcript.call_id, "stage": s.stage, "occurrence": s.occurrence, "kind": s.kind,
         "start_turn": s.start_turn, "end_turn": s.end_turn, "start_s": s.start_s, "end_s": s.end_s,
         "hold_s": s.hold_s}
        for s in result.stages
    ]


def turn_rows(result: CallResult) -> list[dict[str, Any]]:
    stages = _stage_of_turns(result)
    return [
        {"call_id": result.transcript.call_id, "turn": t.index, "speaker": t.speaker, "role": t.role.value,
         "text": t.text, "start_s": t.start_s, "end_s": t.end_s, "stage": stages.get(t.index, "")}
        for t in result.transcript.turns
    ]


def _stage_of_turns(result: CallResult) -> dict[int, str]:
    """stage_at() for every turn at once: each distinct set of stages that cover a turn is decided once."""
    covering: dict[int, tuple[str, ...]] = {}
    for span in result.stages:
        if span.kind != "missing":
            for t in range(span.start_turn, span.end_turn + 1):
                covering[t] = covering.get(t, ()) + (span.stage,)
    decided: dict[tuple[str, ...], str] = {}
    out = {}
    for t, names in covering.items():
        stage = decided.get(names)
        if stage is None:
            stage = decided[names] = stage_at([s for s in result.stages if s.kind != "missing" and s.contains(t)], t)
        out[t] = stage
    return out


def mask_rows(rows: list[dict[str, Any]], columns: Iterable[str], mask: Callable[[str], str]) -> list[dict[str, Any]]:
    for row in rows:
        for column in columns:
            if isinstance(row.get(column), str):
                row[column] = mask(row[column])
    return rows


@dataclass
class TableBuilder:
    """Accumulates rows call by call, so results can be streamed in rather than kept as objects.

    `mask` (e.g. redact.redact) is applied to the spoken-text columns before a row is kept.
    """

    findings: list[dict[str, Any]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    stages: list[dict[str, Any]] = field(default_factory=list)
    turns: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    mask: Callable[[str], str] | None = None

    def add(self, item: CallResult | InputError) -> None:
        if isinstance(item, InputError):
            self.errors.append(item.to_record())
            return
        findings, turns = finding_rows(item), turn_rows(item)
        if self.mask:
            mask_rows(findings, SPOKEN_TEXT_COLUMNS["findings"], self.mask)
            mask_rows(turns, SPOKEN_TEXT_COLUMNS["turns"], self.mask)
        self.findings.extend(findings)
        self.calls.append(call_row(item))
        self.stages.extend(stage_rows(item))
        self.turns.extend(turns)

    def add_all(self, items: Iterable[CallResult | InputError]) -> "TableBuilder":
        for item in items:
            self.add(item)
        return self

    def build(self) -> dict[str, pd.DataFrame]:
        findings = _frame(self.findings, FINDINGS_COLUMNS, "findings")
        calls = _frame(self.calls, CALLS_COLUMNS, "calls")
        return {
            "findings": findings,
            "calls": calls,
            "stages": _frame(self.stages, STAGES_COLUMNS, "stages"),
            "turns": _frame(self.turns, TURNS_COLUMNS, "turns"),
            "agents": group_table(calls, findings, ["agent_id", "team"], AGENTS_COLUMNS),
            "teams": group_table(calls, findings, ["team"], TEAMS_COLUMNS),
            "errors": _frame(self.errors, ERRORS_COLUMNS, "errors"),
        }


def _frame(rows: list[dict[str, Any]], columns: Sequence[str], table: str = "") -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    extra = [c for c in frame.columns if c not in columns]
    return typed(frame.reindex(columns=[*columns, *extra]), table)


def typed(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """The table's fixed column types (rowformat.COLUMN_TYPES): a table built in chunks or in one
    piece has the same dtypes, and so the same files, whatever values a chunk holds."""
    dtypes = frame_dtypes(table, frame.columns)
    try:
        return frame.astype(dtypes) if dtypes else frame
    except (TypeError, ValueError):
        return frame  # an unexpected value (a row from elsewhere): keep what pandas inferred


COUNT_COLUMNS = ["n_findings", "n_applicable", "n_passed"]


def rule_counts(findings: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per keys (agent_id, team) x rule name: how many findings, applicable ones and passed ones.

    Counts add up across chunks of calls, so group tables can be built without keeping every
    finding; a pass rate is n_passed / n_applicable, exactly what a mean of 0/1 gives."""
    if findings.empty:
        return pd.DataFrame(columns=[*keys, "rule_name", *COUNT_COLUMNS])
    status = findings["status"]
    frame = findings[[*keys, "rule_name"]].assign(
        n_findings=1,
        n_applicable=(status != Status.NOT_APPLICABLE.value).astype("int64"),
        n_passed=(status == Status.PASS.value).astype("int64"),
    )
    return frame.groupby([*keys, "rule_name"], dropna=False, sort=True)[COUNT_COLUMNS].sum().reset_index()


def group_table(calls: pd.DataFrame, findings: pd.DataFrame | None, keys: list[str], columns: Sequence[str],
                counts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per agent (or team): call counts, mean scores, and the pass rate of every rule name.

    The pass rates come from `findings`, or from their `rule_counts` (per agent_id and team, summed
    over chunks of calls) when the findings are not all in memory."""
    if counts is None:
        counts = rule_counts(findings if findings is not None else pd.DataFrame(), ["agent_id", "team"])
    counts = counts.groupby([*keys, "rule_name"], dropna=False, sort=True)[COUNT_COLUMNS].sum().reset_index() \
        if len(counts) else counts
    rule_names = sorted(counts.loc[counts["n_findings"] > 0, "rule_name"].dropna().unique()) if len(counts) else []
    rate_columns = [f"{RATE_PREFIX}{name}" for name in rule_names]
    if calls.empty:
        return pd.DataFrame(columns=[*columns, *rate_columns])
    grouped = calls.groupby(keys[0] if len(keys) == 1 else keys, dropna=False, sort=True)
    summary = grouped.agg(
        n_calls=("call_id", "count"),
        mean_score=("score", "mean"),
        mean_score_final=("score_final", "mean"),
        critical_fail_rate=("critical_fail", "mean"),
        missing_greeting_rate=("missing_greeting", "mean"),
        missing_closing_rate=("missing_closing", "mean"),
    ).reset_index()
    if "n_agents" in columns:
        agents = calls.groupby("team", dropna=False)["agent_id"].nunique().rename("n_agents").reset_index()
        summary = summary.merge(agents, on="team", how="left")
    applicable = counts[counts["n_applicable"] > 0] if len(counts) else counts
    if len(applicable):
        applicable = applicable.assign(rate=applicable["n_passed"].astype(float) / applicable["n_applicable"].astype(float))
        rates = applicable.pivot(index=keys, columns="rule_name", values="rate")
        rates.columns = [f"{RATE_PREFIX}{c}" for c in rates.columns]
        summary = summary.merge(rates.reset_index(), on=keys, how="left")
    for col in ("mean_score", "mean_score_final"):
        summary[col] = summary[col].astype(float).round(1)
    for col in [c for c in summary.columns if c.endswith("_rate") or c.startswith(RATE_PREFIX)]:
        summary[col] = summary[col].astype(float).round(3)
    return summary.reindex(columns=[*columns, *rate_columns])
