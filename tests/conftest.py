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
