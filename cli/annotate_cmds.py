"""Annotating runs: label, tag, comment. Each appends events; nothing a run wrote changes.

Both spellings work: ledger's short `ledger label RUN TEXT` / `ledger comment
RUN TEXT`, and Guild's options (`label --set/--append/--prepend/--remove/
--clear`, `tag --add/--delete/--clear/--sync-labels`, `comment --add/--list/
--delete/--clear`), which list the runs they change and ask unless -y.
"""

from __future__ import annotations

import re
from typing import Any, Optional

import typer

from ledger.cli.command import Commands
from ledger.cli.prompts import go_ahead_with_runs
from ledger.cli.run_filters import with_filters
from ledger.errors import LedgerError, RunRefError
from ledger.executor import manage
from ledger.executor.run import context
from ledger.executor.runinfo import comments_of
from ledger.home import Home
from ledger.projections.index import connect
from ledger.projections.refs import Filters, select
from ledger.terminal import printable

app = Commands()

Yes = typer.Option(False, "-y", "--yes", help="Do not ask.")


def _runs(home: Home, refs: list[str], filters: Filters) -> list[dict[str, Any]]:
    """The runs named, each once, among those the filters keep; with filters
    and no runs named, every run they keep; with neither, the newest run
    (Guild annotates run 1 when none is named)."""
    if not refs and not filters.narrowing:
        refs = ["1"]
    rows = list({r["id"]: r for r in select(home, refs, filters, flags=False)}.values())
    if not rows:
        raise RunRefError("no runs match the filters; see `ledger runs` with the same filters")
    return rows


def _run_ids(home: Home, refs: list[str], filters: Filters) -> list[str]:
    return [r["id"] for r in _runs(home, refs, filters)]


def _without(label: str, text: str) -> str:
    """`label` with every whole-word occurrence of `text` taken out."""
    return " ".join(re.sub(rf"(?<!\S){re.escape(text)}(?!\S)", " ", label).split())


@app.command("label")
@with_filters
def label(
    args: Optional[list[str]] = typer.Argument(
        None, metavar="[RUN...] [LABEL]", help="RUN LABEL; with an option below, only the runs."
    ),
    set_: Optional[str] = typer.Option(None, "-s", "--set", metavar="LABEL", help="Set the runs' label."),
    append: Optional[str] = typer.Option(None, "-a", "--append", metavar="TEXT", help="Add TEXT at the end."),
    prepend: Optional[str] = typer.Option(None, "-p", "--prepend", metavar="TEXT", help="Add TEXT at the start."),
    remove: Optional[str] = typer.Option(None, "-rm", "--remove", metavar="TEXT", help="Take TEXT out."),
    clear: bool = typer.Option(False, "-c", "--clear", help="Remove the label."),
    yes: bool = Yes,
    filters: Filters = Filters(),
) -> None:
    """Set, change or clear runs' labels.

    Example: ledger label 1 best-so-far
    """
    home = Home()
    changes = [c for c in (set_, append, prepend, remove) if c is not None] + (["clear"] if clear else [])
    if len(changes) > 1:
        raise LedgerError("give one of --set, --append, --prepend, --remove or --clear")
    if not changes:
        if not args or len(args) != 2:
            raise LedgerError("give the new label (RUN LABEL), or runs and --set/--append/--prepend/--remove/--clear")
        manage.set_label(home, _run_ids(home, args[:1], filters), args[1])
        return
    rows = _runs(home, list(args or ()), filters)
    new = {}
    for row in rows:
        old = row.get("label") or ""
        if set_ is not None:
            new[row["id"]] = set_
        elif append is not None:
            new[row["id"]] = f"{old} {append}".strip()
        elif prepend is not None:
            new[row["id"]] = f"{prepend} {old}".strip()
        elif remove is not None:
            new[row["id"]] = _without(old, remove)
        else:
            new[row["id"]] = ""
    go_ahead_with_runs("label", rows, yes=yes)
    manage.set_labels(home, new)
    typer.echo(f"Labelled {len(rows)} run(s)")


