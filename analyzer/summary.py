"""Terminal summary of a results folder: result tables in, aligned rich tables out (compliance by
stage, by rule and by agent) for a quick look without a browser."""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from . import reportdata


def _pct(value: float | None) -> Text:
    if value is None:
        return Text("n/a", style="dim")
    style = "green" if value >= 90 else ("yellow" if value >= 75 else "bold red")
    return Text(f"{value:.1f}%", style=style)


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _rate_table(title: str, rates: list[reportdata.Rate], first: str, rules: bool = False) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold")
    table.add_column(first)
    if rules:
        table.add_column("ids")
    table.add_column("applicable", justify="right")
    table.add_column("passed", justify="right")
    table.add_column("failed", justify="right")
    table.add_column("compliance", justify="right")
    if rules:
        table.add_column("near miss", justify="right")
    for r in rates:
        cells = [Text(r.label), *([Text(r.extra.get("rule_ids", ""))] if rules else []), str(r.applicable), str(r.passed),
                 str(r.failed), _pct(r.percent)]
        if rules:
            cells.append(_num(r.extra.get("near_miss")))
        table.add_row(*cells)
    return table


def render_summary(tables: Mapping[str, pd.DataFrame], console: Console) -> None:
    head = reportdata.headline(tables)
    period = f", {head.first_date} to {head.last_date}" if head.first_date else ""
    console.print(f"[bold]{head.n_calls} calls[/]{escape(period)}; mean score {_num(head.mean_score)} "
                  f"(final {_num(head.mean_score_final)}); critical failures {head.n_critical} "
                  f"({_num(head.critical_share)}{'%' if head.critical_share is not None else ''}); missing greeting {head.n_missing_greeting}, "
                  f"missing closing {head.n_missing_closing}")
    console.print(_rate_table("Compliance by stage", reportdata.by_stage(tables), "stage"))
    console.print(_rate_table("Compliance by rule (worst first)", reportdata.by_rule(tables), "rule", rules=True))
    agents = Table(title="By agent (best mean score first)", title_justify="left", title_style="bold")
    for name, justify in (("agent", "left"), ("team", "left"), ("calls", "right"), ("mean score", "right"),
                          ("final score", "right"), ("compliance", "right"), ("critical", "right"),
                          ("no greeting", "right"), ("no closing", "right")):
        agents.add_column(name, justify=justify)  # type: ignore[arg-type]
    for a in reportdata.by_agent(tables):
        agents.add_row(Text(a["agent_id"] or "(none)"), Text(a["team"]), str(a["n_calls"]), _num(a["mean_score"]),
                       _num(a["mean_score_final"]), _pct(a["compliance"]), str(a["n_critical"]),
                       str(a["n_missing_greeting"]), str(a["n_missing_closing"]))
    console.print(agents)
