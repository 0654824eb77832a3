"""Terminal view of one checked call: a CallResult in, rich text out (turns by stage, verdicts beside them)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from rich.console import Console
from rich.markup import escape

from .models import CallResult, Finding, Status, stage_at

STAGE_STYLE = {"greeting": "cyan", "answering": "white", "transfer": "magenta", "difficult_client": "red",
               "closing": "green"}
STATUS_MARK = {Status.PASS: "[green]PASS[/]", Status.FAIL: "[bold red]FAIL[/]", Status.NOT_APPLICABLE: "[dim]n/a [/]"}


def _verdict_line(f: Finding, mask: Callable[[str], str]) -> str:
    score = "" if f.score is None else f" {f.score:.0f}"
    text = f"    {STATUS_MARK[f.status]} {f.rule_id} {escape(f.rule_name)}{score}"
    if f.status is Status.FAIL and f.message:
        text += f" [dim]- {escape(mask(f.message))}[/]"
    return text


def _keep(text: str) -> str:
    return text


def render_call(result: CallResult, console: Console, mask: Callable[[str], str] | None = None) -> None:
    """Print the call; `mask` (e.g. redact.redact) is applied to every spoken text before it is shown."""
    mask = mask or _keep
    t = result.transcript
    meta = ", ".join(f"{k}={escape(str(v))}" for k, v in t.metadata.items() if k in ("agent_id", "team", "date", "company"))
    score = "n/a" if result.score is None else f"{result.score:.1f}"
    console.print(f"[bold]{escape(t.call_id)}[/] ({escape(t.source_file)}) {meta}")
    console.print(f"language {result.language} ({result.language_source}), roles by {t.role_source}, "
                  f"end: {result.end_reason}, score {score}"
                  + (" [bold red]CRITICAL FAIL[/]" if result.critical_fail else ""))
    by_turn: dict[int, list[Finding]] = defaultdict(list)
    unplaced: list[Finding] = []
    for f in result.findings:
        if f.status is Status.NOT_APPLICABLE:
            continue
        (by_turn[f.turn] if f.turn is not None else unplaced).append(f)
    current = None
    for turn in t.turns:
        stage = stage_at(result.stages, turn.index)
        if stage != current:
            console.print(f"[{STAGE_STYLE.get(stage, 'white')}]── {stage or 'outside stages'} ──[/]")
            current = stage
        when = f"[{turn.start_s:6.1f}s] " if turn.start_s is not None else ""
        style = STAGE_STYLE.get(stage, "white")
        console.print(f"{turn.index:3d} {when}[{style}]{escape(turn.role.value):8}[/] {escape(mask(turn.text))}")
        for f in by_turn.get(turn.index, []):
            console.print(_verdict_line(f, mask))
    if unplaced:
        console.print("[bold]── not found anywhere ──[/]")
        for f in unplaced:
            console.print(_verdict_line(f, mask))
    na = sorted({f.rule_name for f in result.findings if f.status is Status.NOT_APPLICABLE})
    if na:
        console.print(f"[dim]not applicable: {', '.join(na)}[/]")