@app.command("tag")
@with_filters
def tag(
    runs: Optional[list[str]] = typer.Argument(
        None, metavar="RUN", help="Runs: index (1 = newest), range A:B or id prefix."
    ),
    add: Optional[list[str]] = typer.Option(None, "-a", "--add", metavar="TAG", help="A tag to add; repeatable."),
    remove: Optional[list[str]] = typer.Option(
        None, "-d", "--delete", metavar="TAG", help="A tag to remove; repeatable."
    ),
    clear: bool = typer.Option(False, "-c", "--clear", help="Remove every tag first."),
    sync_labels: bool = typer.Option(
        False, "-s", "--sync-labels", help="Also add the added tags to the label and take removed ones out of it."
    ),
    list_all: bool = typer.Option(False, "-l", "--list-all", help="List every tag in use, with its run count."),
    yes: bool = Yes,
    filters: Filters = Filters(),
) -> None:
    """Add or remove tags.

    Example: ledger tag 1 2 -a baseline
    """
    home = Home()
    if list_all:
        con = connect(home)
        try:
            for name, count in con.execute("SELECT tag, count(*) FROM tags GROUP BY tag ORDER BY tag").fetchall():
                typer.echo(f"{name}  ({count} run{'s' if count != 1 else ''})")
        finally:
            con.close()
        return
    rows = _runs(home, list(runs or ()), filters)
    added, removed = list(add or ()), list(remove or ())
    if not (added or removed or clear):
        raise LedgerError("give a tag to change: -a TAG, -d TAG or -c (or -l to list every tag)")
    gone_from = {row["id"]: removed for row in rows}  # the tags each run loses
    if clear:
        if any(not t.strip() for t in added):
            raise LedgerError("a tag cannot be empty; give its text, e.g. -a baseline")
        go_ahead_with_runs("clear the tags of", rows, yes=yes)
        for row in rows:
            gone_from[row["id"]] = [t for t in manage.tags_of(home, row["id"]) if t not in added]
            if gone_from[row["id"]]:
                manage.tag(home, [row["id"]], [], gone_from[row["id"]])
        if added:
            manage.tag(home, [r["id"] for r in rows], added, [])
    else:
        manage.tag(home, [r["id"] for r in rows], added, removed)
    if sync_labels:
        labels = {}
        for row in rows:
            words = [w for w in (row.get("label") or "").split() if w not in gone_from[row["id"]]]
            labels[row["id"]] = " ".join([t for t in added if t not in words] + words)
        manage.set_labels(home, labels)
    typer.echo(f"Modified tags for {len(rows)} run(s)")


@app.command("comment")
@with_filters
def comment(
    args: Optional[list[str]] = typer.Argument(
        None, metavar="[RUN...] [TEXT]", help="RUN TEXT; with an option below, only the runs."
    ),
    add: Optional[str] = typer.Option(None, "-a", "--add", metavar="TEXT", help="Add TEXT as a comment."),
    list_: bool = typer.Option(False, "-l", "--list", help="List the runs' comments, numbered."),
    delete: Optional[list[int]] = typer.Option(
        None, "-d", "--delete", metavar="INDEX", help="Remove the comment numbered INDEX in --list; repeatable."
    ),
    clear: bool = typer.Option(False, "-c", "--clear", help="Remove every comment."),
    user: Optional[str] = typer.Option(None, "-u", "--user", metavar="USER", help="Comment as USER."),
    yes: bool = Yes,
    filters: Filters = Filters(),
) -> None:
    """Add, list or remove comments on runs.

    Example: ledger comment 1 "diverged after epoch 3"
    """
    home = Home()
    if user is not None and not user.strip():
        raise LedgerError("-u needs a user name, e.g. -u alice")
    here = context()
    # as Guild: a comment is signed user@host, the host added to a bare -u USER
    author = f"{user or here['user']}@{here['host']}" if user is None or "@" not in user else user
    if sum([add is not None, list_, bool(delete), clear]) > 1:
        raise LedgerError("give one of --add, --list, --delete or --clear")
    if add is None and not (list_ or delete or clear):
        if not args or len(args) != 2:
            raise LedgerError("give RUN TEXT, or runs and one of --add/--list/--delete/--clear")
        manage.comment(home, _run_ids(home, args[:1], filters), args[1], author)
        return
    named = list(args or ())
    rows = _runs(home, named, filters)
    if list_:
        for row in rows:
            typer.echo(f"[{row['id'][:8]}]  {printable(row['op'])}")
            notes = comments_of(home.store.stream(row["id"]))
            for n, (_, c) in enumerate(notes, 1):
                typer.echo(printable(f"  [{n}] {c.user}: {c.text}" if c.user else f"  [{n}] {c.text}"))
            if not notes:
                typer.echo("  <no comments>")
        return
    if add is not None:
        go_ahead_with_runs("comment on", rows, yes=yes)
        manage.comment(home, [r["id"] for r in rows], add, author)
        typer.echo(f"Added comment to {len(rows)} run(s)")
        return
    if delete and len(rows) != 1:
        raise LedgerError("comment numbers belong to one run: give one run with --delete")
    go_ahead_with_runs("remove comments of", rows, yes=yes)
    removed = sum(manage.remove_comments(home, r["id"], list(delete) if delete else None) for r in rows)
    typer.echo(f"Removed {removed} comment(s)")
