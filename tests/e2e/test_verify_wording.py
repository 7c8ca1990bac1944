"""`ledger verify` words what it finds for the user who just ran it: the
advice other commands give with the same finding ("run `ledger verify`")
is not repeated back."""

from __future__ import annotations

import json

import pytest

from ledger.errors import CorruptLogError, LedgerError, StoreError
from ledger.verify import VerifyReport
from tests.e2e.conftest import Ledger


def test_a_log_behind_what_the_index_applied_is_not_sent_back_to_verify(ledger: Ledger) -> None:
    ledger("run", "echo", "-y")
    ledger("run", "echo", "x=2", "-y")
    ledger("runs")  # the index applies every event
    segment = ledger.home / "events" / "00000001.jsonl"
    lines = segment.read_bytes().splitlines(keepends=True)
    last_tx = json.loads(lines[-1])["tx"]
    segment.write_bytes(b"".join(line for line in lines if json.loads(line)["seq"] < last_tx))
    (ledger.home / "events" / "TIP").unlink()  # only the index still knows the log was longer
    result = ledger("verify", check=False)
    assert result.code == 1
    assert result.err.startswith("ledger: verify failed:") and "index applied" in result.err
    assert "ledger verify" not in result.err
    assert "ledger verify" in ledger("runs", check=False).err  # other commands still point to it


@pytest.mark.parametrize(("error", "said"), [
    (CorruptLogError("events were lost, cut back or rewritten", "run `ledger verify`"),
     "events were lost, cut back or rewritten"),
    (CorruptLogError("the log segment 00000001.jsonl has a damaged line at byte 7", "run `ledger verify` to locate it"),
     "the log segment 00000001.jsonl has a damaged line at byte 7"),
    (StoreError("blob abc is missing (purged?)", "`ledger verify` lists what is lost"), "blob abc is missing (purged?)"),
    (StoreError("the disk is full", "free some space and try again"), "the disk is full; free some space and try again"),
    (StoreError("blob abc does not match its hash; it was altered"), "blob abc does not match its hash; it was altered"),
])  # fmt: skip
def test_verify_drops_only_the_advice_to_run_itself(error: LedgerError, said: str) -> None:
    assert error.said_by("ledger verify") == said
    assert str(error) == (f"{error.problem}; {error.advice}" if error.advice else error.problem)
    assert VerifyReport(problem=said).summary() == f"FAILED: {said}"
