"""What Guild does when a user leaves something out: annotations act on the
newest run, `delete`/`restore`/`purge` on every run they can, tags lead a
new run's default label; and what `run --start/--restart` refuses."""

from __future__ import annotations

import json

from tests.e2e.conftest import Ledger, with_scripts


def ids(ledger: Ledger, *args: str) -> list[str]:
    return [row["id"] for row in json.loads(ledger("runs", "--json", *args).out)]


def test_annotations_without_a_run_act_on_the_newest(ledger: Ledger) -> None:
    ledger("run", "echo", "x=1", "-y")
    ledger("run", "echo", "x=2", "-y")
    newest, older = ids(ledger)
    assert ledger("comment", "-a", "looks good", "-y").out.strip() == "Added comment to 1 run(s)"
    assert ledger("label", "--set", "best", "-y").out.strip() == "Labelled 1 run(s)"
    assert ledger("tag", "-a", "keep").out.strip() == "Modified tags for 1 run(s)"
    assert ids(ledger, "-Fc", "looks good") == ids(ledger, "-Fl", "best") == ids(ledger, "-Ft", "keep") == [newest]
    assert "looks good" in ledger("runs", "info", "--comments").out
    assert "looks good" not in ledger("runs", "info").out  # as Guild: comments on request
    assert ledger("comment", "-l", older[:8]).out.splitlines()[1:] == ["  <no comments>"]
    assert "-u needs a user name" in ledger.fails("comment", "-a", "x", "-u", " ", "-y").err


def test_delete_restore_and_purge_without_runs_take_every_run(ledger: Ledger) -> None:
    ledger("run", "echo", "x=1", "-y")
    ledger("run", "echo", "x=2", "-y")
    listed = ledger("delete", input="n\n", check=False)
    assert listed.code == 1 and listed.out.count("echo") == 2  # both listed before asking; "n" does nothing
    assert len(ids(ledger)) == 2
    assert ledger("runs", "rm", "-y").out.strip() == "Deleted 2 run(s)"
    assert ids(ledger) == [] and "there are no runs" in ledger.fails("delete", "-y").err
    assert ledger("runs", "restore", "-y").out.strip() == "Restored 2 run(s)"
    assert "there are no deleted runs" in ledger.fails("purge", "-y").err


def test_tags_lead_a_new_runs_default_label(ledger: Ledger) -> None:
    ledger("run", "echo", "x=3", "-t", "blue", "-t", "fast", "-y")
    assert ledger("select", "--attr", "label").out.strip() == "blue fast x=3.0 y=2 z=a"
    ledger("run", "echo", "x=3", "-t", "blue", "-l", "mine", "-y")
    assert ledger("select", "--attr", "label").out.strip() == "mine"  # a label given is the label


def test_start_and_restart_refuse_what_describes_a_new_run(ledger: Ledger) -> None:
    ledger("run", "echo", "-y")
    ledger("run", "echo", "x=2", "-y")
    assert "--stage and --stage-trials plan a new run" in ledger.fails("run", "--restart", "1", "--stage", "-y").err
    assert "not both" in ledger.fails("run", "--restart", "1", "--proto", "2", "-y").err
    assert "--run-id names a new run" in ledger.fails("run", "--start", "1", "--run-id", "a" * 32, "-y").err
    assert "give its name instead" in ledger.fails("run", "--restart", "1", "--help-op").err
    assert "starts again with its recorded flags" in ledger("run", "--restart", "1", "--plan").out
    assert "op_main.py echo\n# set in the script: x=2.0" in ledger("run", "--restart", "1", "--print-cmd").out


def test_batch_options_on_a_single_run_are_said_to_be_ignored(ledger: Ledger) -> None:
    err = ledger("run", "echo", "--batch-comment", "sweep", "-y").err
    assert "not a batch: its batch comment is ignored" in err


def test_where_on_a_flag_some_runs_gave_text_says_how_to_compare(tmp_path) -> None:
    ledger = with_scripts(tmp_path, {"fit.py": "lr = 0.1\nprint('loss:', 1)\n"})
    ledger("run", "fit.py", "lr=0.2", "-y")
    ledger("run", "fit.py", "lr=abc", "--force-flags", "-y", check=False)
    err = ledger.fails("runs", "--where", "lr > 0.1 AND status = 'completed'").err
    assert "TRY_CAST" in err and "'lr'" in err
    assert len(ledger("runs", "--where", "TRY_CAST(lr AS DOUBLE) > 0.1").out.splitlines()) == 1


def test_piped_tables_line_up_wide_characters(ledger: Ledger) -> None:
    ledger("run", "echo", "-l", "日本語", "-y")
    ledger("run", "echo", "-l", "ascii", "-y")
    lines = ledger("sql", "SELECT label, 7 AS n FROM runs ORDER BY seq").out.splitlines()
    widths = {sum(2 if "\u3000" <= c <= "\u9fff" else 1 for c in line) for line in lines}
    assert len(widths) == 1, lines
