"""Guild's annotation spellings beside ledger's short ones: label --set/
--append/--prepend/--remove/--clear, tag --add/--delete/--clear/
--sync-labels/--list-all, comment --add/--list/--delete/--clear/--user."""

from __future__ import annotations

import os

from tests.e2e.conftest import Ledger


def three_runs(ledger: Ledger) -> None:
    for x in (1, 2, 3):
        ledger("run", "echo", f"x={x}", "-l", f"run{x}", "-y")


def labels(ledger: Ledger) -> list[str]:
    return [" ".join(line.split()[3:]) for line in ledger("runs", "-s").out.splitlines()]


def test_label_options(ledger: Ledger) -> None:
    three_runs(ledger)
    asked = ledger("label", "1", "--set", "best", input="n\n", check=False)
    assert asked.code == 1 and "You are about to label the following runs:" in asked.out
    assert labels(ledger) == ["run3", "run2", "run1"]
    assert "Labelled 2 run(s)" in ledger("label", "1:2", "--append", "seen", "-y").out
    ledger("label", "3", "-p", "old", "-y")
    assert labels(ledger) == ["run3 seen", "run2 seen", "old run1"]
    ledger("label", "1", "2", "--remove", "seen", "-y")
    ledger("label", "3", "--clear", "-y")
    ledger("label", "2", "--set", "mid", "-y")
    assert labels(ledger) == ["run3", "mid", ""]
    ledger("label", "1", "short form")
    assert labels(ledger)[0] == "short form"
    assert "one of" in ledger.fails("label", "1", "--set", "a", "--clear", "-y").err


def test_tag_options(ledger: Ledger) -> None:
    three_runs(ledger)
    ledger("tag", "1", "2", "--add", "good", "-a", "fast", "--sync-labels", "-y")
    assert labels(ledger) == ["good fast run3", "good fast run2", "run1"]
    assert ledger("tag", "--list-all").out.splitlines() == ["fast  (2 runs)", "good  (2 runs)"]
    ledger("tag", "1", "--delete", "fast", "-s", "-y")
    ledger("tag", "2", "--clear", "-a", "kept", "-s", "-y")
    assert labels(ledger) == ["good run3", "kept run2", "run1"]
    assert ledger("tag", "--list-all").out.splitlines() == ["good  (1 run)", "kept  (1 run)"]
    assert ledger("tags", "--list-all").out == ledger("tag", "--list-all").out  # an unlisted alias
    assert "has no tag 'nope'" in ledger.fails("tag", "1", "-d", "nope", "-y").err


def test_comment_options(ledger: Ledger) -> None:
    three_runs(ledger)
    ledger("comment", "1", "first")
    ledger("comment", "1", "--add", "second", "-u", "alice", "-y")
    listed = ledger("comment", "1", "--list").out.splitlines()
    assert listed[1:] == [f"  [1] {listed[1].split('] ')[1]}", f"  [2] alice@{os.uname().nodename}: second"] and "first" in listed[1]
    assert "Removed 1 comment(s)" in ledger("comment", "1", "-d", "1", "-y").out
    assert ledger("comment", "1", "-l").out.splitlines()[1:] == [f"  [1] alice@{os.uname().nodename}: second"]
    assert "has no comment 5" in ledger.fails("comment", "1", "-d", "5", "-y").err
    assert "Removed 1 comment(s)" in ledger("comment", "1", "--clear", "-y").out
    assert ledger("comment", "1", "-l").out.splitlines()[1:] == ["  <no comments>"]
    assert "alice" not in ledger("runs", "info", "1").out
    assert ledger("sql", "SELECT count(*) AS n FROM comments").out.split()[-1] == "0"
