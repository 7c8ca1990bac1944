"""Changing runs after the fact: labels, tags, comments, delete, restore,
purge. Each is an event on the run's stream; the run directory follows."""

from __future__ import annotations

import os
import shutil

from ledger.errors import LedgerError
from ledger.event_reading import from_dict
from ledger.events import (
    ArtifactRecorded,
    CommentAdded,
    CommentRemoved,
    DependencyResolved,
    LabelSet,
    NewEvent,
    OutputCaptured,
    RunDeleted,
    RunPurged,
    RunRestored,
    ScalarsLogged,
    SourcecodeCopied,
    TagAdded,
    TagRemoved,
)
from ledger.executor.runinfo import comments_of
from ledger.home import Home
from ledger.projections import rundir
from ledger.projections.liveness import running_owner


def _append(home: Home, events: list[NewEvent]) -> None:
    if not events:
        return
    home.refuse_changes_if_damaged()
    home.store.append(events)
    for run in dict.fromkeys(e.run for e in events):
        run_dir = home.run_dir(run)
        if os.path.exists(run_dir):
            rundir.write_meta(run_dir, home.store.stream(run))


def _refuse_purged(home: Home, runs: list[str], change: str) -> None:
    """A purged run is gone for good: its events stay for audit only."""
    for run in runs:
        if state(home, run) == "purged":
            raise LedgerError(f"run {run[:8]} was purged and cannot be {change}; `ledger log` still shows its events")


def set_label(home: Home, runs: list[str], label: str) -> None:
    _refuse_purged(home, runs, "labelled")
    _append(home, [NewEvent(r, LabelSet(label=label)) for r in runs])


def set_labels(home: Home, labels: dict[str, str]) -> None:
    """Each run its own label, in one transaction."""
    _refuse_purged(home, list(labels), "labelled")
    _append(home, [NewEvent(r, LabelSet(label=text)) for r, text in labels.items()])


def tags_of(home: Home, run: str) -> list[str]:
    tags: list[str] = []
    for ev in home.store.stream(run):
        if isinstance(ev.data, TagAdded) and ev.data.tag not in tags:
            tags.append(ev.data.tag)
        elif isinstance(ev.data, TagRemoved) and ev.data.tag in tags:
            tags.remove(ev.data.tag)
    return tags


def tag(home: Home, runs: list[str], add: list[str], remove: list[str]) -> None:
    if not add and not remove:
        raise LedgerError("give a tag to add (-a TAG) or remove (-d TAG)")
    if any(not t.strip() for t in (*add, *remove)):
        raise LedgerError("a tag cannot be empty; give its text, e.g. -a baseline")
    _refuse_purged(home, runs, "tagged")
    for run in runs if remove else ():
        has = tags_of(home, run)
        missing = [t for t in remove if t not in has]
        if missing:
            shown = ", ".join(has) or "none"
            raise LedgerError(f"run {run[:8]} has no tag {missing[0]!r} (its tags: {shown}); nothing removed")
    _append(
        home,
        [NewEvent(r, TagAdded(tag=t)) for r in runs for t in add]
        + [NewEvent(r, TagRemoved(tag=t)) for r in runs for t in remove],
    )


def comment(home: Home, runs: list[str], text: str, user: str) -> None:
    if not text.strip():
        raise LedgerError("the comment is empty: give its text")
    _refuse_purged(home, runs, "commented")
    _append(home, [NewEvent(r, CommentAdded(text=text, user=user)) for r in runs])


def remove_comments(home: Home, run: str, which: list[int] | None) -> int:
    """Remove the run's comments numbered `which` (1 = oldest, as `comment
    --list` numbers them), or all of them when None. Returns how many."""
    _refuse_purged(home, [run], "changed")
    shown = comments_of(home.store.stream(run))
    if which is None:
        chosen = [seq for seq, _ in shown]
    else:
        bad = [n for n in which if not 1 <= n <= len(shown)]
        if bad:
            have = f"1 to {len(shown)}" if shown else "none"
            raise LedgerError(f"run {run[:8]} has no comment {bad[0]} (its comments: {have}); see `ledger comment -l`")
        chosen = [shown[n - 1][0] for n in dict.fromkeys(which)]
    _append(home, [NewEvent(run, CommentRemoved(comment_seq=seq)) for seq in chosen])
    return len(chosen)


