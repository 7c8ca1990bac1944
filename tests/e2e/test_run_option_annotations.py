"""`ledger run`'s options that annotate what it starts, as Guild's: `-t`,
`-c`, the `--batch-*` options, `-l` templates per trial, and `-f` for flags
the operation does not define."""

from __future__ import annotations

from tests.e2e.conftest import Ledger


def sql(ledger: Ledger, query: str) -> list[list[str]]:
    return [line.split(",") for line in ledger("sql", "-f", "csv", query).out.splitlines()[1:]]


def test_tags_and_comment_are_the_events_tag_and_comment_append(ledger: Ledger) -> None:
    ledger("run", "echo", "x=1", "-t", "baseline", "--tag", "v2", "-c", "first try", "-y")
    assert ledger("select", "--attr", "tags").out.split() == ["-", "baseline", "-", "v2"]
    assert ledger("comment", "1", "-l").out.splitlines()[1].endswith(": first try")
    assert sql(ledger, "SELECT tag FROM tags ORDER BY tag") == [["baseline"], ["v2"]]
    types = "SELECT type FROM events WHERE type IN ('TagAdded', 'CommentAdded') ORDER BY seq"
    assert sql(ledger, types) == [["TagAdded"], ["TagAdded"], ["CommentAdded"]]
    ledger("tag", "1", "-d", "v2")  # a tag given on `run` is removed as any other
    assert ledger("select", "--attr", "tags").out.split() == ["-", "baseline"]


def test_a_label_is_a_template_over_the_flags(ledger: Ledger) -> None:
    ledger("run", "echo2", "x=3", "-l", "x is ${x}; ${default_label}; [${nope}]", "-y")
    assert sql(ledger, "SELECT label FROM runs") == [["x is 3.0; x=3.0 y=2 z=a; []"]]


def test_a_batch_labels_each_trial_and_annotates_itself_apart(ledger: Ledger) -> None:
    ledger(
        "run", "echo2", "x=[1,2]", "-l", "x=${x}", "-t", "trial", "-c", "a trial",
        "--batch-label", "grid over x", "--batch-tag", "sweep", "-bc", "the sweep", "--keep-batch", "-y",
    )  # fmt: skip
    rows = sql(ledger, "SELECT op, label FROM runs ORDER BY seq")
    assert rows == [["echo2+", "grid over x"], ["echo2", "x=1.0"], ["echo2", "x=2.0"]]
    tags = sql(ledger, "SELECT r.op, t.tag FROM tags t JOIN runs r ON r.id = t.run ORDER BY r.seq")
    assert tags == [["echo2+", "sweep"], ["echo2", "trial"], ["echo2", "trial"]]
    comments = sql(ledger, "SELECT r.op, c.text FROM comments c JOIN runs r ON r.id = c.run ORDER BY r.seq")
    assert comments == [["echo2+", "the sweep"], ["echo2", "a trial"], ["echo2", "a trial"]]


def test_batch_options_leave_a_plain_run_alone(ledger: Ledger) -> None:
    ledger("run", "echo2", "-bl", "unused", "-bt", "unused", "-y")
    assert sql(ledger, "SELECT label FROM runs") == [["x=1.0 y=2 z=a"]]
    assert sql(ledger, "SELECT count(*) FROM tags") == [["0"]]


def test_empty_tags_and_comments_are_refused(ledger: Ledger) -> None:
    assert "a tag cannot be empty" in ledger.fails("run", "echo2", "-t", " ", "-y").err
    assert "a tag cannot be empty" in ledger.fails("run", "echo2", "x=[1,2]", "--batch-tag", "", "-y").err
    assert "the comment is empty" in ledger.fails("run", "echo2", "-c", "", "-y").err


def test_force_flags_accepts_undefined_flags_and_refused_values(ledger: Ledger) -> None:
    refused = ledger.fails("run", "echo2", "extra=3", "-y").err
    assert "unknown flag 'extra'" in refused and "--force-flags" in refused
    assert "choose one of a, b, c, d" in ledger.fails("run", "echo2", "z=zz", "-y").err
    out = ledger("run", "echo2", "extra=3", "z=zz", "x=99", "--force-flags", "-y").out
    assert out.strip() == "x=99 y=2 z=zz"  # x's bounds and z's choices were not applied
    assert sql(ledger, "SELECT name, value::VARCHAR FROM flags ORDER BY name") == [
        ["extra", "3"], ["x", "99"], ["y", "2"], ["z", '"""zz"""']]  # fmt: skip
    ledger("run", "--proto", "1", "extra=4", "-y")  # the proto's operation defines what it ran with
    assert sql(ledger, "SELECT label FROM runs ORDER BY seq DESC LIMIT 1") == [["extra=4 x=99 y=2 z=zz"]]
