"""The `callqa` command: parses options and calls the library (runner, tables, export, ruletest).

Exit codes: 0 no findings at or above the fail level; 1 such findings (or failing rule tests);
2 bad input or usage (an unreadable transcript, a broken rule pack, a wrong option).
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from . import __version__
from .models import InputError, Severity
from .pack.loader import PackError, find_packs
from .readers import ReadOptions, discover

SEVERITY_CHOICES = [s.value for s in Severity] + ["none"]
EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        for item in value.split(",") if option == "--map" else [value]:
            key, sep, val = item.partition("=")
            if not sep or not key.strip():
                raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint=option)
            pairs[key.strip()] = val.strip().strip('"').strip("'")
    return pairs


def _load_packs_or_exit(rules: str, err: Console) -> dict:
    try:
        return find_packs(rules)
    except PackError as exc:
        err.print(exc.report(), markup=False, highlight=False)
        sys.exit(EXIT_BAD_INPUT)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="callqa")
def main() -> None:
    """callqa: check call-center transcripts against rule packs of required and forbidden phrases."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--rules", "rules", required=True, type=click.Path(exists=True),
              help="A pack folder (rules/en: every call uses it) or a folder of packs (rules/: by each call's language).")
@click.option("--out", "out", type=click.Path(file_okay=False), default="results", show_default=True,
              help="Folder for the tables.")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
              help='Fill a pack variable for calls whose metadata lacks it, e.g. --set company="Acme Bank".')
@click.option("--fail-on", type=click.Choice(SEVERITY_CHOICES), default=None,
              help="Exit 1 if a rule of this severity or higher fails (default: the pack's fail_on; 'none' never).")
@click.option("--format", "formats", multiple=True, default=("csv",), show_default=True,
              help="Output format; repeat for several.")
@click.option("--encoding", default=None, help="Read transcripts in this encoding instead of detecting it.")
@click.option("--map", "maps", multiple=True, metavar="TARGET=FIELD,...",
              help="Field mapping for other JSON/CSV layouts, e.g. --map speaker=speaker_role,text=transcript.")
@click.option("--spacy-model", default=None, help="An installed trained spaCy pipeline to take lemmas from.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--html", "html", is_flag=True, help="Also write the HTML report (OUT/report.html).")
@click.option("--redact", is_flag=True, help="Mask card and phone numbers, e-mail addresses and IBANs in every output.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: every core).")
@click.option("--history", "history", type=click.Path(dir_okay=False), default=None,
              help="History store: unchanged files keep their verdicts, new and changed ones are checked "
                   "(default: OUT/history.sqlite).")
@click.option("--no-history", is_flag=True, help="Check every file and record nothing.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: this machine's cores; dask: a Dask cluster (partitioned Parquet in OUT).")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a local cluster).")
def check(paths, rules, out, sets, fail_on, formats, encoding, maps, spacy_model, quiet, html, redact, jobs,
          history, no_history, engine, scheduler) -> None:
    """Check transcripts (files or folders, read recursively) and write the result tables."""
    from .batch import CheckOptions
    from .export import WRITERS

    err = Console(stderr=True, soft_wrap=True)
    packs = _load_packs_or_exit(rules, err)
    unknown = [f for f in formats if f not in WRITERS]
    if unknown:
        raise click.BadParameter(f"unknown output format {unknown[0]!r}; choose from {', '.join(sorted(WRITERS))}",
                                 param_hint="--format")
    options = CheckOptions(rules, tuple(_pairs(sets, "--set").items()), encoding, tuple(_pairs(maps, "--map").items()),
                           spacy_model, redact)
    if engine == "dask":
        try:
            from .cluster import run_on_dask
            import distributed  # noqa: F401
        except ImportError:
            raise click.UsageError("--engine dask needs Dask: pip install 'callqa[dask]'") from None
        summary = run_on_dask(discover(paths), options, out, scheduler=scheduler)
    else:
        from .history import default_path
        from .pipeline import run_check

        store = None if no_history else (history or default_path(out))
        with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), console=err, disable=quiet, transient=False) as progress:
            task = progress.add_task("checking", total=None)

            def advance(output) -> None:
                for record in output.errors:
                    err.print(f"[yellow]skipped[/] {InputError(**record)}", markup=True, highlight=False)
                progress.advance(task)

            summary = run_check(paths, options, out, formats=tuple(formats), jobs=jobs, history=store,
                                progress=advance, frames=html, checker=options.checker(packs))
        if html:
            from .report import REPORT_NAME, write_report

            summary.written.append(write_report(summary.tables, Path(out) / REPORT_NAME, source=str(out),
                                                redacted=redact))
    _print_summary(summary)
    threshold = fail_on or next(iter(packs.values())).manifest.fail_on.value
    if summary.n_errors:
        sys.exit(EXIT_BAD_INPUT)
    if threshold != "none" and summary.worst is not None and summary.worst.rank >= Severity(threshold).rank:
        sys.exit(EXIT_FINDINGS)


