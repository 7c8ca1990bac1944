"""`ledger rebuild` of run directories: it only adds.

Each run's directory is brought in line with the log (see rundir_restore):
missing files are written, files that differ are moved to
`$LEDGER_HOME/lost+found/<run>/<when>/` first, and files the log cannot
restore are left in place. A run that is still running is its process's
to write, and is left alone. The caller verifies the log first.

The log is read one run at a time (its stream, through the stream index),
so memory follows the largest run, not the history.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

from ledger import verified
from ledger.errors import CorruptLogError
from ledger.events import ArtifactRecorded, Event, RunCreated
from ledger.home import Home
from ledger.projections.liveness import stream_status
from ledger.projections.rundir_restore import Restore, planned_files

LOST_AND_FOUND = "lost+found"


def live_runs(home: Home) -> list[str]:
    """Run ids in the order they were created, purged runs left out: one
    pass over the log keeping a few bytes per run."""
    created: dict[str, None] = {}
    purged: set[str] = set()
    for raw in home.store.read_raw():
        if raw["type"] == "RunCreated":
            created.setdefault(raw["run"], None)
        elif raw["type"] == "RunPurged":
            purged.add(raw["run"])
    return [run for run in created if run not in purged]


def is_running(events: list[Event]) -> bool:
    """Still running, or cannot be told apart from it: its owning process
    lives, or it runs on another host. Staged runs are not running."""
    return stream_status(events) == "running"


class RunDirRebuild:
    """Every run directory brought in line with the log (or, with `write`
    False, what that would do): `notices()` yields one line per run left
    alone and per file not left as it was; the counts follow."""

    def __init__(self, home: Home, *, write: bool = True) -> None:
        self.home = home
        self.write = write
        self.runs = 0  # run directories brought in line
        self.files = 0  # files written
        self.running = 0  # runs left alone
        self.changes = 0  # files written or moved, or not restorable (with write False: that would be)
        self.kept = 0  # files the log does not have, left in place

    def notices(self) -> Iterator[str]:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
        for run in live_runs(self.home):
            try:
                events = verified.stream(self.home.store, run, must_exist=False)
            except CorruptLogError as e:
                self.changes += 1
                yield f"{run[:8]}: left as it is: {e}"
                continue
            if not events or not isinstance(events[0].data, RunCreated):
                continue
            if is_running(events):
                self.running += 1
                yield f"{run[:8]}: running, left alone"
                continue
            restore = Restore(self.home.blobs, self.home.path / LOST_AND_FOUND / run / stamp, write=self.write)
            for notice in restore.run_dir(self.home.run_dir(run), planned_files(events), too_big(events)):
                if notice.startswith("kept "):
                    self.kept += 1
                else:
                    self.changes += 1
                yield f"{run[:8]}: {notice}"
            self.runs += 1
            self.files += restore.written


def too_big(events: list[Event]) -> set[str]:
    """Artifacts the log recorded without storing their bytes."""
    return {e.data.path for e in events if isinstance(e.data, ArtifactRecorded) and not e.data.stored}
