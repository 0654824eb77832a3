"""Outputs for people: Parquet and Excel beside the CSV, the turns table, neutralised formula cells,
the HTML report's content and escaping, --redact everywhere, and the terminal summary."""
from __future__ import annotations

import re

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from analyzer.cli import main
from analyzer.export import EXCEL_NAME, read_tables, write_tables
from analyzer.tables import TABLE_NAMES, TURNS_COLUMNS
from conftest import HOSTILE_CALL
from support import RULES, SAMPLES

CSV_READ = {"dtype": {"call_id": str, "agent_id": str}}


def test_check_writes_every_format_and_the_report(sample_results):
    names = {p.name for p in sample_results.iterdir()}
    for table in TABLE_NAMES:
        assert {f"{table}.csv", f"{table}.parquet"} <= names, table
    assert {EXCEL_NAME, "report.html"} <= names
    assert not [n for n in names if n.endswith(".tmp")]


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_parquet_and_excel_hold_the_same_rows_as_the_csv(sample_results, table):
    csv = pd.read_csv(sample_results / f"{table}.csv", **CSV_READ)
    parquet = pd.read_parquet(sample_results / f"{table}.parquet")
    excel = pd.read_excel(sample_results / EXCEL_NAME, sheet_name=table, **CSV_READ)
    assert len(parquet) == len(csv) == len(excel)
    assert list(parquet.columns) == list(csv.columns) == list(excel.columns)
    if "call_id" in csv:
        assert list(parquet["call_id"]) == list(csv["call_id"]) == list(excel["call_id"])
    for column in ("score", "mean_score", "start_s"):
        if column in csv:
            pd.testing.assert_series_equal(parquet[column].astype(float), csv[column].astype(float), check_names=False)
            pd.testing.assert_series_equal(excel[column].astype(float), csv[column].astype(float), check_names=False)


def test_excel_sheets_are_formatted(sample_results):
    book = load_workbook(sample_results / EXCEL_NAME)
    assert book.sheetnames == list(TABLE_NAMES)
    findings = book["findings"]
    assert findings.freeze_panes == "A2"
    assert findings.auto_filter.ref and findings.auto_filter.ref.startswith("A1:")
    header = [c.value for c in findings[1]]
    status_col = findings.cell(row=1, column=header.index("status") + 1).column_letter
    ranges = [str(cf.sqref) for cf in findings.conditional_formatting]
    assert any(r.startswith(status_col) for r in ranges), ranges  # pass/fail colours
    score_col = findings.cell(row=1, column=header.index("score") + 1).column_letter
    assert any(r.startswith(score_col) for r in ranges), ranges
    widths = {k: v.width for k, v in findings.column_dimensions.items()}
    message_col = findings.cell(row=1, column=header.index("message") + 1).column_letter
    assert 8 <= widths[status_col] <= 20 and 59 <= widths[message_col] <= 61  # capped, not one-line wide


def test_turns_table(sample_results):
    turns = pd.read_csv(sample_results / "turns.csv", **CSV_READ)
    calls = pd.read_csv(sample_results / "calls.csv", **CSV_READ)
    assert list(turns.columns[: len(TURNS_COLUMNS)]) == TURNS_COLUMNS
    assert len(turns) == calls["n_turns"].sum()
    assert turns.groupby("call_id")["turn"].apply(lambda s: list(s) == list(range(len(s)))).all()
    assert {"greeting", "closing", "answering"} <= set(turns["stage"])
    assert set(turns["role"]) <= {"agent", "customer", "other", "unknown"}


