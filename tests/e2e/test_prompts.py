"""delete, restore and purge list the runs they will touch, then ask;
-y skips the question; no (or no answer) leaves the log as it was."""

from __future__ import annotations

from tests.e2e.conftest import Ledger


def two_runs(ledger: Ledger) -> tuple[str, str]:
    ledger("run", "echo", "x=1", "-y")
    ledger("run", "echo", "x=2", "-y")
    newest, older = (ledger("select", ref).out.strip() for ref in ("1", "2"))
    return newest, older


def listed(out: str, verb: str) -> list[str]:
    """The run ids (8 characters) listed under 'You are about to VERB'."""
    head, _, rest = out.partition(f"You are about to {verb} the following runs:\n")
    assert _, f"nothing listed before asking:\n{out}"
    lines = rest.split("Continue?")[0].splitlines()
    return [line.split(":")[1][:8] for line in lines if line.startswith("  [")]


def test_delete_lists_the_runs_then_asks(ledger: Ledger) -> None:
    newest, older = two_runs(ledger)
    before = ledger.log_bytes()
    no = ledger("delete", "1:2", input="n\n", check=False)
    assert no.code == 1 and listed(no.out, "delete") == [newest[:8], older[:8]]
    assert "echo" in no.out and "x=2.00 y=2 z=a" in no.out
    assert "Continue? [Y/n]" in no.out and "Nothing done." in no.err
    assert ledger.log_bytes() == before

    yes = ledger("delete", "1", input="y\n")
    assert listed(yes.out, "delete") == [newest[:8]] and "Deleted 1 run(s)" in yes.out
    assert ledger("runs", "-s").out.count("\n") == 1


def test_dash_y_acts_without_listing_or_asking(ledger: Ledger) -> None:
    newest, _ = two_runs(ledger)
    deleted = ledger("delete", "1", "-y", input="")
    assert "You are about to" not in deleted.out and "Continue?" not in deleted.out
    restored = ledger("restore", "1", "-y", input="")  # as Guild users type it
    assert restored.out == "Restored 1 run(s)\n"
    assert ledger("select", "1").out.strip() == newest


def test_restore_lists_then_asks(ledger: Ledger) -> None:
    newest, _ = two_runs(ledger)
    ledger("delete", "1", "-y")
    before = ledger.log_bytes()
    no = ledger("restore", "1", input="n\n", check=False)
    assert no.code == 1 and listed(no.out, "restore") == [newest[:8]] and ledger.log_bytes() == before
    yes = ledger("restore", "1", input="\n")  # the default: yes
    assert "Restored 1 run(s)" in yes.out and ledger("select", "1").out.strip() == newest


def test_purge_lists_warns_and_defaults_to_no(ledger: Ledger) -> None:
    newest, _ = two_runs(ledger)
    ledger("delete", "1", "-y")
    before = ledger.log_bytes()
    for answer in ("\n", "n\n", ""):  # Enter takes the default (no); end of input is no
        kept = ledger("purge", "1", input=answer, check=False)
        assert kept.code == 1 and listed(kept.out, "purge") == [newest[:8]], answer
        assert "Their files cannot be restored." in kept.out and "Continue? [y/N]" in kept.out
        assert "Traceback" not in kept.err
    assert ledger.log_bytes() == before and (ledger.home / "runs" / newest).is_dir()

    purged = ledger("purge", "1", input="y\n")
    assert "Purged 1 run(s)" in purged.out and not (ledger.home / "runs" / newest).exists()


def test_a_run_in_the_wrong_state_is_refused_before_asking(ledger: Ledger) -> None:
    newest, _ = two_runs(ledger)
    refused = ledger.fails("restore", newest[:8])
    assert "only deleted runs can be restored" in refused.err and "You are about to" not in refused.out


def test_guilds_runs_spellings_manage_runs_as_the_top_level_commands_do(ledger: Ledger) -> None:
    newest, older = two_runs(ledger)
    asked = ledger("runs", "rm", "1", input="n\n", check=False)
    assert asked.code == 1 and listed(asked.out, "delete") == [newest[:8]] and "Nothing done." in asked.err
    assert "Deleted 1 run(s)" in ledger("runs", "rm", "1", "-y").out
    assert "Deleted 1 run(s)" in ledger("runs", "delete", "1", "-y").out
    assert ledger("runs", "-s").out == "" and ledger("runs", "-d", "-s").out.count("\n") == 2
    assert "Restored 1 run(s)" in ledger("runs", "restore", "1", "-y").out
    purge = ledger("runs", "purge", "1", input="y\n")
    assert listed(purge.out, "purge") and "Purged 1 run(s)" in purge.out
    assert ledger("select", "1").out.strip() in (newest, older)
    assert "Usage: ledger runs rm [OPTIONS] [RUN]..." in ledger("runs", "rm", "--help").out  # or filters
