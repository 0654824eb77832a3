"""Shared fixtures: packs and runtimes are built once per test session (they are not modified)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from analyzer.engine import PackRuntime  # noqa: E402
from analyzer.pack import load_pack  # noqa: E402
from support import RULES  # noqa: E402


@pytest.fixture(scope="session")
def en_pack():
    return load_pack(RULES / "en")


@pytest.fixture(scope="session")
def en_runtime(en_pack):
    return PackRuntime(en_pack)


@pytest.fixture(scope="session")
def sample_results(tmp_path_factory):
    """The README's report command on the bundled samples: every table format and the HTML report."""
    from click.testing import CliRunner

    from analyzer.cli import main
    from support import SAMPLES

    out = tmp_path_factory.mktemp("sample-results")
    result = CliRunner().invoke(main, ["check", str(SAMPLES), "--rules", str(RULES), "--out", str(out), "--format", "csv",
                                       "--format", "parquet", "--format", "xlsx", "--html", "-q"])
    assert result.exit_code in (0, 1), result.output
    return out


HOSTILE_CALL = Path(__file__).resolve().parent / "fixtures" / "reports" / "hostile-call.txt"


@pytest.fixture(scope="session")
def hostile_results(tmp_path_factory):
    """Results of a call whose text and metadata try script injection, spreadsheet formulas and PII."""
    from click.testing import CliRunner

    from analyzer.cli import main

    out = tmp_path_factory.mktemp("hostile-results")
    result = CliRunner().invoke(main, ["check", str(HOSTILE_CALL), "--rules", str(RULES / "en"), "--out", str(out),
                                       "--format", "csv", "--format", "xlsx", "--html", "-q", "--fail-on", "none"])
    assert result.exit_code == 0, result.output
    return out
