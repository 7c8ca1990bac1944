"""`ledger watch`: a run's output as the log records it, until the run ends.

The owner of a running run appends its output at least every second
(ledger.executor.recorder), so reading the run's stream again every
fraction of a second shows the output within about a second of its being
printed, from any shell, for runs in the background or in another
terminal. Each chunk is checked against its hash before it is shown.

A batch or pipeline prints little itself: watching one follows each of its
trials or steps in turn, as it spawns them, until the batch ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ledger import verified
from ledger.events import OutputCaptured, TrialSpawned
from ledger.home import Home
from ledger.projections.liveness import stream_status

POLL_SECONDS = 0.25


def follow(home: Home, run_id: str, write: Callable[[bytes], None], poll: float = POLL_SECONDS,
           spawned_by: str | None = None) -> str:  # fmt: skip
    """Write the run's output, what it recorded so far and then what it
    records, until it is no longer running; its status then. A trial
    (`spawned_by` its batch) may be announced before it is created: it is
    waited for while its batch runs."""
    seen = 0
    while True:
        events = verified.stream(home.store, run_id, must_exist=spawned_by is None)
        if not events and spawned_by is not None:
            if stream_status(verified.stream(home.store, spawned_by)) != "running":
                return "terminated"  # its batch ended without creating it
            time.sleep(poll)
            continue
        # the status is taken before the output is written: output recorded
        # with the run's end is in this very read
        status = stream_status(events)
        for ev in events[seen:]:
            if isinstance(ev.data, OutputCaptured):
                write(verified.read_blob(home.blobs, ev.data.blob))
            elif isinstance(ev.data, TrialSpawned):
                follow(home, ev.data.trial, write, poll, spawned_by=run_id)
        seen = len(events)
        if status != "running":
            return status
        time.sleep(poll)
