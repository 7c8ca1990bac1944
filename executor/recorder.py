"""Recording a running process: output chunks, scalars, and how it ended.

Output lines are written live to `.ledger/output` (and their times to
`.ledger/output.index`), and every second (see `tick`) or megabyte they
become one transaction: the chunk as a blob, an `OutputCaptured` event, and
one `ScalarsLogged` batch per source of points: the scalars parsed from the
chunk, the points the script logged through `ledger.log` (a spool file the
recorder tails) and those of TensorBoard event files the run writes. The
last chunk is appended together with `RunStopped`, so a run's end is a
single durable step.

Memory stays bounded whatever the run's length: a chunk is dropped once
appended, and of the appended events only the few that shape the run
directory's attributes are kept (`appended`).
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Sequence
from pathlib import Path

from ledger.events import (
    ArtifactRecorded,
    NewEvent,
    OutputCaptured,
    RunStopped,
    ScalarsLogged,
    SourceFile,
)
from ledger.home import Home
from ledger.projections.rundir import META, output_index_line
from ledger.scalar_columns import ScalarColumns

CHUNK_SECONDS = 1.0
CHUNK_BYTES = 1 << 20
CHUNK_POINTS = 1 << 20  # a batch of points is appended at least this often, even within a second
_BULKY = (OutputCaptured, ScalarsLogged)  # not kept once appended: the run directory's attributes ignore them
ARTIFACT_STORE_BYTES = 64 << 20  # bigger files are recorded (path, size) but not copied


class OutputRecorder:
    def __init__(
        self,
        home: Home,
        run_id: str,
        run_dir: str | os.PathLike[str],
        scalar_parser,
        pending: list | None = None,
        sources: tuple = (),
    ) -> None:
        """`sources` are other sources of points (ledger.executor.metric_sources),
        polled at each chunk for `(name, ScalarColumns)` batches."""
        self.home = home
        self.run_id = run_id
        self.parser = scalar_parser
        meta = Path(run_dir, META)
        meta.mkdir(parents=True, exist_ok=True)
        self._out = (meta / "output").open("wb")
        self._index = (meta / "output.index").open("w")
        self._lines: list[bytes] = []
        self._times: list[tuple[int, int]] = []
        self._points = ScalarColumns()
        self._sources = sources
        self._size = 0
        self._last_flush = time.monotonic()
        self.scalars: dict[str, float] = {}  # the last value of each key, whatever its source
        self.appended: list = []  # the events this recorder appended, but for output chunks and scalar batches
        self._pending: list[NewEvent] = list(pending or ())  # go out with the first append

    def __call__(self, line: bytes, ms: int, stream: int) -> None:
        self._out.write(line)
        self._index.write(output_index_line(ms, stream))
        self._lines.append(line)
        self._times.append((ms, stream))
        self._size += len(line)
        if self.parser is not None:
            found = self.parser.feed(line.decode("utf-8", "replace"))
            if found:
                add, time_us = self._points.add, ms * 1000
                for key, value, step in found:
                    self.scalars[key] = value
                    try:
                        add(key, step, value, time_us)
                    except ValueError:
                        pass  # a printed step beyond 64 bits: the line stays in the output
        if (
            self._size >= CHUNK_BYTES
            or len(self._points) >= CHUNK_POINTS
            or time.monotonic() - self._last_flush >= CHUNK_SECONDS
        ):
            self._append(self._chunk_events())

    def tick(self) -> None:
        """Called by the launcher every fraction of a second, output or not:
        a line followed by a long quiet computation is recorded within a
        second, not when the next line comes (a kill -9 of `ledger run`
        then loses at most that second)."""
        if time.monotonic() - self._last_flush >= CHUNK_SECONDS:
            events = self._chunk_events()
            if events:
                self._append(events)
            else:
                self._last_flush = time.monotonic()

    def _append(self, events: list[NewEvent]) -> list:
        appended = self.home.store.append(events)
        self.appended += [e for e in appended if not isinstance(e.data, _BULKY)]
        return appended

    def _chunk_events(self, final: bool = False) -> list[NewEvent]:
        self._out.flush()
        self._index.flush()
        events, self._pending = self._pending, []
        batches = [("output", self._points)] if len(self._points) else []
        for source in self._sources:
            batches += source.poll(final)
        if self._lines:
            data = b"".join(self._lines)
            blob = self.home.blobs.put_bytes(data)
            events.append(
                NewEvent(
                    self.run_id,
                    OutputCaptured(blob=blob, bytes=len(data), lines=len(self._lines), index=tuple(self._times)),
                )
            )
        for name, points in batches:
            events.append(NewEvent(self.run_id, self._batch_event(name, points)))
        self._lines, self._times, self._points, self._size = [], [], ScalarColumns(), 0
        self._last_flush = time.monotonic()
        return events

    def _batch_event(self, source: str, points: ScalarColumns) -> ScalarsLogged:
        keys, blob = points.encode()
        if source != "output":  # printed points set `scalars` as they are parsed
            seen: set[int] = set()
            for index, value in zip(reversed(points.key_index), reversed(points.values)):
                if index not in seen:
                    seen.add(index)
                    self.scalars[keys[index]] = value
                    if len(seen) == len(keys):
                        break
        return ScalarsLogged(blob=self.home.blobs.put_bytes(blob), points=len(points), keys=keys, source=source)

    def finish(self, status: str, exit_status: int | None, artifacts: Sequence[ArtifactRecorded] = ()) -> list:
        """Append the last chunk, the files the run wrote and the run's end
        in one transaction; returns the events this recorder appended (but
        for output chunks and scalar batches)."""
        events = self._chunk_events(final=True)
        events += [NewEvent(self.run_id, a) for a in artifacts]
        events.append(NewEvent(self.run_id, RunStopped(status=status, exit_status=exit_status)))  # type: ignore[arg-type]
        self._out.close()
        self._index.close()
        self._append(events)
        for source in self._sources:
            source.close()
        return self.appended


def artifacts(
    home: Home,
    run_dir: str | os.PathLike[str],
    source: tuple[SourceFile, ...],
    copied_stats: dict[str, tuple[int, int]] | None = None,
) -> list[ArtifactRecorded]:
    """Files the run left in its directory that are not its source code as
    copied: stored as blobs (up to a size), so a rebuild restores them.
    `copied_stats` (path -> size, mtime_ns as written) spares re-hashing the
    source files the run did not touch."""
    copied = {f.path: (f.sha256, f.size) for f in source}
    stats = copied_stats or {}
    out = []
    root = Path(run_dir)
    for dirpath, dirnames, filenames in os.walk(root):
        folder = Path(dirpath)
        if folder == root:
            dirnames[:] = [d for d in dirnames if d != META]
        dirnames.sort()
        for name in sorted(filenames):
            full = folder / name
            rel = full.relative_to(root).as_posix()
            st = full.lstat()
            if not stat.S_ISREG(st.st_mode):
                continue
            if stats.get(rel) == (st.st_size, st.st_mtime_ns):
                continue
            if st.st_size > ARTIFACT_STORE_BYTES:
                out.append(ArtifactRecorded(path=rel, sha256="", size=st.st_size, stored=False))
                continue
            if rel in copied and st.st_size == copied[rel][1]:
                if hashlib.sha256(full.read_bytes()).hexdigest() == copied[rel][0]:
                    continue
            sha, size = home.blobs.put_file(full)
            out.append(ArtifactRecorded(path=rel, sha256=sha, size=size, stored=True))
    return out
