"""Shared test helpers: one engine per test session (building it costs ~1 s)."""

from __future__ import annotations

from pathlib import Path

import os
import tempfile

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"

# Runs started by the tests (CLI subprocesses included) cache into a throwaway folder,
# never into the checkout.
os.environ.setdefault("TMPLLINT_CACHE_DIR", tempfile.mkdtemp(prefix="tmpllint-cache-"))


@pytest.fixture(scope="session")
def engine():
    from tmpllint.engine import Engine

    return Engine()


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="Rewrite fixtures/generators/ from the generators (deliberately).")


@pytest.fixture(scope="session")
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")
