"""Recording a running process: output chunks, scalars, and how it ended.

Output is written live to `.ledger/output` as read (and the times of its
lines to `.ledger/output.index`), and every second (see `tick`) or 4 MiB
it becomes one transaction, whole lines or not: the chunk as a blob, an
`OutputCaptured` event, and one `ScalarsLogged` batch per source of points: the scalars parsed from the
chunk, the points the script logged through `ledger.log` (a spool file the
recorder tails) and those of TensorBoard event files the run writes. Chunks
are stored beside the capture, in order (executor/chunk_appends.py). The
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
from ledger.executor.chunk_appends import Chunk, ChunkAppends
from ledger.home import Home
from ledger.projections.rundir import META, output_index_line
from ledger.scalar_columns import ScalarColumns

CHUNK_SECONDS = 1.0
CHUNK_BYTES = 4 << 20  # fewer, larger durable appends: each costs two fsyncs
# a batch of points is appended at least this often, even within a second:
# a fast-logging run's points are stored while it runs, not all after it ends
CHUNK_POINTS = 1 << 17
_BULKY = (OutputCaptured, ScalarsLogged)  # not kept once appended: the run directory's attributes ignore them
PARSED_LINE_BYTES = 1 << 16  # longer lines are kept, not searched for scalars
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
        again: bool = False,
    ) -> None:
        """`sources` are other sources of points (ledger.executor.metric_sources),
        polled at each tick; what each gave becomes one batch of its name a chunk. A run
        started `again` adds its output to the run directory's, as the log does."""
        self.home = home
        self.run_id = run_id
        self.parser = scalar_parser
        meta = Path(run_dir, META)
        meta.mkdir(parents=True, exist_ok=True)
        self._out = (meta / "output").open("ab" if again else "wb")
        self._index = (meta / "output.index").open("a" if again else "w")
        self._chunk: list[bytes] = []
        self._runs: list[list[int]] = []  # [ms, stream, lines] of the chunk's lines
        self._lines = 0
        self._size = 0
        # per stream: the time of its last bytes when they left a line unfinished
        # (stdout and stderr are read apart, so one's newline does not end the other's line)
        self._unfinished: dict[int, int] = {}
        self._unparsed: dict[int, bytes | None] = {0: b"", 1: b""}  # per stream: its unfinished line (None: too long)
        self._points = ScalarColumns()
        self._sources = sources
        self._source_points = [ScalarColumns() for _ in sources]  # what each source gave since the last chunk
        self._last_flush = time.monotonic()
        self.scalars: dict[str, float] = {}  # the last value of each key, whatever its source
        self.appended: list = []  # the events this recorder appended, but for output chunks and scalar batches
        self._pending: list[NewEvent] = list(pending or ())  # go out with the first append
        self._appends = ChunkAppends(self._append)

    def __call__(self, data: bytes, ms: int, stream: int) -> None:
        """Record output as it was read: any number of lines, the first
        maybe the rest of an earlier read's, the last maybe unfinished."""
        self._out.write(data)
        self._chunk.append(data)
        self._size += len(data)
        ended = data.count(b"\n")
        if ended:
            self._count_lines(ms, stream, ended)
        if data.endswith(b"\n"):
            self._unfinished.pop(stream, None)
        else:
            self._unfinished[stream] = ms
        if self.parser is not None:
            self._parse(data, ms, stream)
        if (
            self._size >= CHUNK_BYTES
            or len(self._points) >= CHUNK_POINTS
            or time.monotonic() - self._last_flush >= CHUNK_SECONDS
        ):
            self._submit_chunk()

    def _count_lines(self, ms: int, stream: int, count: int) -> None:
        last = self._runs[-1] if self._runs else None
        if last is not None and last[0] == ms and last[1] == stream:
            last[2] += count
        else:
            self._runs.append([ms, stream, count])
        self._lines += count
        self._index.write(output_index_line(ms, stream) * count)

    def _parse(self, data: bytes, ms: int, stream: int) -> None:
        """Feed the parser the lines `data` completes. Lines longer than
        PARSED_LINE_BYTES are not parsed (no printed scalar is that long):
        what is kept of an unfinished line stays bounded."""
        unfinished = self._unparsed[stream]
        end = data.rfind(b"\n")
        if end < 0:
            if unfinished is not None:
                unfinished += data
                self._unparsed[stream] = unfinished if len(unfinished) <= PARSED_LINE_BYTES else None
            return
        rest = data[end + 1 :]
        self._unparsed[stream] = rest if len(rest) <= PARSED_LINE_BYTES else None
        if not self.parser.might_match(data):
            if unfinished is None or not self.parser.might_match(unfinished):
                return
        if unfinished is None:  # the first line's start was too long to keep: skip to its end
            cut = data.find(b"\n")
            text = data[cut + 1 : end]
        else:
            text = unfinished + data[:end]
        add, time_us = self._points.add, ms * 1000
        for key, value, step in self.parser.feed_lines(text.decode("utf-8", "replace"), PARSED_LINE_BYTES):
            self.scalars[key] = value
            try:
                add(key, step, value, time_us)
            except ValueError:
                pass  # a printed step beyond 64 bits: the line stays in the output

    def tick(self) -> None:
        """Called by the launcher every fraction of a second, output or not:
        output is recorded within a second, a line followed by a long quiet
        computation or a progress bar without newlines too, not when the
        next line comes (a kill -9 of `ledger run` then loses at most that
        second)."""
        self._poll_sources()
        if time.monotonic() - self._last_flush >= CHUNK_SECONDS or self._gathered() >= CHUNK_POINTS:
            self._submit_chunk()

    def _poll_sources(self, final: bool = False) -> None:
        for source, points in zip(self._sources, self._source_points):
            source.poll(points, final)

    def _gathered(self) -> int:
        return len(self._points) + sum(map(len, self._source_points))

    def _append(self, events: list[NewEvent]) -> list:
        appended = self.home.store.append(events)
        self.appended += [e for e in appended if not isinstance(e.data, _BULKY)]
        return appended

    def _submit_chunk(self) -> None:
        chunk = self._take_chunk()
        if chunk is not None:
            self._appends.submit(chunk)

    def _take_chunk(self, final: bool = False) -> Chunk | None:
        """What was gathered since the last chunk, taken from here: the
        output, the points of each source and the events waiting for an
        append; returns how to store it (None: nothing to store)."""
        self._out.flush()
        self._index.flush()
        self._poll_sources(final)
        if final:  # each stream's last line, without its newline
            for stream, ms in sorted(self._unfinished.items(), key=lambda item: item[1]):
                self._count_lines(ms, stream, 1)
            self._unfinished = {}
        pending, pieces, lines, runs = self._pending, self._chunk, self._lines, self._runs
        batches = [("output", self._points), *((s.name, p) for s, p in zip(self._sources, self._source_points))]
        batches = [(name, points) for name, points in batches if len(points)]
        for name, points in batches:
            if name != "output":  # printed points set `scalars` as they are parsed
                self._note_last_values(points)
        self._pending, self._chunk, self._runs, self._lines, self._size = [], [], [], 0, 0
        self._points = ScalarColumns()
        self._source_points = [ScalarColumns() for _ in self._sources]
        self._last_flush = time.monotonic()
        if not (pending or pieces or runs or batches):
            return None

        def store() -> list[NewEvent]:
            events = list(pending)
            if pieces or runs:
                blob, size = self.home.blobs.put_chunks(pieces)
                index = tuple((ms, stream, count) for ms, stream, count in runs)
                events.append(NewEvent(self.run_id, OutputCaptured(blob=blob, bytes=size, lines=lines, index=index)))
            for name, points in batches:
                keys, data = points.encode()
                batch = ScalarsLogged(blob=self.home.blobs.put_bytes(data), points=len(points), keys=keys, source=name)
                events.append(NewEvent(self.run_id, batch))
            return events

        return store

    def _note_last_values(self, points: ScalarColumns) -> None:
        keys = tuple(points.keys)
        seen: set[int] = set()
        for index, value in zip(reversed(points.key_index), reversed(points.values)):
            if index not in seen:
                seen.add(index)
                self.scalars[keys[index]] = value
                if len(seen) == len(keys):
                    break

    def finish(self, status: str, exit_status: int | None, artifacts: Sequence[ArtifactRecorded] = ()) -> list:
        """Append the last chunk, the files the run wrote and the run's end
        in one transaction; returns the events this recorder appended (but
        for output chunks and scalar batches)."""
        try:
            self._appends.close()
        finally:  # an earlier chunk that could not be stored (a full disk) is raised, the run's end still recorded
            chunk = self._take_chunk(final=True)
            events = chunk() if chunk is not None else []
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