def _print_summary(summary) -> None:
    console = Console(highlight=False, soft_wrap=True)
    n, n_errors = summary.n_calls, summary.n_errors
    console.print(f"{n} calls checked, {n_errors} unreadable file{'s' if n_errors != 1 else ''}; "
                  f"mean score {summary.mean_score:.1f}" if n else f"0 calls checked, {n_errors} unreadable files")
    if n:
        console.print(f"missing greeting: {summary.missing_greeting}, missing closing: {summary.missing_closing}, "
                      f"critical failures: {summary.critical}")
        if summary.failed_rules:
            console.print("most failed: " + ", ".join(f"{name} ({count})" for name, count in summary.failed_rules[:5]))
    if summary.n_reused:
        console.print(f"{summary.n_reused} unchanged files re-used from the history, {summary.n_checked} checked")
    folders = sorted({str(p.parent) for p in summary.written})
    console.print(f"tables written to {', '.join(folders)}: " + ", ".join(sorted({p.name for p in summary.written})))


def _packs_for(command: str, target: str | None) -> dict:
    """The packs a `rules` subcommand works on; exit 2 with every located error when they are broken."""
    if not target:
        raise click.UsageError(f"give a pack folder, e.g. callqa rules {command} rules/en")
    try:
        return find_packs(target)
    except PackError as exc:
        click.echo(exc.report(), err=True)
        sys.exit(EXIT_BAD_INPUT)


@main.group()
def rules() -> None:
    """Validate, test, list and explain rule packs."""


@rules.command("validate")
@click.argument("path", type=click.Path(exists=True), required=False)
@click.option("--rules", "rules_opt", type=click.Path(exists=True), help="Same as PATH.")
def rules_validate(path, rules_opt) -> None:
    """Check a pack (or a folder of packs) for errors, all reported at once with file:line:col."""
    packs = _packs_for("validate", path or rules_opt)
    for lang, pack in sorted(packs.items()):
        click.echo(f"ok: {pack.name} ({lang}): {len(pack.rules)} rules in {len(pack.stages)} stage files")


@rules.command("test")
@click.argument("path", type=click.Path(exists=True), required=False)
@click.option("--rules", "rules_opt", type=click.Path(exists=True), help="Same as PATH.")
@click.option("--verbose", "-v", is_flag=True, help="List every case, not only failures.")
def rules_test(path, rules_opt, verbose) -> None:
    """Run every rule's pass/fail examples and the stage dialogue tests through the whole pipeline."""
    from .ruletest import run_pack

    packs = _packs_for("test", path or rules_opt)
    passed = failed = 0
    for lang, pack in sorted(packs.items()):
        results = run_pack(pack)
        for r in results:
            if not r.ok:
                click.echo(f"{lang}: {r.kind}: {r.describe()}")
            elif verbose:
                click.echo(f"{lang}: ok: {r.case.id} [{r.case.rule.name}]")
        p = sum(r.ok for r in results)
        click.echo(f"{lang}: {p} of {len(results)} cases as expected")
        passed += p
        failed += len(results) - p
    click.echo(f"{passed} passed, {failed} failed")
    if failed:
        sys.exit(EXIT_FINDINGS)


@rules.command("list")
@click.argument("path", type=click.Path(exists=True), required=False)
@click.option("--rules", "rules_opt", type=click.Path(exists=True), help="Same as PATH.")
def rules_list(path, rules_opt) -> None:
    """List the rules of a pack: id, name, stage, check, severity, weight, source."""
    packs = _packs_for("list", path or rules_opt)
    for lang, pack in sorted(packs.items()):
        click.echo(f"{pack.name} ({lang}): {len(pack.rules)} rules")
        rows = [("id", "name", "stage", "check", "severity", "weight", "source")]
        rows += [(rd.id, rd.name, rd.stage, rd.rule.check.value, rd.rule.severity.value, f"{rd.rule.weight:g}", rd.source)
                 for rd in pack.rules]
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for row in rows:
            click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())


