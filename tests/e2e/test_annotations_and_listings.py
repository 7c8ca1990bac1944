"""Annotations that would record nothing true are refused, filters take
their text as documented, one-run commands refuse a range, and listings
show control characters as escapes."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Ledger


def test_empty_tags_and_tags_the_run_does_not_have_are_refused(ledger: Ledger) -> None:
    ledger("run", "echo", "-y")
    assert "a tag cannot be empty" in ledger.fails("tag", "1", "-a", "").err
    assert "a tag cannot be empty" in ledger.fails("tag", "1", "-a", "  ").err
    assert "has no tag 'never'" in ledger.fails("tag", "1", "-d", "never").err
    ledger("tag", "1", "-a", "kept")
    assert "has no tag 'gone' (its tags: kept)" in ledger.fails("tag", "1", "-d", "gone").err
    ledger("tag", "1", "-d", "kept")
    assert "has no tag 'kept'" in ledger.fails("tag", "1", "-d", "kept").err


def test_a_purged_run_cannot_be_annotated(ledger: Ledger) -> None:
    ledger("run", "echo", "-y")
    run_id = ledger("select").out.strip()
    ledger("delete", "-y", "1")
    ledger("purge", "-y", run_id[:8])
    for args in (("label", run_id[:8], "x"), ("tag", run_id[:8], "-a", "x"), ("comment", run_id[:8], "x")):
        assert "was purged" in ledger.fails(*args).err


def test_op_filters_are_globs_and_label_filters_are_literal(ledger: Ledger) -> None:
    ledger("run", "echo", "--label", "50% done", "-y")
    ledger("run", "echo2", "--label", "a_b", "-y")
    assert ledger("runs", "-Fo", "%").out == ""
    assert ledger("runs", "-Fo", "_cho").out == ""
    assert "echo2" in ledger("runs", "-Fo", "echo?").out
    assert len(ledger("runs", "-Fo", "echo*").out.splitlines()) == 2
    assert ledger("runs", "-Fl", "%").out.count("\n") == 1 and "50% done" in ledger("runs", "-Fl", "%").out
    assert ledger("runs", "-Fl", "a%b").out == ""
    assert ledger("runs", "-Fl", "_").out.count("\n") == 1


@pytest.mark.parametrize("command", [("select",), ("runs", "info"), ("cat", "--output"), ("ls",)])
def test_one_run_commands_refuse_a_range(ledger: Ledger, command: tuple) -> None:
    ledger("run", "echo", "-y")
    ledger("run", "echo", "-y")
    assert "is a range of runs" in ledger.fails(*command, "1:3").err


def test_control_characters_in_labels_are_escaped_in_every_listing(ledger: Ledger) -> None:
    evil = "evil\x1b]0;TITLE\x07\nsecond line\u202e"
    ledger("run", "echo", "-y")
    ledger("run", "--proto", "1", "-y")
    ledger("label", "1", evil)
    ledger("tag", "1", "-a", "t\x1b[31m")
    ledger("comment", "1", "c\rx")
    shown = "evil\\x1b]0;TITLE\\x07\\nsecond line\\u202e"
    outputs = {
        "runs": ledger("runs").out,
        "runs -s": ledger("runs", "-s").out,
        "runs info": ledger("runs", "info", "--comments").out,
        "compare": ledger("compare", "1:2").out,
        "sql": ledger("sql", "SELECT label, tags FROM runs").out,
        "lineage": ledger("lineage", "1").out,
        "lineage --descendants": ledger("lineage", "--descendants", "2").out,
    }
    for name, out in outputs.items():
        assert not any(c in out for c in "\x1b\x07\r\u202e"), f"{name} printed a control character:\n{out!r}"
        assert shown in out, f"{name} does not show the label escaped:\n{out}"
    assert "t\\x1b[31m" in outputs["runs info"] and "c\\rx" in outputs["runs info"]


def test_file_names_a_run_wrote_are_escaped_in_ls(ledger: Ledger, project) -> None:
    (project / "names.py").write_text("open('bad\\x1b]0;T\\x07\\nname.txt', 'w').write('x')\n")
    ledger("run", "names.py", "-y")
    out = ledger("ls").out
    assert "bad\\x1b]0;T\\x07\\nname.txt" in out and "\x1b" not in out
