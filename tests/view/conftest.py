"""The view's app over test homes, through FastAPI's test client."""

from __future__ import annotations

import warnings

import pytest

from ledger.home import Home
from tests.projections.test_index_fixture import Fixture, build

fastapi = pytest.importorskip("fastapi", reason="the view extra is not installed: pip install -e '.[view]'")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about the httpx client it drives
    from fastapi.testclient import TestClient


def client_for(home: Home, token: str | None = None, **kw) -> TestClient:
    """A client addressing the app as a browser does the printed URL."""
    from ledger.view.app import create_app

    kw.setdefault("base_url", "http://127.0.0.1:6006")
    return TestClient(create_app(home, token), **kw)


@pytest.fixture
def fx(tmp_path) -> Fixture:
    return build(Home(tmp_path / "home"))


@pytest.fixture
def client(fx: Fixture) -> TestClient:
    return client_for(fx.home)
