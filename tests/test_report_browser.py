"""The HTML report in a real browser (headless Chromium through Playwright): figures against the
tables, sorting, filtering, opening a call, injected markup that must stay text, and a screenshot.

Needs Debian's chromium at /usr/bin/chromium (CI installs it); skipped with a reason without it.
Set CALLQA_SCREENSHOT_DIR to keep a copy of the screenshot there as report-screenshot.png.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
CSV_READ = {"dtype": {"call_id": str, "agent_id": str}}

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
if not CHROMIUM.is_file():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.dialogs = []  # type: ignore[attr-defined]
    page.errors = []  # type: ignore[attr-defined]
    page.requests = []  # type: ignore[attr-defined]

    def on_dialog(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("request", lambda request: page.requests.append(request.url))
    yield page
    context.close()


def _open(page, html: Path) -> None:
    page.goto(html.resolve().as_uri())
    page.wait_for_selector("#review-count:not(:empty)")


def _figure(page, name: str) -> str:
    return page.locator(f'[data-figure="{name}"]').inner_text().strip()


def test_report_in_the_browser(page, sample_results, tmp_path):
    calls = pd.read_csv(sample_results / "calls.csv", **CSV_READ)
    findings = pd.read_csv(sample_results / "findings.csv", **CSV_READ)
    turns = pd.read_csv(sample_results / "turns.csv", **CSV_READ)
    _open(page, sample_results / "report.html")

    # headline figures, as the tables say
    assert _figure(page, "calls") == str(len(calls))
    assert _figure(page, "mean-score") == f"{calls['score'].mean():.1f}"
    assert _figure(page, "critical-share") == f"{100 * calls['critical_fail'].mean():.1f}%"
    assert _figure(page, "missing-greeting") == str(int(calls["missing_greeting"].sum()))
    assert _figure(page, "missing-closing") == str(int(calls["missing_closing"].sum()))
    applicable = findings[findings["status"].isin(["pass", "fail"])]
    for stage, rows in applicable.groupby("stage"):
        shown = page.locator(f'#stage-bars [data-stage="{stage}"]').inner_text()
        assert shown == f"{100 * (rows['status'] == 'pass').mean():.1f}%", stage
    assert page.locator("#time svg circle").count() >= 2 * calls["date"].nunique() - 1
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)

    # sort the leaderboard by mean score, both ways
    header = page.locator("#agent-table thead th", has_text="Mean score")
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    column = [float(v) for v in page.locator("#agent-table tbody tr td:nth-child(4)").all_inner_texts()]
    assert column == sorted(column)
    header.locator("button").click()
    column = [float(v) for v in page.locator("#agent-table tbody tr td:nth-child(4)").all_inner_texts()]
    assert column == sorted(column, reverse=True)
    agent_means = calls.groupby("agent_id")["score"].mean().round(1)
    assert column[0] == agent_means.max()

    # filter the calls to review
    rows = page.locator("#review-table tbody tr")
    assert rows.count() == len(calls)
    page.check("#filter-critical")
    visible = page.locator("#review-table tbody tr:not([hidden])")
    assert visible.count() == int(calls["critical_fail"].sum())
    assert page.locator("#review-count").inner_text() == f"{int(calls['critical_fail'].sum())} of {len(calls)} calls shown"
    page.uncheck("#filter-critical")
    agent = calls["agent_id"].iloc[0]
    page.select_option("#filter-agent", agent)
    assert visible.count() == int((calls["agent_id"] == agent).sum())
    page.select_option("#filter-agent", "")
    page.fill("#filter-score", "50")
    assert visible.count() == int((calls["score_final"] < 50).sum())
    page.fill("#filter-score", "")
    assert visible.count() == len(calls)

    # open the worst call: its transcript, coloured by stage, verdicts beside their turns
    first = visible.first
    call_id = first.locator("td").first.inner_text().strip()
    first.locator("a").click()
    panel = page.locator("article.call:target")
    panel.wait_for(state="visible")
    assert panel.locator("h3").inner_text() == call_id
    its_turns = turns[turns["call_id"] == call_id]
    assert panel.locator(".turn").count() == len(its_turns)
    assert panel.locator(".turn.stage-greeting").count() == int((its_turns["stage"] == "greeting").sum())
    failed = findings[(findings["call_id"] == call_id) & (findings["status"] == "fail")]
    assert panel.locator(".verdict .tag.fail").count() == len(failed)
    placed = failed[failed["turn"].notna()].iloc[0]
    verdict_turn = panel.locator(f'.turn[data-turn="{int(placed["turn"])}"]')
    assert placed["rule_id"] in verdict_turn.locator(".verdicts").inner_text()
    shot = tmp_path / "report-call.png"
    page.screenshot(path=str(shot))
    page.locator("article.call:target a.close").click()
    assert page.locator("article.call:target").count() == 0

    assert page.errors == [] and page.dialogs == []
    assert all(url.startswith("file://") for url in page.requests), page.requests  # works offline
    keep = os.environ.get("CALLQA_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "report.png", Path(keep) / "report-screenshot.png")
        shutil.copy(shot, Path(keep) / "report-call-screenshot.png")


def test_injected_markup_stays_text(page, hostile_results, tmp_path):
    _open(page, hostile_results / "report.html")
    assert page.locator("#review-table tbody tr").count() == 1
    page.locator("#review-table tbody a").first.click()
    panel = page.locator("article.call:target")
    panel.wait_for(state="visible")
    text = panel.inner_text()
    assert "<script>alert(1)</script> my card is not working." in text
    assert "I see <img src=x onerror=alert(2)> in the notes" in text
    assert "hostile-<script>alert('id')</script>" in panel.locator("h3").inner_text()
    assert page.get_by_text("<script>alert(1)</script>", exact=False).first.is_visible()
    assert page.locator("main img, main script").count() == 0
    page.wait_for_timeout(300)  # an onerror would have fired by now
    page.screenshot(path=str(tmp_path / "hostile.png"))
    assert page.dialogs == [], page.dialogs
    assert page.errors == []
