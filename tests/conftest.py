"""Fixtures shared by every suite: a fresh home per test, nothing global."""

from __future__ import annotations

import pytest

from ledger.home import Home
from ledger.store import EventStore


@pytest.fixture
def home(tmp_path) -> Home:
    """An empty LEDGER_HOME under the test's tmp_path."""
    return Home(tmp_path / "home")


@pytest.fixture
def store(home: Home) -> EventStore:
    return home.store
