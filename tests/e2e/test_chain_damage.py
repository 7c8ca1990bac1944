"""Damage inside the chain (not at the log's tail): `verify` names it,
`rebuild` and writes refuse, read-only commands serve the intact prefix
with one warning, and nothing forged reaches the index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Ledger


def _three_runs(ledger: Ledger) -> Path:
    for x in (1, 2, 3):
        ledger("run", "echo", f"x={x}", "-y")
    return ledger.home / "events" / "00000001.jsonl"


def _tx_ends(segment: Path) -> list[int]:
    """Line numbers (from 1) where each transaction ends."""
    raws = [json.loads(line) for line in segment.read_bytes().splitlines()]
    return [i for i, raw in enumerate(raws, 1) if raw["seq"] == raw["tx"] + raw["txn"] - 1]


def _insert_after(segment: Path, line_no: int, junk: bytes) -> None:
    lines = segment.read_bytes().splitlines(keepends=True)
    segment.write_bytes(b"".join(lines[:line_no] + [junk] + lines[line_no:]))


def _split_by_run(ledger: Ledger) -> list[Path]:
    """The one segment cut into one segment per run, at transaction
    boundaries, as a long history's segments are."""
    events = ledger.home / "events"
    parts: list[list[bytes]] = [[]]
    for line in (events / "00000001.jsonl").read_bytes().splitlines(keepends=True):
        raw = json.loads(line)
        if raw["type"] == "RunCreated" and raw["seq"] == raw["tx"] and parts[-1]:
            parts.append([])
        parts[-1].append(line)
    paths = [events / f"{n:08d}.jsonl" for n in range(1, len(parts) + 1)]
    for path, part in zip(paths, parts):
        path.write_bytes(b"".join(part))
    (events / "streams.idx").unlink()  # derived, rebuilt from the segments
    return paths


def _reads_serve_the_first_run(ledger: Ledger) -> None:
    for args in (("runs",), ("sql", "SELECT count(DISTINCT run) AS n FROM events"), ("log", "1")):
        result = ledger(*args)
        assert "Traceback" not in result.err
        warnings = [line for line in result.err.splitlines() if line.strip()]
        assert len(warnings) == 1 and "ledger verify" in warnings[0], result.err
    assert ledger("runs").out.count("echo") == 1
    assert ledger("sql", "SELECT count(DISTINCT run) AS n FROM events").out.split()[-1] == "1"


@pytest.mark.parametrize("junk", [b"garbage line\n", b"\0\0\0\0\n"], ids=["garbage", "nuls"])
@pytest.mark.parametrize("index", ["deleted", "kept"])
def test_a_line_inserted_between_transactions(ledger: Ledger, junk: bytes, index: str) -> None:
    segment = _three_runs(ledger)
    if index == "deleted":
        (ledger.home / "index.duckdb").unlink(missing_ok=True)
    else:
        ledger("runs")
    _insert_after(segment, _tx_ends(segment)[1], junk)  # after the first run's last transaction
    if index == "deleted":
        _reads_serve_the_first_run(ledger)
    else:
        assert ledger("runs").out.count("echo") == 3  # what the index folded before the damage
    verify = ledger("verify", check=False)
    assert verify.code == 1 and "seq 11 " in verify.err
    assert "rebuild refused" in ledger.fails("rebuild").err
    before = ledger.log_bytes()
    refused = ledger("label", "1", "new", "-y", check=False)
    assert refused.code == 1 and "ledger verify" in refused.err and ledger.log_bytes() == before


def test_garbage_at_the_end_of_an_older_segment(ledger: Ledger) -> None:
    _three_runs(ledger)
    first, *_ = _split_by_run(ledger)
    (ledger.home / "index.duckdb").unlink(missing_ok=True)
    with open(first, "ab") as fh:
        fh.write(b"garbage\n")
    _reads_serve_the_first_run(ledger)
    assert ledger("verify", check=False).code == 1


def test_a_value_edited_in_place_is_never_served(ledger: Ledger) -> None:
    segment = _three_runs(ledger)
    lines = segment.read_bytes().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if i > 10 and b'"value":2}' in line)
    lines[at] = lines[at].replace(b'"value":2}', b'"value":666}')
    segment.write_bytes(b"".join(lines))
    (ledger.home / "index.duckdb").unlink(missing_ok=True)
    result = ledger("sql", "SELECT run, name, value FROM flags")
    assert "666" not in result.out and "ledger verify" in result.err
    assert ledger("verify", check=False).code == 1
    forced = ledger("rebuild", "--force", check=False)
    assert forced.code == 0, forced.err
    assert ledger("sql", "SELECT count(*) AS n FROM flags WHERE value::VARCHAR = '666'").out.split()[-1] == "0"


def test_a_deleted_middle_segment_hides_the_runs_after_the_gap(ledger: Ledger) -> None:
    _three_runs(ledger)
    _, middle, _ = _split_by_run(ledger)
    middle.unlink()
    (ledger.home / "index.duckdb").unlink(missing_ok=True)
    result = ledger("runs")
    assert result.out.count("echo") == 1 and "seq 11" in result.err and "ledger verify" in result.err
