"""A run's output chunks made durable beside its capture, not in its way.

Storing a chunk (its blob hashed, written and fsynced, then its events
appended and fsynced) takes tens of milliseconds. Done where the output is
read, the pipe fills meanwhile and the script stops printing until the
chunk is stored. Here chunks are stored one after another, in order, by a
thread of their own, while the next chunk gathers.

At most one chunk waits while another is stored: a recorder that cannot
keep up makes its capture wait (and so the script), rather than hold
output in memory, and what a kill -9 of ledger can lose stays what the
store did not have time for, about a second of output.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from ledger.events import NewEvent

Chunk = Callable[[], list[NewEvent]]  # stores the chunk's blobs, gives the events that record it


class ChunkAppends:
    def __init__(self, append: Callable[[list[NewEvent]], object]) -> None:
        self._append = append
        self._waiting: queue.Queue[Chunk | None] = queue.Queue(maxsize=1)  # None: no more chunks
        self._thread: threading.Thread | None = None
        self._failed: BaseException | None = None

    def submit(self, chunk: Chunk) -> None:
        """Have `chunk` stored after those submitted before; raises what
        storing an earlier one raised (a full disk), once."""
        self._raise_failure()
        if self._thread is None:
            self._thread = threading.Thread(target=self._store, name="ledger-output-chunks", daemon=True)
            self._thread.start()
        self._waiting.put(chunk)

    def close(self) -> None:
        """Return once every submitted chunk is stored and the thread has
        ended, or raise why a chunk was not stored."""
        if self._thread is not None:
            self._waiting.put(None)
            self._thread.join()
            self._thread = None
        self._raise_failure()

    def _raise_failure(self) -> None:
        failed, self._failed = self._failed, None
        if failed is not None:
            raise failed

    def _store(self) -> None:
        while True:
            chunk = self._waiting.get()
            if chunk is None:
                return
            try:
                if self._failed is None:  # after a failure, the chunks that follow are not stored
                    self._append(chunk())
            except BaseException as e:
                self._failed = e
