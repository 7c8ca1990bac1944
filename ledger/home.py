"""The embedded home: where the log, the blobs and the projections live."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

from ledger.blobs import BlobStore
from ledger.errors import CorruptLogError, StoreError
from ledger.store import EventStore


def default_home() -> Path:
    return Path(os.environ.get("LEDGER_HOME") or "~/.ledger").expanduser()


class Home:
    """`$LEDGER_HOME`: events/, objects/, runs/, index.duckdb."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_home()
        # what reading the log here found wrong with it: reads go on over
        # the intact prefix, changes are refused (refuse_changes_if_damaged)
        self.damage: list[str] = []

    @cached_property
    def store(self) -> EventStore:
        return EventStore(self.path / "events")

    @cached_property
    def blobs(self) -> BlobStore:
        return BlobStore(self.path / "objects")

    @property
    def runs_dir(self) -> Path:
        return self.path / "runs"

    def run_dir(self, run_id: str) -> Path:
        return self.path / "runs" / run_id

    @property
    def index_path(self) -> Path:
        return self.path / "index.duckdb"

    @property
    def queries_dir(self) -> Path:
        return self.path / "queries"

    def refuse_changes_if_damaged(self) -> None:
        """A change is not appended to a log found damaged: it would extend
        a chain whose history cannot be proven."""
        if self.damage:
            raise CorruptLogError(f"refused: {self.damage[0]}")

    def ensure_exists(self, advice: str = "set LEDGER_HOME to a ledger's folder") -> None:
        """Fail with one line when there is no ledger here (no events/)."""
        if not (self.path / "events").is_dir():
            raise StoreError(f"there is no ledger at {self.path}; {advice}")

    def ensure_writable(self) -> None:
        """Fail early, with one line, when the home cannot take writes."""
        events = self.path / "events"
        try:
            events.mkdir(parents=True, exist_ok=True)
            probe = events / ".probe"
            probe.touch()
            probe.unlink()
        except OSError as e:
            raise StoreError(
                f"LEDGER_HOME {self.path} is not writable ({e.strerror}); set LEDGER_HOME to a writable folder"
            ) from None
