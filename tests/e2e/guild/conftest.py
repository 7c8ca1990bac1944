"""Fixtures for the Guild-compatibility tests: small projects of our own."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import Ledger

PROJECTS = Path(__file__).parent / "projects"


def use(name: str, tmp_path: Path) -> tuple[Ledger, Path]:
    project = tmp_path / name
    shutil.copytree(PROJECTS / name, project)
    return Ledger(tmp_path / "home", project), project


@pytest.fixture
def flagvals(tmp_path: Path) -> Ledger:
    return use("flagvals", tmp_path)[0]


@pytest.fixture
def batches(tmp_path: Path) -> Ledger:
    return use("batches", tmp_path)[0]


@pytest.fixture
def pipeline(tmp_path: Path) -> Ledger:
    return use("pipeline", tmp_path)[0]
