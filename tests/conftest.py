"""Shared test helpers: one engine per test session (building it costs ~1 s)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def engine():
    from tmpllint.engine import Engine

    return Engine()
