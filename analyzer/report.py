"""The HTML report: result tables in, one self-contained HTML file out (styles, script and charts
inlined; nothing loaded from the network).

Every value reaches the page through Jinja2 with autoescaping, so a transcript that says
`<script>...</script>` shows those characters. As a second line of defence the page's Content
Security Policy lets only its own script (by hash) run and forbids every network request.
"""
from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from . import reportdata
from .export import atomic_path

REPORT_NAME = "report.html"

_ENV = Environment(loader=PackageLoader("analyzer", "templates"), autoescape=True, undefined=StrictUndefined,
                   trim_blocks=False, lstrip_blocks=False)


def _asset(name: str) -> str:
    assert _ENV.loader is not None
    return _ENV.loader.get_source(_ENV, name)[0]


def _timeline(points: list[dict[str, Any]], width: int = 900, height: int = 240) -> dict[str, Any] | None:
    """Coordinates for the inline SVG line chart of mean score and compliance (both 0-100)."""
    if not points:
        return None
    left, right, top, bottom = 44, width - 16, 12, height - 28
    step = (right - left) / max(len(points) - 1, 1)
    every = max(1, round(len(points) / 12))  # at most about twelve date labels

    def y_of(value: float | None) -> float | None:
        return None if value is None else round(bottom - (bottom - top) * value / 100, 1)

    laid = []
    for i, p in enumerate(points):
        x = round(left + i * step, 1)
        laid.append({**p, "x": x, "score_y": y_of(p["mean_score"]), "compliance_y": y_of(p["compliance"]),
                     "label": p["period"][5:] if i % every == 0 or i == len(points) - 1 else ""})
    return {
        "width": width, "height": height, "left": left, "right": right, "points": laid,
        "weekly": points[0]["weekly"],
        "grid": [{"y": y_of(v), "label": str(v)} for v in (0, 25, 50, 75, 100)],
        "score_points": " ".join(f"{p['x']},{p['score_y']}" for p in laid if p["score_y"] is not None),
        "compliance_points": " ".join(f"{p['x']},{p['compliance_y']}" for p in laid if p["compliance_y"] is not None),
    }


def render_report(tables: Mapping[str, pd.DataFrame], *, title: str = "Call quality report", source: str = "",
                  mask: Callable[[str], str] | None = None, redacted: bool = False) -> str:
    """The report as one HTML string. `mask` (e.g. redact.redact) is applied to all spoken text first;
    `redacted` says the tables were masked already (the header then says so too)."""
    if mask is not None:
        tables = reportdata.mask_tables(tables, mask)
    calls = reportdata.calls_to_review(tables)
    agents = reportdata.by_agent(tables)
    js = _asset("report.js")
    digest = base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode("ascii")
    return _ENV.get_template("report.html.j2").render(
        title=title, source=source, redacted=redacted or mask is not None,
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        css=Markup(_asset("report.css")), js=Markup(js), script_hash=f"sha256-{digest}",
        head=reportdata.headline(tables), stages=reportdata.by_stage(tables), rules=reportdata.by_rule(tables),
        agents=agents, teams=reportdata.by_team(tables), timeline=_timeline(reportdata.over_time(tables)),
        calls=calls, stage_labels=reportdata.STAGE_LABELS,
        agent_ids=sorted({c.agent_id for c in calls if c.agent_id}),
        team_names=sorted({c.team for c in calls if c.team}),
    )


def write_report(tables: Mapping[str, pd.DataFrame], target: str | Path, **options: Any) -> Path:
    """Render and write the report atomically; returns the path written."""
    path = Path(target)
    html = render_report(tables, **options)
    with atomic_path(path) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return path
