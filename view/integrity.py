"""The chain's status shown on every page: its tip (cheap: the store reads
its tail) and the last full `verify` this view ran, with its result."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ledger.home import Home
from ledger.store import EventStore
from ledger.verify import verify


@dataclass
class LastVerify:
    at: str
    ok: bool
    summary: str
    bad_seq: int | None
    bad_blob: str | None
    seconds: float


class Integrity:
    """One per app: the tip on demand, full verifies one at a time."""

    def __init__(self, home: Home) -> None:
        self.home = home
        self.last: LastVerify | None = None
        self._lock = threading.Lock()

    def tip(self) -> dict[str, Any]:
        events = os.path.join(self.home.path, "events")
        if not os.path.isdir(events):
            return {"seq": 0, "hash": None}
        store = EventStore(events)
        try:
            return {"seq": store.last_seq, "hash": store.last_hash}
        finally:
            store.close()

    def status(self) -> dict[str, Any]:
        last = self.last
        return {
            "tip": self.tip(),
            "last_verify": None if last is None else last.__dict__,
        }

    def verify(self) -> LastVerify:
        """Re-walk the chain and every blob now (`ledger verify`)."""
        import time

        with self._lock:
            start = time.monotonic()
            report = verify(self.home)
            self.last = LastVerify(
                at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
                ok=report.ok,
                summary=report.summary(),
                bad_seq=report.bad_seq,
                bad_blob=report.bad_blob,
                seconds=round(time.monotonic() - start, 3),
            )
            return self.last
