"""Recording a running process: output chunks, scalars, and how it ended.

Output lines are written live to `.ledger/output` (and their times to
`.ledger/output.index`), and every second or megabyte they become one
transaction: the chunk as a blob, an `OutputCaptured` event and the
`ScalarLogged` events parsed from it. The last chunk is appended together
with `RunStopped`, so a run's end is a single durable step.
"""

from __future__ import annotations

import time
from pathlib import Path

from ledger.events import NewEvent, OutputCaptured, RunStopped, ScalarLogged
from ledger.home import Home
from projections.rundir import META, output_index_line

CHUNK_SECONDS = 1.0
CHUNK_BYTES = 1 << 20


class OutputRecorder:
    def __init__(self, home: Home, run_id: str, run_dir: Path, scalar_parser) -> None:
        self.home = home
        self.run_id = run_id
        self.parser = scalar_parser
        (run_dir / META).mkdir(parents=True, exist_ok=True)
        self._out = open(run_dir / META / "output", "wb")
        self._index = open(run_dir / META / "output.index", "w")
        self._lines: list[bytes] = []
        self._times: list[tuple[int, int]] = []
        self._scalars: list[ScalarLogged] = []
        self._size = 0
        self._last_flush = time.monotonic()
        self.scalars: dict[str, float] = {}

    def __call__(self, line: bytes, ms: int, stream: int) -> None:
        self._out.write(line)
        self._index.write(output_index_line(ms, stream))
        self._lines.append(line)
        self._times.append((ms, stream))
        self._size += len(line)
        if self.parser is not None:
            for key, value, step in self.parser.feed(line.decode("utf-8", "replace")):
                self._scalars.append(ScalarLogged(key=key, value=value, step=step))
                self.scalars[key] = value
        if self._size >= CHUNK_BYTES or time.monotonic() - self._last_flush >= CHUNK_SECONDS:
            self.home.store.append(self._chunk_events())

    def _chunk_events(self) -> list[NewEvent]:
        self._out.flush()
        self._index.flush()
        events = []
        if self._lines:
            data = b"".join(self._lines)
            blob = self.home.blobs.put_bytes(data)
            events.append(
                NewEvent(
                    self.run_id,
                    OutputCaptured(blob=blob, bytes=len(data), lines=len(self._lines), index=tuple(self._times)),
                )
            )
        events.extend(NewEvent(self.run_id, s) for s in self._scalars)
        self._lines, self._times, self._scalars, self._size = [], [], [], 0
        self._last_flush = time.monotonic()
        return events

    def finish(self, status: str, exit_status: int | None) -> None:
        """Append the last chunk and the run's end in one transaction."""
        events = self._chunk_events()
        events.append(NewEvent(self.run_id, RunStopped(status=status, exit_status=exit_status)))  # type: ignore[arg-type]
        self._out.close()
        self._index.close()
        self.home.store.append(events)
