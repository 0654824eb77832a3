"""Figures for people: the result tables in, plain Python figures out (headline, compliance by stage,
rule, agent, team and date, calls to review, and each call's turns with its verdicts).

Both the HTML report (report.py) and the terminal summary (summary.py) draw from these figures, so
the two always agree with each other and with the tables they were computed from.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .tables import SPOKEN_TEXT_COLUMNS

STAGE_ORDER = ("greeting", "transfer", "answering", "difficult_client", "closing", "general")
STAGE_LABELS = {"greeting": "Greeting", "transfer": "Hold and transfer", "answering": "Answering",
                "difficult_client": "Difficult client", "closing": "Closing", "general": "Whole call",
                "": "Outside stages"}


@dataclass(frozen=True)
class Rate:
    """Compliance of one group: applicable findings, how many passed, and the share (0-100)."""

    key: str
    label: str
    applicable: int
    passed: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return self.applicable - self.passed

    @property
    def percent(self) -> float | None:
        return round(100 * self.passed / self.applicable, 1) if self.applicable else None


@dataclass(frozen=True)
class Headline:
    n_calls: int
    mean_score: float | None
    mean_score_final: float | None
    critical_share: float | None  # percent of calls with a critical failure
    n_critical: int
    n_missing_greeting: int
    n_missing_closing: int
    n_agents: int
    n_errors: int
    first_date: str
    last_date: str


def _num(value: Any) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value) if value is not None and not (isinstance(value, float) and math.isnan(value)) else False


def _int(value: Any) -> int | None:
    number = _num(value)
    return None if number is None else int(number)


def mask_tables(tables: Mapping[str, pd.DataFrame], mask: Callable[[str], str]) -> dict[str, pd.DataFrame]:
    """A copy of the tables with `mask` applied to every column of spoken text."""
    out = dict(tables)
    for name, columns in SPOKEN_TEXT_COLUMNS.items():
        if name in out:
            frame = out[name].copy()
            for column in columns:
                if column in frame.columns:
                    frame[column] = frame[column].map(lambda v: mask(v) if isinstance(v, str) else v)
            out[name] = frame
    return out


def _bool_column(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame[column].map(_bool).astype(bool)


def headline(tables: Mapping[str, pd.DataFrame]) -> Headline:
    calls = tables.get("calls", pd.DataFrame())
    n = len(calls)
    scores = pd.to_numeric(calls.get("score", pd.Series(dtype=float)), errors="coerce")
    finals = pd.to_numeric(calls.get("score_final", pd.Series(dtype=float)), errors="coerce")
    critical = int(_bool_column(calls, "critical_fail").sum()) if n else 0
    dates = sorted(d for d in calls.get("date", pd.Series(dtype=str)).astype(str) if d and d != "nan") if n else []
    agents = calls["agent_id"].astype(str) if n and "agent_id" in calls else pd.Series(dtype=str)
    return Headline(
        n_calls=n,
        mean_score=round(float(scores.mean()), 1) if scores.notna().any() else None,
        mean_score_final=round(float(finals.mean()), 1) if finals.notna().any() else None,
        critical_share=round(100 * critical / n, 1) if n else None,
        n_critical=critical,
        n_missing_greeting=int(_bool_column(calls, "missing_greeting").sum()) if n else 0,
        n_missing_closing=int(_bool_column(calls, "missing_closing").sum()) if n else 0,
        n_agents=int(agents[agents != ""].nunique()),
        n_errors=len(tables.get("errors", pd.DataFrame())),
        first_date=dates[0] if dates else "",
        last_date=dates[-1] if dates else "",
    )


def _applicable(findings: pd.DataFrame) -> pd.DataFrame:
    if findings.empty or "status" not in findings:
        return pd.DataFrame(columns=["stage", "rule_name", "rule_id", "status", "score", "call_id"])
    applicable = findings[findings["status"].isin(["pass", "fail"])]
    return applicable.assign(passed=(applicable["status"] == "pass").astype(int))


def by_stage(tables: Mapping[str, pd.DataFrame]) -> list[Rate]:
    applicable = _applicable(tables.get("findings", pd.DataFrame()))
    rates = []
    stages = [s for s in STAGE_ORDER if s in set(applicable["stage"])]
    stages += sorted(set(applicable["stage"]) - set(stages))
    for stage in stages:
        rows = applicable[applicable["stage"] == stage]
        rates.append(Rate(stage, STAGE_LABELS.get(stage, stage), len(rows), int(rows["passed"].sum())))
    return rates


def by_rule(tables: Mapping[str, pd.DataFrame]) -> list[Rate]:
    """Per rule name, worst compliance first; `extra` holds the stage, the rule ids and the mean
    similarity of the failed attempts (how close the agents came)."""
    applicable = _applicable(tables.get("findings", pd.DataFrame()))
    rates = []
    for name, rows in applicable.groupby("rule_name", sort=True):
        # A forbidden rule's score is how surely the forbidden phrase was said: no near miss there.
        attempts = rows[(rows["status"] == "fail") & (rows.get("check", "") != "forbidden")]
        failed = pd.to_numeric(attempts["score"], errors="coerce")
        rates.append(Rate(str(name), str(name), len(rows), int(rows["passed"].sum()), {
            "stage": str(rows["stage"].iloc[0]),
            "rule_ids": ", ".join(sorted(set(rows["rule_id"].astype(str)))),
            "near_miss": round(float(failed.mean()), 1) if failed.notna().any() else None,
        }))
    return sorted(rates, key=lambda r: (r.percent if r.percent is not None else 101, r.key))


def _group_rows(tables: Mapping[str, pd.DataFrame], keys: list[str]) -> list[dict[str, Any]]:
    calls = tables.get("calls", pd.DataFrame())
    if calls.empty:
        return []
    calls = calls.assign(**{c: _bool_column(calls, c) for c in ("critical_fail", "missing_greeting", "missing_closing")})
    calls = calls.assign(score=pd.to_numeric(calls["score"], errors="coerce"),
                         score_final=pd.to_numeric(calls["score_final"], errors="coerce"))
    applicable = _applicable(tables.get("findings", pd.DataFrame()))
    rows = []
    for key, group in calls.groupby(keys, dropna=False, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        row: dict[str, Any] = {k: ("" if pd.isna(v) else str(v)) for k, v in zip(keys, key)}
        mine = applicable[applicable["call_id"].isin(set(group["call_id"]))] if len(applicable) else applicable
        row.update(
            n_calls=len(group),
            n_agents=int(group["agent_id"].astype(str).nunique()) if "agent_id" in group else 0,
            mean_score=_round(group["score"].mean()),
            mean_score_final=_round(group["score_final"].mean()),
            compliance=_round(100 * mine["passed"].mean()) if len(mine) else None,
            n_critical=int(group["critical_fail"].sum()),
            n_missing_greeting=int(group["missing_greeting"].sum()),
            n_missing_closing=int(group["missing_closing"].sum()),
        )
        rows.append(row)
    return sorted(rows, key=lambda r: (-(r["mean_score"] if r["mean_score"] is not None else -1), *[r[k] for k in keys]))


def _round(value: Any) -> float | None:
    number = _num(value)
    return None if number is None else round(number, 1)


def by_agent(tables: Mapping[str, pd.DataFrame]) -> list[dict[str, Any]]:
    """Leaderboard rows, best mean score first: agent_id, team, n_calls, mean scores, compliance (share
    of applicable rules passed), critical failures and calls missing a greeting or a closing."""
    return _group_rows(tables, ["agent_id", "team"])


def by_team(tables: Mapping[str, pd.DataFrame]) -> list[dict[str, Any]]:
    return _group_rows(tables, ["team"])


def over_time(tables: Mapping[str, pd.DataFrame]) -> list[dict[str, Any]]:
    """Per day (per week past 45 days): calls, mean score and compliance; empty without two dated periods."""
    calls = tables.get("calls", pd.DataFrame())
    if calls.empty or "date" not in calls:
        return []
    dates = pd.to_datetime(calls["date"].astype(str), errors="coerce", format="mixed")
    dated = calls.assign(_day=dates.dt.normalize(), score=pd.to_numeric(calls["score"], errors="coerce"))
    dated = dated[dated["_day"].notna()]
    if dated.empty:
        return []
    weekly = (dated["_day"].max() - dated["_day"].min()).days > 45
    period = dated["_day"].dt.to_period("W").dt.start_time if weekly else dated["_day"]
    dated = dated.assign(_period=period)
    applicable = _applicable(tables.get("findings", pd.DataFrame()))
    if not applicable.empty:
        applicable = applicable.join(dated.set_index("call_id")["_period"], on="call_id")
    points = []
    for when, group in dated.groupby("_period", sort=True):
        mine = applicable[applicable["_period"] == when] if not applicable.empty else applicable
        points.append({
            "period": when.strftime("%Y-%m-%d"), "weekly": weekly, "n_calls": len(group),
            "mean_score": _round(group["score"].mean()),
            "compliance": _round(100 * mine["passed"].mean()) if len(mine) else None,
        })
    return points if len(points) >= 2 else []


@dataclass(frozen=True)
class Verdict:
    rule_id: str
    rule_name: str
    stage: str
    status: str
    severity: str
    score: float | None
    evidence: str
    message: str
    turn: int | None


@dataclass(frozen=True)
class TurnView:
    index: int
    speaker: str
    role: str
    text: str
    start_s: float | None
    stage: str
    verdicts: list[Verdict]


@dataclass(frozen=True)
class CallView:
    """One call for a reader: its figures, its flags, and its turns with the verdicts placed beside them."""

    call_id: str
    agent_id: str
    team: str
    date: str
    language: str
    file: str
    end_reason: str
    score: float | None
    score_final: float | None
    critical_fail: bool
    missing_greeting: bool
    missing_closing: bool
    n_failed: int
    failed_rules: list[str]
    turns: list[TurnView]
    unplaced: list[Verdict]  # failed rules with no span anywhere in the call
    not_applicable: list[str]

    @property
    def flags(self) -> list[str]:
        return [label for flag, label in ((self.critical_fail, "critical failure"),
                                          (self.missing_greeting, "no greeting"),
                                          (self.missing_closing, "no closing")) if flag]


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def calls_to_review(tables: Mapping[str, pd.DataFrame]) -> list[CallView]:
    """Every call, the ones to look at first on top: critical failures, then by final score, then
    missing greeting or closing."""
    calls = tables.get("calls", pd.DataFrame())
    findings = tables.get("findings", pd.DataFrame())
    turns = tables.get("turns", pd.DataFrame())
    # Records once and bucketed in Python: a groupby + to_dict per call is ~20x slower at 5,000 calls.
    by_call_findings: dict[str, list[dict[str, Any]]] = {}
    for record in findings.to_dict("records"):
        by_call_findings.setdefault(_text(record.get("call_id")), []).append(record)
    by_call_turns: dict[str, list[dict[str, Any]]] = {}
    for record in turns.to_dict("records"):
        by_call_turns.setdefault(_text(record.get("call_id")), []).append(record)
    views = []
    for row in calls.to_dict("records"):
        call_id = _text(row.get("call_id"))
        verdicts, not_applicable = [], []
        for f in by_call_findings.get(call_id, []):
            if f.get("status") == "not_applicable":
                not_applicable.append(_text(f.get("rule_name")))
                continue
            verdicts.append(Verdict(
                _text(f.get("rule_id")), _text(f.get("rule_name")), _text(f.get("stage")), _text(f.get("status")),
                _text(f.get("severity")), _round(f.get("score")), _text(f.get("evidence")), _text(f.get("message")),
                _int(f.get("turn"))))
        placed: dict[int, list[Verdict]] = {}
        turn_views = []
        call_turns = by_call_turns.get(call_id, [])
        known = {_int(t.get("turn")) for t in call_turns}
        for v in verdicts:
            if v.turn is not None and v.turn in known:
                placed.setdefault(v.turn, []).append(v)
        for t in call_turns:
            index = _int(t.get("turn")) or 0
            turn_views.append(TurnView(index, _text(t.get("speaker")), _text(t.get("role")), _text(t.get("text")),
                                       _round(t.get("start_s")), _text(t.get("stage")), placed.get(index, [])))
        unplaced = [v for v in verdicts if v.turn is None or v.turn not in known]
        views.append(CallView(
            call_id=call_id, agent_id=_text(row.get("agent_id")), team=_text(row.get("team")),
            date=_text(row.get("date")), language=_text(row.get("language")), file=_text(row.get("file")),
            end_reason=_text(row.get("end_reason")), score=_round(row.get("score")),
            score_final=_round(row.get("score_final")), critical_fail=_bool(row.get("critical_fail")),
            missing_greeting=_bool(row.get("missing_greeting")), missing_closing=_bool(row.get("missing_closing")),
            n_failed=sum(v.status == "fail" for v in verdicts),
            failed_rules=sorted({v.rule_name for v in verdicts if v.status == "fail"}),
            turns=turn_views, unplaced=unplaced, not_applicable=sorted(set(not_applicable)),
        ))
    return sorted(views, key=lambda v: (not v.critical_fail,
                                        v.score_final if v.score_final is not None else 101,
                                        not (v.missing_greeting or v.missing_closing), v.call_id))
