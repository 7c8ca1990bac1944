"""Damage to the log or the index, as an unlucky user or an attacker would
cause it: reads go on over the committed prefix, bytes are never lost, and
`ledger verify` names what no longer holds."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import Ledger, fill_disk


def _two_runs(ledger: Ledger) -> Path:
    ledger("run", "echo", "-y")
    ledger("run", "echo", "x=2", "-y")
    ledger("runs")
    return ledger.home / "events" / "00000001.jsonl"


@pytest.mark.parametrize("tail", [b"garbage\n", b"\0\0\0\0\n", b"\r\n", b"\n", b"half a line"],
                         ids=["stray line", "nuls", "crlf", "empty line", "partial"])  # fmt: skip
def test_a_stray_tail_is_quarantined_and_reads_go_on(ledger: Ledger, tail: bytes) -> None:
    segment = _two_runs(ledger)
    size = segment.stat().st_size
    with open(segment, "ab") as fh:
        fh.write(tail)
    listing = ledger("runs")
    assert listing.out.count("echo") == 2 and "quarantine" in listing.err
    assert "2" in ledger("sql", "SELECT count(*) FROM runs").out
    assert (segment.parent / f"{segment.name}.quarantine-{size}").read_bytes() == tail
    ledger("run", "echo", "x=3", "-y")  # the chain goes on
    report = ledger("verify").out
    assert report.startswith("ok:") and f"quarantine-{size}" in report


def _cut_at_last_tx(segment: Path) -> None:
    lines = segment.read_bytes().splitlines(keepends=True)
    import json

    last_tx = json.loads(lines[-1])["tx"]
    segment.write_bytes(b"".join(line for line in lines if json.loads(line)["seq"] < last_tx))


def test_a_log_cut_back_at_a_transaction_boundary_fails_verify(ledger: Ledger) -> None:
    segment = _two_runs(ledger)
    _cut_at_last_tx(segment)
    assert "tip" in ledger("verify", check=False).err
    assert ledger("verify", check=False).code != 0
    assert "ledger verify" in ledger.fails("rebuild").err
    assert "ledger verify" in ledger.fails("run", "echo", "-y").err


@pytest.mark.parametrize("how", ["emptied", "deleted"])
def test_an_emptied_or_deleted_segment_fails_verify(ledger: Ledger, how: str) -> None:
    segment = _two_runs(ledger)
    if how == "emptied":
        segment.write_bytes(b"")
    else:
        segment.unlink()
    result = ledger("verify", check=False)
    assert result.code != 0 and "seq 0" in result.err
    assert ledger("runs").out.count("echo") == 2  # the index still serves what the log once verified
    assert ledger.fails("rebuild").code != 0


def test_since_proves_the_log_extends_a_kept_tip(ledger: Ledger) -> None:
    segment = _two_runs(ledger)
    tip = ledger("verify", "--tip").out.strip()
    ledger("run", "echo", "x=3", "-y")
    assert ledger("verify", "--since", tip).out.startswith("ok:")
    later = ledger("verify", "--tip").out.strip()
    _cut_at_last_tx(segment)
    (segment.parent / "TIP").unlink()  # an attacker covers their tracks
    result = ledger("verify", "--since", later, check=False)
    assert result.code != 0 and "--since" in result.err
    assert "SEQ:HASH" in ledger.fails("verify", "--since", "nonsense").err


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE flags SET value = '99' WHERE name = 'x'",  # a forged value
        "DELETE FROM flags WHERE run = (SELECT min(run) FROM flags)",  # a run's flags hidden
        "INSERT INTO flags SELECT * FROM flags LIMIT 1",  # a row twice
    ],
)
def test_an_edited_index_is_named_by_verify(ledger: Ledger, edit: str) -> None:
    import duckdb

    _two_runs(ledger)
    assert ledger("verify").code == 0
    con = duckdb.connect(str(ledger.home / "index.duckdb"))
    con.execute(edit)
    con.close()
    result = ledger("verify", check=False)
    assert result.code != 0 and "flags" in result.err and "index.duckdb" in result.err


@pytest.mark.parametrize(
    "table, edit",
    [
        ("events", "UPDATE events SET ts = ts + INTERVAL 1 SECOND WHERE seq = (SELECT max(seq) FROM events)"),
        ("runs", "UPDATE runs SET label = 'forged' WHERE id = (SELECT min(id) FROM runs)"),
        ("runs", "UPDATE runs SET id = 'forged' WHERE id = (SELECT min(id) FROM runs)"),
        # as many rows as the log's, one of them twice
        ("events", "DELETE FROM events WHERE seq = 2; INSERT INTO events SELECT * FROM events WHERE seq = 1"),
        ("sourcecode", "UPDATE sourcecode SET sha256 = repeat('0', 64) WHERE path = 'echo.py'"),
    ],
)
def test_an_edited_keyed_table_is_named_by_verify(ledger: Ledger, table: str, edit: str) -> None:
    """The tables compared row by row on their key (events, runs, sourcecode)."""
    import duckdb

    _two_runs(ledger)
    con = duckdb.connect(str(ledger.home / "index.duckdb"))
    con.execute(edit)
    con.close()
    result = ledger("verify", check=False)
    assert result.code != 0 and f"table {table} differs" in result.err, result.err


def test_a_full_disk_still_answers_reads(ledger: Ledger, tmp_path: Path) -> None:
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        _two_runs(ledger)
        home = mount / "home"
        shutil.copytree(ledger.home, home)
        ledger.home = home
        (home / "index.duckdb").unlink()
        (home / "events" / "streams.idx").unlink()
        fill_disk(mount)
        for args in (("runs",), ("sql", "SELECT count(*) AS n FROM runs")):
            result = ledger(*args)
            assert "2" in result.out and "space" in result.err
        assert not list(home.glob(".index-slice-*")) and not list(home.glob("index.duckdb*"))
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_rebuild_refuses_a_tampered_log(ledger: Ledger) -> None:
    segment = _two_runs(ledger)
    lines = segment.read_bytes().splitlines(keepends=True)
    lines[1] = lines[1].replace(b'"op":', b'"op" :', 1) if b'"op":' in lines[1] else lines[1][:-2] + b" }\n"
    segment.write_bytes(b"".join(lines))
    before = {p: p.read_bytes() for p in (ledger.home / "runs").rglob("*") if p.is_file()}
    assert "rebuild refused" in ledger.fails("rebuild").err
    assert {p: p.read_bytes() for p in (ledger.home / "runs").rglob("*") if p.is_file()} == before


def test_damage_inside_the_chain_is_one_line_while_the_index_is_checked(ledger: Ledger) -> None:
    """verify folds a fresh index while it walks the log; on a line altered
    mid-log that fold fails too, and the walk's finding is what is said."""
    for _ in range(3):
        ledger("run", "echo", "-y")
    ledger("runs")  # an index to compare with
    ledger("run", "echo", "-y")
    segment = ledger.home / "events" / "00000001.jsonl"
    lines = segment.read_bytes().split(b"\n")
    lines[4] = b"{not json" + lines[4][9:]
    segment.write_bytes(b"\n".join(lines))
    failed = ledger("verify", check=False)
    assert failed.code == 1 and "Traceback" not in failed.err
    assert failed.err.startswith("ledger: verify failed: seq 5 ") and failed.err.count("\n") == 1
