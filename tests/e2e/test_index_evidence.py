"""The index remembers the (seq, hash) it applied last: a rewritten log is
named as such (the index is the evidence, never to be deleted), and edits
made in index.duckdb itself, its position row and output tails included,
are named by `verify` and by `rebuild --check`."""

from __future__ import annotations

import json

import duckdb
import pytest

from ledger import tip
from ledger.sealing import seal_line
from tests.e2e.conftest import Ledger


def _runs(ledger: Ledger) -> None:
    ledger("run", "echo", "-y")
    ledger("run", "echo", "x=2", "-y")
    ledger("runs")  # the index, caught up


def _edit_index(ledger: Ledger, sql: str) -> None:
    con = duckdb.connect(str(ledger.home / "index.duckdb"))
    con.execute(sql)
    con.close()


def test_a_rewritten_and_resealed_log_is_named_and_the_index_kept(ledger: Ledger) -> None:
    _runs(ledger)
    events = ledger.home / "events"
    segment = events / "00000001.jsonl"
    lines, prev = [], None
    for line in segment.read_bytes().splitlines():
        raw = json.loads(line)
        raw.pop("hash")
        if prev is not None:
            raw["prev"] = prev
        if raw["type"] == "FlagSet" and raw["data"]["name"] == "x":
            raw["data"]["value"] = 666.0
        text, prev = seal_line(raw)
        lines.append(text.encode())
    segment.write_bytes(b"".join(lines))
    tip.write(events / "TIP", raw["seq"], prev)  # the attacker covers their tracks
    (events / "streams.idx").unlink()
    result = ledger("verify", check=False)
    assert result.code == 1 and "rewritten" in result.err and "delete" not in result.err, result.err
    assert (ledger.home / "index.duckdb").exists()
    assert "666" not in ledger("sql", "SELECT value FROM flags").out
    assert "rewritten" in ledger.fails("rebuild").err


def test_an_edited_position_row_is_named_not_the_log(ledger: Ledger) -> None:
    _runs(ledger)
    _edit_index(ledger, "UPDATE position SET hash = repeat('a', 64)")
    ledger("run", "echo", "x=3", "-y")
    result = ledger("verify", check=False)
    assert result.code == 1 and "position row" in result.err and "delete index.duckdb" in result.err
    check = ledger("rebuild", "--check", check=False)
    assert check.code == 1 and "position row" in check.out
    (ledger.home / "index.duckdb").unlink()  # as advised
    assert ledger("runs").out.count("echo") == 3 and ledger("verify").code == 0


@pytest.mark.parametrize(
    "table, edit",
    [("output", "UPDATE output SET tail = 'FORGED'"), ("flags", "UPDATE flags SET value = '99' WHERE name = 'x'")],
)
def test_an_edited_index_fails_verify_and_rebuild_check(ledger: Ledger, table: str, edit: str) -> None:
    _runs(ledger)
    assert ledger("rebuild", "--check").code == 0
    _edit_index(ledger, edit)
    assert f"table {table} differs" in ledger("verify", check=False).err
    check = ledger("rebuild", "--check", check=False)
    assert check.code == 1 and f"table {table} differs" in check.out
