"""Masking secrets by name and by the shape of the value."""

from __future__ import annotations

import pytest

from ledger.executor.redaction import REDACTED, is_secret_name, redact_argv, redact_env, redact_text


@pytest.mark.parametrize(
    "name",
    ["MY_PASS", "PASSPHRASE", "db_password", "JWT", "BEARER", "SLACK_WEBHOOK_URL", "SENTRY_DSN", "GH_TOKEN",
     "AWS_SECRET_ACCESS_KEY", "API_KEY", "AZURE_CONNECTION_STRING", "SESSION_ID", "COOKIE", "AUTH_HEADER",
     "GOOGLE_APPLICATION_CREDENTIALS"],
)  # fmt: skip
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)
    assert redact_env({name: "v"}) == {name: REDACTED}


def test_plain_names_keep_their_values() -> None:
    assert redact_env({"HOME": "/root", "LANG": "C.UTF-8"}) == {"HOME": "/root", "LANG": "C.UTF-8"}


@pytest.mark.parametrize(
    "value, kept",
    [
        ("postgres://u:pw@h/db", "postgres://u:<redacted>@h/db"),
        ("redis://:pw@h:6379/0", "redis://:<redacted>@h:6379/0"),
        ("https://user:p%40ss@example.com/x", "https://user:<redacted>@example.com/x"),
        ("a=postgres://u:pw@h/db,b=mysql://v:qq@k", "a=postgres://u:<redacted>@h/db,b=mysql://v:<redacted>@k"),
        (
            "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc+/==;EndpointSuffix=x",
            "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=<redacted>;EndpointSuffix=x",
        ),
        (
            "BlobEndpoint=https://a;SharedAccessSignature=sv=2020&sig=zz",
            "BlobEndpoint=https://a;SharedAccessSignature=<redacted>",
        ),
        ("Server=db;User Id=sa;Password=hunter2;", "Server=db;User Id=sa;Password=<redacted>;"),
        ("Authorization: Bearer abc.def-ghi", "Authorization: Bearer <redacted>"),
        ("https://example.com/path?q=1", "https://example.com/path?q=1"),
        ("user@example.com", "user@example.com"),
        # an unencoded / in a password is common: masking a path with an @ is the lesser harm
        ("postgres://u:a/b+c@h/db", "postgres://u:<redacted>@h/db"),
        ("http://localhost:8080/x@y", "http://localhost:<redacted>@y"),
    ],
)
def test_secret_shapes_in_any_value(value: str, kept: str) -> None:
    assert redact_text(value) == kept
    assert redact_env({"ANY": value}) == {"ANY": kept}


def test_user_names_come_from_LEDGER_REDACT_in_the_environment_itself() -> None:
    env = {"LEDGER_REDACT": "corp_id,TEAM_*", "CORP_ID": "1", "TEAM_X": "2", "OTHER": "3"}
    assert redact_env(env) == {"LEDGER_REDACT": "corp_id,TEAM_*", "CORP_ID": REDACTED, "TEAM_X": REDACTED, "OTHER": "3"}


def test_argv() -> None:
    argv = ["python", "-u", "t.py", "--api-key", "k1", "--lr", "0.1", "--db=postgres://u:pw@h/d", "token=abc", "--x"]
    assert redact_argv(argv) == (
        "python", "-u", "t.py", "--api-key", REDACTED, "--lr", "0.1", "--db=postgres://u:<redacted>@h/d",
        "token=" + REDACTED, "--x",
    )  # fmt: skip
    assert redact_argv(["prog", "--corp", "v"], extra=("CORP",)) == ("prog", "--corp", REDACTED)
