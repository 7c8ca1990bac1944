"""Numbers read from what a user types (or names a file) take ASCII digits
only: str.isdigit also accepts "²", which int() refuses, and a typo must
be the command's one-line error, never a traceback."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Ledger

HASH = "a" * 64

TYPED = [
    (("verify", "--since", f"²:{HASH}"), "SEQ:HASH"),
    (("runs", "--started", "last ² days"), "time range"),
    (("runs", "--started", "² days ago"), "time range"),
    (("runs", "--started", "last 99999999999 days"), "too far back"),
    (("runs", "--started", "99999999999 weeks ago"), "too far back"),
    (("view", "--port", "²"), "--port"),
    (("runs", "info", "²"), "²"),
]


@pytest.mark.parametrize(("args", "says"), TYPED, ids=[" ".join(a) for a, _ in TYPED])
def test_a_number_typed_with_other_digits_is_one_line(ledger: Ledger, args: tuple[str, ...], says: str) -> None:
    ledger("run", "echo", "-y")
    err = ledger.fails(*args).err
    assert says in err and "invalid literal" not in err


def test_a_stray_file_named_with_other_digits_leaves_the_log_readable(ledger: Ledger) -> None:
    ledger("run", "echo", "-y")
    (ledger.home / "events" / "².jsonl").write_bytes(b"")
    assert "echo" in ledger("runs").out
    assert ledger("verify").out.startswith("ok:")
    ledger("run", "echo", "x=2", "-y")
