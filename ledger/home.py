"""The embedded home: where the log, the blobs and the projections live."""

from __future__ import annotations

import os
from functools import cached_property

from ledger.blobs import BlobStore
from ledger.errors import StoreError
from ledger.store import EventStore

# Paths here are str and os.path, not pathlib: pathlib's import (urllib.parse,
# ipaddress...) would cost every `ledger run` some 3 ms.


def default_home() -> str:
    return _normal(os.path.expanduser(os.environ.get("LEDGER_HOME") or "~/.ledger"))


def _normal(path: str) -> str:
    """`path` as pathlib spells it (no empty or `.` parts, `..` kept): the
    home's path is written into every run's events and messages."""
    root = "//" if path.startswith("//") and not path.startswith("///") else "/" if path.startswith("/") else ""
    return root + "/".join(p for p in path.split("/") if p and p != ".") or "."


class Home:
    """`$LEDGER_HOME`: events/, objects/, runs/, index.duckdb."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = _normal(os.fspath(path)) if path is not None else default_home()

    @cached_property
    def store(self) -> EventStore:
        return EventStore(self._join("events"))

    @cached_property
    def blobs(self) -> BlobStore:
        return BlobStore(self._join("objects"))

    @property
    def runs_dir(self) -> str:
        return self._join("runs")

    def run_dir(self, run_id: str) -> str:
        return self._join("runs", run_id)

    @property
    def index_path(self) -> str:
        return self._join("index.duckdb")

    @property
    def queries_dir(self) -> str:
        return self._join("queries")

    def _join(self, *names: str) -> str:
        # as pathlib joins: in a home of ".", the log is "events", not "./events"
        return os.path.join(*names) if self.path == "." else os.path.join(self.path, *names)

    def ensure_writable(self) -> None:
        """Fail early, with one line, when the home cannot take writes."""
        try:
            events = self._join("events")
            os.makedirs(events, exist_ok=True)
            probe = os.path.join(events, ".probe")
            open(probe, "wb").close()
            os.unlink(probe)
        except OSError as e:
            raise StoreError(
                f"LEDGER_HOME {self.path} is not writable ({e.strerror}); set LEDGER_HOME to a writable folder"
            ) from None
