"""The view is read-only, needs its token off loopback, escapes what runs
and users wrote, and sends user SQL only through the sandbox."""

from __future__ import annotations

import pytest

from ledger.events import (
    CommentAdded,
    FlagSet,
    LabelSet,
    NewEvent,
    OutputCaptured,
    RunCreated,
    RunStopped,
    ScalarLogged,
    TagAdded,
)
from ledger.home import Home
from tests.view.conftest import client_for

EVIL = '<script>alert("{}")</script>'


@pytest.fixture
def evil_home(tmp_path) -> tuple[Home, str]:
    home = Home(tmp_path / "home")
    run = "e" * 32
    out = (EVIL.format("output") + "\n").encode()
    blob = home.blobs.put_bytes(out)
    home.store.append([
        NewEvent(run, RunCreated(op=EVIL.format("op"), host="h", pid=1)),
        NewEvent(run, LabelSet(EVIL.format("label"))),
        NewEvent(run, FlagSet("x", EVIL.format("flag"), "user")),
        NewEvent(run, ScalarLogged(EVIL.format("key"), 1.0, 0)),
        NewEvent(run, OutputCaptured(blob=blob, bytes=len(out), lines=1)),
        NewEvent(run, CommentAdded(EVIL.format("comment"), "<b>me</b>")),
        NewEvent(run, TagAdded(EVIL.format("tag"))),
        NewEvent(run, RunStopped("completed", 0)),
    ])
    return home, run


def test_labels_comments_output_and_flags_are_escaped(evil_home):
    home, run = evil_home
    client = client_for(home)
    pages = [
        "/runs", f"/runs/{run}", f"/compare?runs={run}", "/sql?q=SELECT+label,+op+FROM+runs",
        f"/runs/{run}/diff?against={run}",
    ]
    for url in pages:
        html = client.get(url).text
        assert "<script>alert" not in html, url
    run_page = client.get(f"/runs/{run}").text
    for what in ("label", "comment", "output", "flag", "tag"):
        assert f"&lt;script&gt;alert(&#34;{what}&#34;)&lt;/script&gt;" in run_page, what
    # data for the charts sits in JSON script blocks: `<` is \u003c there, so it cannot end the block
    assert '\\u003cscript\\u003ealert(\\"key\\")' in run_page
    # a run's files are served as plain text, never as HTML
    assert client.get(f"/api/runs/{run}/output").headers["content-type"].startswith("application/json")
    assert client.get("/runs").headers["x-content-type-options"] == "nosniff"


def test_the_view_is_read_only(evil_home):
    home, run = evil_home
    client = client_for(home)
    before = home.store.last_seq
    for url in ("/runs", f"/runs/{run}", "/api/runs", "/sql", "/integrity"):
        assert client.post(url).status_code == 405
        assert client.delete(url).status_code == 405
    assert Home(home.path).store.last_seq == before


@pytest.mark.parametrize("statement", [
    "DELETE FROM runs",
    "INSERT INTO runs (id) VALUES ('x')",
    "DROP TABLE runs",
    "COPY runs TO '/tmp/out.csv'",
    "ATTACH '/tmp/other.duckdb' AS other",
    "SELECT 1; DELETE FROM runs",
])
def test_sandboxed_sql_refuses_a_write(evil_home, statement):
    home, run = evil_home
    client = client_for(home)
    got = client.get("/api/sql", params={"q": statement})
    error = got.json()["error"]
    assert got.status_code == 400 and ("refused" in error or "one statement" in error), error
    page = client.get("/sql", params={"q": statement})
    assert page.status_code == 200 and 'id="sql-error"' in page.text
    where = client.get("/api/runs", params={"where": f"true); {statement}; SELECT (1"})
    assert where.status_code == 400
    assert client.get("/api/sql", params={"q": "SELECT count(*) FROM runs"}).json()["rows"] == [[1]]


def test_token_is_required_when_created_with_one(evil_home):
    home, run = evil_home
    client = client_for(home, token="s3cret")
    for url in ("/runs", f"/runs/{run}", "/api/runs", "/api/tip", "/sql", "/static/plotly.min.js"):
        assert client.get(url).status_code == 403, url
    assert client.get("/runs", params={"token": "wrong"}).status_code == 403
    ok = client.get("/runs", params={"token": "s3cret"})
    assert ok.status_code == 200
    # the browser keeps it as a cookie, so the page's links and polling work
    assert client.get(f"/runs/{run}").status_code == 200
    assert client.get("/api/tip").status_code == 200
    fresh = client_for(home, token="s3cret")
    fresh.cookies.set("ledger_view_token", "guess")
    assert fresh.get("/api/tip").status_code == 403


def test_no_token_on_loopback(evil_home):
    home, _ = evil_home
    assert client_for(home).get("/api/tip").status_code == 200


@pytest.mark.parametrize("base", ["http://127.0.0.1:6006", "http://localhost:8000", "http://[::1]:6006"])
def test_loopback_view_answers_at_loopback_names(evil_home, base):
    home, _ = evil_home
    assert client_for(home, base_url=base).get("/api/tip").status_code == 200


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:6006", "127.0.0.1.attacker.example", "", "[::1"])
def test_loopback_view_refuses_other_host_names(evil_home, host):
    """A page whose domain was re-pointed at 127.0.0.1 (DNS rebinding) cannot read the view."""
    home, run = evil_home
    client = client_for(home)
    for url in ("/runs", f"/api/runs/{run}/output", "/api/sql?q=SELECT+1"):
        response = client.get(url, headers={"host": host})
        assert response.status_code == 403, (host, url)
        assert "127.0.0.1" in response.text


def test_token_view_answers_any_host_name(evil_home):
    """Off loopback the token guards the view, reached by whatever name the network gives it."""
    home, _ = evil_home
    client = client_for(home, token="s3cret", base_url="http://gpu-box.lan:6006")
    assert client.get("/api/tip", params={"token": "s3cret"}).status_code == 200