@rules.command("explain")
@click.argument("rule")
@click.option("--rules", "rules_opt", type=click.Path(exists=True), required=True, help="The pack folder.")
def rules_explain(rule, rules_opt) -> None:
    """Show one rule (by id or name): what it checks, its formulas and examples."""
    try:
        packs = find_packs(rules_opt)
    except PackError as exc:
        click.echo(exc.report(), err=True)
        sys.exit(EXIT_BAD_INPUT)
    found = False
    for lang, pack in sorted(packs.items()):
        for rd in pack.rules:
            if rule not in (rd.id, rd.name):
                continue
            found = True
            r = rd.rule
            click.echo(f"{r.id} {r.name} [{lang}] ({rd.source})")
            click.echo(f"  {r.description}" if r.description else "")
            click.echo(f"  check: {r.check.value}, role: {r.role.value}, severity: {r.severity.value}, weight: {r.weight:g}")
            if r.window:
                click.echo(f"  window: {r.window.model_dump(by_alias=True, exclude_none=True, mode='json')}")
            if r.when:
                click.echo("  applies when: " + "; ".join(map(str, r.when.any_of[:6])) + (" ..." if len(r.when.any_of) > 6 else ""))
            for label, items in (("any of", r.any_of), ("exceptions", r.exceptions)):
                if items:
                    click.echo(f"  {label}: " + "; ".join(map(str, items)))
            for group in r.all_of or []:
                click.echo(f"  all of / {group.label or 'group'}: " + "; ".join(map(str, group.any_of)))
            for kind, items in (("pass", r.examples.pass_), ("fail", r.examples.fail)):
                for ex in items:
                    click.echo(f"  example ({kind}): " + " / ".join(line.strip() for line in ex.strip().splitlines()))
    if not found:
        click.echo(f"no rule {rule!r} in {rules_opt}", err=True)
        sys.exit(EXIT_BAD_INPUT)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--rules", "rules", required=True, type=click.Path(exists=True), help="Pack folder or folder of packs.")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="Fill a pack variable.")
@click.option("--encoding", default=None, help="Read in this encoding instead of detecting it.")
@click.option("--map", "maps", multiple=True, metavar="TARGET=FIELD,...", help="Field mapping for other layouts.")
@click.option("--redact", is_flag=True, help="Mask card and phone numbers, e-mail addresses and IBANs.")
def show(file, rules, sets, encoding, maps, redact) -> None:
    """Show one call in the terminal: its turns coloured by stage, with each verdict beside its turn."""
    from .redact import redact as mask
    from .runner import Checker
    from .showcall import render_call

    err = Console(stderr=True, soft_wrap=True)
    _load_packs_or_exit(rules, err)
    checker = Checker.from_rules(rules, overrides=_pairs(sets, "--set"),
                                 read_options=ReadOptions(encoding=encoding, field_map=_pairs(maps, "--map")))
    console = Console(highlight=False, soft_wrap=True)
    bad = False
    for item in checker.check_file(file):
        if isinstance(item, InputError):
            err.print(f"error: {item}", markup=False)
            bad = True
        else:
            render_call(item, console, mask=mask if redact else None)
    if bad:
        sys.exit(EXIT_BAD_INPUT)


def _results_or_exit(results_dir: str) -> dict:
    from .export import read_tables

    tables = read_tables(results_dir)
    if "calls" not in tables:
        click.echo(f"error: no calls.csv or calls.parquet in {results_dir}; run callqa check --out {results_dir} first",
                   err=True)
        sys.exit(EXIT_BAD_INPUT)
    return tables


