"""Commands that show one run's events or blobs prove them first: an altered,
duplicated or reordered line, or an altered blob, is one line naming
`ledger verify`, never a forged value or a silent drop."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Ledger


def _two_runs(ledger: Ledger) -> tuple[str, str, Path]:
    """The older run (x=2) and the newer one, and the segment."""
    ledger("run", "echo", "x=2", "-y")
    ledger("run", "echo", "x=3", "-y")
    rows = json.loads(ledger("runs", "--json").out)
    return rows[1]["id"], rows[0]["id"], ledger.home / "events" / "00000001.jsonl"


def _lines(segment: Path) -> list[bytes]:
    return segment.read_bytes().splitlines(keepends=True)


def _flag_line(lines: list[bytes], run: str) -> int:
    return next(i for i, line in enumerate(lines) if b'"FlagSet"' in line and run.encode() in line)


READS = [
    ("select", "--attr", "flags"),
    ("cat", "--output"),
    ("ls",),
    ("log",),
    ("lineage",),
    ("diff",),
    ("run", "--proto", "-y"),
]


def _read(ledger: Ledger, args: tuple[str, ...], old: str, new: str):
    if args[0] == "diff":
        return ledger.fails("diff", old[:8], new[:8], *args[1:])
    if args[0] == "run":
        return ledger.fails("run", "--proto", old[:8], "-y")
    return ledger.fails(*args, old[:8])


@pytest.mark.parametrize("args", READS, ids=[" ".join(a) for a in READS])
def test_a_forged_event_is_not_shown(ledger: Ledger, args: tuple[str, ...]) -> None:
    old, new, segment = _two_runs(ledger)
    lines = _lines(segment)
    at = _flag_line(lines, old)
    assert b'"value":2' in lines[at]
    lines[at] = lines[at].replace(b'"value":2', b'"value":7')
    segment.write_bytes(b"".join(lines))
    err = _read(ledger, args, old, new).err
    assert "ledger verify" in err and "7" not in err.replace(old[:8], "")
    assert "x: 3.0" in ledger("select", "--attr", "flags", new[:8]).out  # other runs still read


@pytest.mark.parametrize("how", ["duplicated", "reordered"])
@pytest.mark.parametrize("args", [("log",), ("select", "--attr", "flags")], ids=["log", "select --attr"])
def test_a_duplicated_or_reordered_line_is_an_error(ledger: Ledger, how: str, args: tuple[str, ...]) -> None:
    old, new, segment = _two_runs(ledger)
    lines = _lines(segment)
    at = _flag_line(lines, old)
    if how == "duplicated":
        lines.insert(at, lines[at])
    else:
        lines[at - 1], lines[at] = lines[at], lines[at - 1]
    segment.write_bytes(b"".join(lines))
    assert "ledger verify" in ledger.fails(*args, old[:8]).err


def test_an_altered_output_blob_is_not_shown(ledger: Ledger) -> None:
    ledger("run", "echo", "-y")
    output = ledger("cat", "--output").out.encode()
    sha = hashlib.sha256(output).hexdigest()
    blob = ledger.home / "objects" / sha[:2] / sha[2:]
    blob.chmod(0o644)
    blob.write_bytes(b"forged output\n")
    err = ledger.fails("cat", "--output").err
    assert sha[:12] in err and "ledger verify" in err


def test_intact_runs_read_as_before(ledger: Ledger) -> None:
    old, new, _ = _two_runs(ledger)
    assert "x: 2.0" in ledger("select", "--attr", "flags", old[:8]).out
    assert ledger("log", old[:8]).out.count("FlagSet") == 3
    ledger("run", "--proto", old[:8], "-y")
    assert ledger("verify").out.startswith("ok:")
