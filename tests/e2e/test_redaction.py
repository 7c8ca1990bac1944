"""No secret from the environment is kept: not in the log, the run
directory, the blobs, the cache or the SQL index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Ledger

# The nine shapes that were once stored in clear, each with a value found
# nowhere else, so a byte search for it means it leaked.
SECRETS = {
    "DATABASE_URL": ("postgres://u:pw-db-4f1a@h/db", "pw-db-4f1a"),
    "REDIS_URL": ("redis://:pw-redis-8c2e@h", "pw-redis-8c2e"),
    "MY_PASS": ("pass-value-77d0", "pass-value-77d0"),
    "PASSPHRASE": ("phrase-value-19be", "phrase-value-19be"),
    "JWT": ("eyJhbGciOiJIUzI1NiJ9.jwt-value-5a3c", "jwt-value-5a3c"),
    "BEARER": ("bearer-value-c0de", "bearer-value-c0de"),
    "SLACK_WEBHOOK_URL": ("https://hooks.slack.com/services/T0/B0/hook-value-e11f", "hook-value-e11f"),
    "SENTRY_DSN": ("https://dsn-value-0b7a@o1.ingest.sentry.io/2", "dsn-value-0b7a"),
    "AZURE_STORAGE": (
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=azure-key-3d9f==;EndpointSuffix=core.windows.net",
        "azure-key-3d9f",
    ),
}
VISIBLE = "visible-value-6e6e"  # a plain variable that must be kept, so the search can find what is there


def all_bytes(home: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in home.rglob("*") if p.is_file()}


def test_the_nine_secret_shapes_are_absent_from_every_file_under_the_home(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, (value, _) in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PLAIN_SETTING", VISIBLE)
    ledger("run", "echo", "-y")
    ledger("run", "echo", "x=[1,2]", "-y")  # a batch and its trials
    listed = ledger("runs").out
    assert "echo" in listed  # the SQL index is built
    env = json.loads(ledger("sql", "-f", "json", "SELECT data FROM events WHERE type = 'RunStarted' LIMIT 1").out)
    files = all_bytes(ledger.home)
    assert any(b"index.duckdb" in str(p).encode() for p in files)
    for name, (_, secret) in SECRETS.items():
        leaks = [p for p, data in files.items() if secret.encode() in data]
        assert not leaks, f"{name}'s secret is stored in {leaks}"
        assert secret not in json.dumps(env)
    assert any(VISIBLE.encode() in data for data in files.values())
    assert VISIBLE in json.dumps(env)
    shown = ledger("select", "--attr", "env").out
    assert "<redacted>" in shown and "postgres://u:<redacted>@h/db" in shown and "AccountName=acct" in shown


def test_names_listed_in_LEDGER_REDACT_are_masked(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_REDACT", "CORP_ID, team_*")
    monkeypatch.setenv("CORP_ID", "corp-value-a1")
    monkeypatch.setenv("TEAM_LOGIN", "team-value-b2")
    monkeypatch.setenv("CORP_IDENT", "kept-value-c3")
    ledger("run", "echo", "-y")
    env = ledger("select", "--attr", "env").out
    assert "corp-value-a1" not in env and "team-value-b2" not in env
    assert "kept-value-c3" in env
    assert not [p for p, data in all_bytes(ledger.home).items() if b"corp-value-a1" in data]
