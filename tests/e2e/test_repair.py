"""`ledger repair`: a log that lost its last events is readable but refuses
appends (they would fork the history) until the user accepts it as it is;
the acceptance is recorded, and nothing is deleted."""

from __future__ import annotations

import json

from tests.e2e.conftest import Ledger


def _two_runs(ledger: Ledger) -> None:
    ledger("run", "echo", "x=1", "-y")
    ledger("run", "echo", "x=2", "-y")


def test_a_log_that_lost_its_last_transaction_is_repaired_by_the_users_decision(ledger: Ledger) -> None:
    _two_runs(ledger)
    events = ledger.home / "events"
    old_tip = ledger("verify", "--tip").out.strip()
    segment = events / "00000001.jsonl"
    whole = segment.read_bytes()
    segment.write_bytes(whole[:-1] + b"\r\n")  # the last line edited: its transaction no longer verifies

    assert len(ledger("runs").out.splitlines()) == 2  # reads go on over what is left
    set_aside = [p for p in events.iterdir() if ".quarantine-" in p.name]
    assert len(set_aside) == 1 and whole.endswith(set_aside[0].read_bytes()[:-2] + b"\n")
    assert "ledger repair" in ledger.fails("run", "echo", "-y").err
    assert "ledger repair" in ledger("verify", check=False).err

    asked = ledger("repair", input="n\n", check=False)
    assert asked.code == 1 and "the last" in asked.out and set_aside[0].name in asked.out
    assert not (events / "REPAIRS").exists()

    assert "Repaired: the tip is now" in ledger("repair", "-y").out
    record = json.loads((events / "REPAIRS").read_text())
    assert record["tip_given_up"] == old_tip and record["quarantined"] == [set_aside[0].name]
    assert set_aside[0].exists()  # the bytes set aside stay
    ledger("run", "echo", "x=3", "-y")
    assert "cut back by `ledger repair` 1 time" in ledger("verify").out
    assert "does not extend" in ledger.fails("verify", "--since", old_tip).err  # the cut is still provable


def test_repair_of_a_whole_log_changes_nothing(ledger: Ledger) -> None:
    _two_runs(ledger)
    assert "Nothing to repair" in ledger("repair", "-y").out
    assert not (ledger.home / "events" / "REPAIRS").exists()


def test_repair_refuses_a_log_damaged_before_its_end(ledger: Ledger) -> None:
    _two_runs(ledger)
    events = ledger.home / "events"
    segment = events / "00000001.jsonl"
    lines = segment.read_bytes().splitlines(keepends=True)
    lines[1] = lines[1].replace(b'"cause":null', b'"cause":"forged"', 1)  # inside the chain
    lines[-1] = lines[-1][:-1] + b"\r\n"  # and the last transaction gone
    segment.write_bytes(b"".join(lines))
    ledger("verify", check=False)  # opening the log sets the last transaction aside
    tip = (events / "TIP").read_bytes()
    assert "damaged before its end" in ledger.fails("repair", "-y").err
    assert (events / "TIP").read_bytes() == tip and not (events / "REPAIRS").exists()