@main.command()
@click.argument("results_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="The HTML file to write  [default: RESULTS_DIR/report.html]")
@click.option("--title", default="Call quality report", show_default=True, help="The report's title.")
@click.option("--redact", is_flag=True, help="Mask card and phone numbers, e-mail addresses and IBANs.")
def report(results_dir, output, title, redact) -> None:
    """Write one self-contained HTML report (works offline) from a results folder's tables."""
    from .redact import redact as mask
    from .report import REPORT_NAME, write_report

    tables = _results_or_exit(results_dir)
    target = write_report(tables, output or Path(results_dir) / REPORT_NAME, title=title, source=str(results_dir),
                          mask=mask if redact else None)
    click.echo(f"report written to {target}")


@main.command()
@click.argument("results_dir", type=click.Path(exists=True, file_okay=False))
def summary(results_dir) -> None:
    """Print compliance by stage, by rule and by agent from a results folder, as aligned tables."""
    from .summary import render_summary

    # Piped output has no terminal width; rich would assume 80 columns and squeeze the agent table.
    width = None if sys.stdout.isatty() else 160
    render_summary(_results_or_exit(results_dir), Console(highlight=False, soft_wrap=False, width=width))


_DATE = click.DateTime(formats=["%Y-%m-%d"])


def _store_or_exit(path: str | None):
    from .history import HISTORY_NAME, HistoryStore

    store_path = Path(path or Path("results") / HISTORY_NAME)
    if not store_path.is_file():
        click.echo(f"no history store at {store_path}: `callqa check` records one in OUT/{HISTORY_NAME} "
                   "(or name it with --history)", err=True)
        sys.exit(EXIT_BAD_INPUT)
    return HistoryStore(store_path)


def _day(value) -> str | None:
    return value.strftime("%Y-%m-%d") if value else None


@main.group(invoke_without_command=True)
@click.option("--history", "store_path", type=click.Path(dir_okay=False), default=None,
              help="The history store (default: results/history.sqlite).")
@click.option("--from", "date_from", type=_DATE, default=None, help="First call date (YYYY-MM-DD).")
@click.option("--to", "date_to", type=_DATE, default=None, help="Last call date (YYYY-MM-DD).")
@click.option("--runs", "n_runs", type=click.IntRange(min=0), default=10, show_default=True, help="Past runs to list.")
@click.option("--agents", "n_agents", type=click.IntRange(min=0), default=20, show_default=True,
              help="Agents to list (least compliant first).")
@click.pass_context
def history(ctx, store_path, date_from, date_to, n_runs, n_agents) -> None:
    """Past runs, and compliance by day, agent and rule, from the history store of `callqa check`."""
    if ctx.invoked_subcommand:
        return
    from rich.table import Table

    from .history import trends

    store = _store_or_exit(store_path)
    console = Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 160)
    runs = Table(title="Runs (latest first)", title_justify="left", title_style="bold")
    for name in ("run", "started", "files", "checked", "reused", "calls", "errors", "seconds", "fingerprint"):
        runs.add_column(name, justify="left" if name in ("started", "fingerprint") else "right")
    for run in store.runs(n_runs):
        runs.add_row(*("" if run[k] is None else str(run[k]) for k in
                       ("run", "started", "files", "checked", "reused", "calls", "errors", "seconds", "fingerprint")))
    console.print(runs)
    found = trends(store, _day(date_from), _day(date_to))
    for kind, title, first in (("day", "Compliance by day", "date"), ("agent", "Compliance by agent", "agent"),
                               ("rule", "Compliance by rule (worst first)", "rule")):
        table = Table(title=title, title_justify="left", title_style="bold")
        table.add_column(first)
        if kind == "agent":
            table.add_column("team")
        for name in (("calls", "mean score", "critical") if kind != "rule" else ("calls",)) + (
                "applicable", "passed", "compliance %"):
            table.add_column(name, justify="right")
        rows = found[kind][:n_agents] if kind == "agent" else found[kind]
        if kind == "agent" and len(found[kind]) > n_agents:
            table.caption = f"{n_agents} of {len(found[kind])} agents"
        for t in rows:
            cells = [t.key] + ([t.team] if kind == "agent" else []) + [str(t.calls)]
            if kind != "rule":
                cells += ["" if t.mean_score is None else f"{t.mean_score:.1f}", str(t.critical)]
            cells += [str(t.applicable), str(t.passed), "" if t.compliance is None else f"{t.compliance:.1f}"]
            table.add_row(*cells)
        console.print(table)
    store.close()


@history.command("rebuild")
@click.option("--history", "store_path", type=click.Path(dir_okay=False), default=None,
              help="The history store (default: results/history.sqlite).")
@click.option("--from", "date_from", type=_DATE, default=None, help="First call date (YYYY-MM-DD).")
@click.option("--to", "date_to", type=_DATE, default=None, help="Last call date (YYYY-MM-DD).")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="Folder for the tables.")
@click.option("--format", "formats", multiple=True, default=("csv",), show_default=True,
              help="Output format; repeat for several.")
def history_rebuild(store_path, date_from, date_to, out, formats) -> None:
    """Write the result tables of every stored call dated in a period, without the transcripts."""
    from .history import rebuild

    store = _store_or_exit(store_path)
    try:
        summary = rebuild(store, out, date_from=_day(date_from), date_to=_day(date_to), formats=tuple(formats))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--format") from None
    finally:
        store.close()
    _print_summary(summary)


if __name__ == "__main__":
    main()
