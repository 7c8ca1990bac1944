"""Fixtures shared by every suite: a fresh home per test, nothing global."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from ledger.home import Home
from ledger.store import EventStore

# CI explores the same examples on every run: a red build then means the
# change broke something, not that the dice found an old corner
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def home(tmp_path) -> Home:
    """An empty LEDGER_HOME under the test's tmp_path."""
    return Home(tmp_path / "home")


@pytest.fixture
def store(home: Home) -> EventStore:
    return home.store