def test_formula_cells_are_neutralised_in_csv_and_excel(hostile_results):
    raw = (hostile_results / "turns.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(" in raw and "'+SUM(1+1)" in raw
    assert not re.search(r'(^|,)"?=HYPERLINK', raw, re.MULTILINE)
    sheet = load_workbook(hostile_results / EXCEL_NAME)["turns"]
    texts = [row[4] for row in sheet.iter_rows(min_row=2)]
    values = [c.value for c in texts]
    assert "'=HYPERLINK(\"http://evil.example/\",\"click me\")" in values
    assert "'+SUM(1+1) and -2+3 and @cmd" in values
    assert all(c.data_type == "s" for c in texts)  # text cells, never formulas
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"
            assert not (isinstance(cell.value, str) and cell.value[:1] in "=+-@\t\r"), cell.value


def test_tables_read_back_with_formula_text_restored(hostile_results):
    turns = read_tables(hostile_results)["turns"]
    assert '=HYPERLINK("http://evil.example/","click me")' in set(turns["text"])


def test_write_tables_rejects_unknown_format(tmp_path):
    with pytest.raises(ValueError, match="choose from csv, parquet, xlsx"):
        write_tables({"calls": pd.DataFrame({"a": [1]})}, tmp_path, ("pdf",))


def test_excel_splits_tables_longer_than_a_sheet(tmp_path, monkeypatch):
    import analyzer.export as export

    monkeypatch.setattr(export, "EXCEL_MAX_ROWS", 4)
    write_tables({"turns": pd.DataFrame({"text": [f"t{i}" for i in range(10)]})}, tmp_path, ("xlsx",))
    book = load_workbook(tmp_path / EXCEL_NAME)
    assert book.sheetnames == ["turns", "turns (2)", "turns (3)"]
    assert [c.value for c in book["turns (3)"]["A"]] == ["text", "t8", "t9"]


# --- the HTML report --------------------------------------------------------------------------

def test_report_is_self_contained(sample_results):
    html = (sample_results / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<link" not in html and "@import" not in html and "url(" not in html
    assert "default-src 'none'" in html  # nothing may be fetched, even by injected markup
    for section in ("overview", "compliance", "agents", "time", "review", "calls"):
        assert f'id="{section}"' in html, section


def test_report_figures_match_the_tables(sample_results):
    html = (sample_results / "report.html").read_text(encoding="utf-8")
    calls = pd.read_csv(sample_results / "calls.csv", **CSV_READ)

    def figure(name: str) -> str:
        return re.search(rf'data-figure="{name}">([^<]*)<', html).group(1)

    assert figure("calls") == str(len(calls))
    assert figure("mean-score") == f"{calls['score'].mean():.1f}"
    assert figure("critical-share") == f"{100 * calls['critical_fail'].mean():.1f}%"
    assert figure("missing-greeting") == str(int(calls["missing_greeting"].sum()))
    assert figure("missing-closing") == str(int(calls["missing_closing"].sum()))
    assert html.count('<article class="call"') == len(calls)


def test_report_command_from_csv_or_parquet_agrees(sample_results, tmp_path):
    only_csv = tmp_path / "csv"
    only_csv.mkdir()
    for path in sample_results.glob("*.csv"):
        (only_csv / path.name).write_bytes(path.read_bytes())
    out = tmp_path / "from-csv.html"
    result = CliRunner().invoke(main, ["report", str(only_csv), "-o", str(out)])
    assert result.exit_code == 0, result.output
    from_parquet = tmp_path / "from-parquet.html"
    assert CliRunner().invoke(main, ["report", str(sample_results), "-o", str(from_parquet)]).exit_code == 0

    def body(path):  # all but the generation time and the folder name
        text = path.read_text(encoding="utf-8")
        return re.sub(r"<header class=\"top\">.*?</header>", "", text, flags=re.S)

    assert body(out) == body(from_parquet)


def test_report_needs_a_results_folder(tmp_path):
    result = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "no calls.csv or calls.parquet" in result.output
    assert "Traceback" not in result.output


def test_transcript_text_is_escaped(hostile_results):
    html = (hostile_results / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "&lt;img src=x onerror=alert(&#39;agent&#39;)&gt;" in html  # metadata too
    assert html.count("<script") == 1  # the report's own
    assert "Red&#34;Team&lt;b&gt;" in html
    assert "<img" not in html


# --- --redact -----------------------------------------------------------------------------------

PII = ("4111", "four one one", "7700", "900123", "anna.b@example.com")


def test_redact_masks_every_output(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["check", str(HOSTILE_CALL), "--rules", str(RULES / "en"), "--out", str(out),
                                       "--format", "csv", "--format", "parquet", "--format", "xlsx", "--html",
                                       "--redact", "-q", "--fail-on", "none"])
    assert result.exit_code == 0, result.output
    for path in out.iterdir():
        if path.suffix in (".csv", ".html"):
            text = path.read_text(encoding="utf-8")
            assert not [p for p in PII if p in text], path.name
    turns = pd.read_parquet(out / "turns.parquet")
    assert "My card number is [CARD], call me on [PHONE] or [EMAIL]." in set(turns["text"])
    excel = pd.read_excel(out / EXCEL_NAME, sheet_name=None)
    assert not [p for frame in excel.values() for p in PII if frame.astype(str).apply(lambda c: c.str.contains(p, regex=False)).any().any()]
    assert "personal data masked" in (out / "report.html").read_text(encoding="utf-8")


def test_report_redacts_an_unredacted_results_folder(hostile_results, tmp_path):
    plain = (hostile_results / "report.html").read_text(encoding="utf-8")
    assert "anna.b@example.com" in plain
    target = tmp_path / "r.html"
    result = CliRunner().invoke(main, ["report", str(hostile_results), "-o", str(target), "--redact"])
    assert result.exit_code == 0, result.output
    html = target.read_text(encoding="utf-8")
    assert not [p for p in PII if p in html]
    assert "[CARD]" in html and "[PHONE]" in html and "[EMAIL]" in html


def test_show_redacts(tmp_path):
    plain = CliRunner().invoke(main, ["show", str(HOSTILE_CALL), "--rules", str(RULES / "en")])
    assert "anna.b@example.com" in plain.output
    result = CliRunner().invoke(main, ["show", str(HOSTILE_CALL), "--rules", str(RULES / "en"), "--redact"])
    assert result.exit_code == 0, result.output
    assert "My card number is [CARD], call me on [PHONE] or [EMAIL]." in result.output
    assert not [p for p in PII if p in result.output]


# --- terminal summary ---------------------------------------------------------------------------

def test_summary_prints_aligned_tables(sample_results):
    result = CliRunner().invoke(main, ["summary", str(sample_results)], terminal_width=160)
    assert result.exit_code == 0, result.output
    calls = pd.read_csv(sample_results / "calls.csv", **CSV_READ)
    out = result.output
    assert f"{len(calls)} calls" in out
    for title in ("Compliance by stage", "Compliance by rule", "By agent"):
        assert title in out
    findings = pd.read_csv(sample_results / "findings.csv", **CSV_READ)
    greeting = findings[(findings["stage"] == "greeting") & findings["status"].isin(["pass", "fail"])]
    share = 100 * (greeting["status"] == "pass").mean()
    line = next(line for line in out.splitlines() if "Greeting" in line)
    assert f"{share:.1f}%" in line
    for agent in calls["agent_id"].unique():
        assert re.search(rf"│ {re.escape(agent)}\s+│", out), agent
    # aligned: every row of a table is as wide as its header
    table_lines = [line for line in out.splitlines() if line.startswith(("┃", "│"))]
    widths = {len(line) for line in table_lines}
    assert len(widths) <= 3  # one width per table


def test_summary_needs_results(tmp_path):
    result = CliRunner().invoke(main, ["summary", str(tmp_path)])
    assert result.exit_code == 2
    assert "run callqa check" in result.output


def test_html_flag_only_with_samples(tmp_path):
    out = tmp_path / "o"
    result = CliRunner().invoke(main, ["check", str(SAMPLES / "en" / "en-001-perfect.txt"), "--rules", str(RULES / "en"),
                                       "--out", str(out), "--html", "-q"])
    assert result.exit_code == 0, result.output
    assert (out / "report.html").is_file() and "report.html" in result.output


@pytest.mark.parametrize("command", ["report", "summary"])
def test_report_commands_have_help(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output and "RESULTS_DIR" in result.output
