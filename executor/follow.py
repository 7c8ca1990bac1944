"""`ledger watch`: a run's output as the log records it, until the run ends.

The owner of a running run appends its output at least every second
(ledger.executor.recorder), so reading the run's stream again every
fraction of a second shows the output within about a second of its being
printed, from any shell, for runs in the background or in another
terminal. Each chunk is checked against its hash before it is shown.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ledger import verified
from ledger.events import OutputCaptured
from ledger.home import Home
from ledger.projections.liveness import stream_status

POLL_SECONDS = 0.25


def follow(home: Home, run_id: str, write: Callable[[bytes], None], poll: float = POLL_SECONDS) -> str:
    """Write the run's output, what it recorded so far and then what it
    records, until it is no longer running; its status then."""
    seen = 0
    while True:
        events = verified.stream(home.store, run_id)
        # the status is taken before the output is written: output recorded
        # with the run's end is in this very read
        status = stream_status(events)
        for ev in events[seen:]:
            if isinstance(ev.data, OutputCaptured):
                write(verified.read_blob(home.blobs, ev.data.blob))
        seen = len(events)
        if status != "running":
            return status
        time.sleep(poll)