def state(home: Home, run: str, events: list | None = None) -> str:
    """`live`, `deleted` or `purged`: the last word of the run's stream.
    A purge is for good: nothing after it brings the run back."""
    now = "live"
    for ev in home.store.stream(run) if events is None else events:
        if isinstance(ev.data, RunPurged):
            return "purged"
        if isinstance(ev.data, RunDeleted):
            now = "deleted"
        elif isinstance(ev.data, RunRestored):
            now = "live"
    return now


# What each change needs a run to be, and what to do when it is not.
REQUIRED_STATE = {
    "delete": ("live", {
        "deleted": "it is already deleted (see `ledger runs -d`)",
        "purged": "it was purged; nothing is left to delete",
    }),
    "restore": ("deleted", {
        "live": "only deleted runs can be restored (see `ledger runs -d`)",
        "purged": "its files are gone for good and it cannot be restored; `ledger log` still shows its events",
    }),
    "purge": ("deleted", {
        "live": "delete it first with `ledger delete`, then purge it",
        "purged": "it was already purged",
    }),
}  # fmt: skip


def check(home: Home, runs: list[str], change: str) -> list[str]:
    """The runs, each once, after refusing (before anything is appended or
    asked) any not in the state `change` needs: an id prefix finds any run,
    not only the listed ones."""
    wanted, what_to_do = REQUIRED_STATE[change]
    runs = list(dict.fromkeys(runs))
    for run in runs:
        events = home.store.stream(run)
        now = state(home, run, events)
        if now != wanted:
            raise LedgerError(f"run {run[:8]} is {now}: {what_to_do[now]}")
        if change in ("delete", "purge"):
            _refuse_running(run, events, change)
    return runs


def _refuse_running(run: str, events: list, change: str) -> None:
    """A running run keeps writing its directory and appending its events:
    deleting or purging it under its feet would leave events after the
    purge and a directory recreated by nobody's command."""
    if running_owner(events) is not None:
        raise LedgerError(
            f"run {run[:8]} is running: stop it first (Ctrl-C where it runs, or `ledger stop {run[:8]}`),"
            f" then {change} it"
        )


def delete(home: Home, runs: list[str]) -> None:
    runs = check(home, runs, "delete")
    _append(home, [NewEvent(r, RunDeleted()) for r in runs])


def restore(home: Home, runs: list[str]) -> None:
    runs = check(home, runs, "restore")
    _append(home, [NewEvent(r, RunRestored()) for r in runs])


def _blobs_of(data) -> list[str]:
    if isinstance(data, SourcecodeCopied):
        return [f.sha256 for f in data.files]
    if isinstance(data, (OutputCaptured, ScalarsLogged)):
        return [data.blob]
    if isinstance(data, ArtifactRecorded) and data.stored:
        return [data.sha256]
    if isinstance(data, DependencyResolved) and data.kind == "config":  # the config file written for the run
        return [f.sha256 for f in data.files]
    return []


def purge(home: Home, runs: list[str]) -> int:
    """Remove the runs' directories and the blobs no other run still uses.
    Their events stay: a purged run can still be audited. Returns the
    number of blobs removed."""
    runs = check(home, runs, "purge")
    usage: dict[str, set[str]] = {}
    purged: set[str] = set()
    for raw in home.store.read_raw():
        if raw["type"] == "RunPurged":
            purged.add(raw["run"])
        elif raw["type"] in ("SourcecodeCopied", "OutputCaptured", "ScalarsLogged", "ArtifactRecorded",
                             "DependencyResolved"):  # fmt: skip
            usage.setdefault(raw["run"], set()).update(_blobs_of(from_dict(raw).data))
    targets = set(runs)
    kept: set[str] = set()
    for run, shas in usage.items():
        if run not in targets and run not in purged:
            kept |= shas
    events = [NewEvent(r, RunPurged(blobs=tuple(sorted(usage.get(r, set()) - kept)))) for r in runs]
    home.refuse_changes_if_damaged()
    home.store.append(events)
    gone = {sha for ev in events for sha in ev.data.blobs}  # type: ignore[attr-defined]
    for sha in gone:
        home.blobs.remove(sha)
    for run in runs:
        shutil.rmtree(home.run_dir(run), ignore_errors=True)
    return len(gone)
