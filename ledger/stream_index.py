"""`events/streams.idx`: where each event of each run stream is.

One fixed-width record per committed event, in seq order: (seq, segment,
offset, length, run key). It is derived: the segments are the truth, and
whatever is wrong with the index (gone, cut, garbage after it) is mended
from them; only its last good record is trusted. Reading one run's stream
is then a scan of this file for the run's key, never of the log.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Callable, Iterator
from hashlib import blake2b
from pathlib import Path

REC = struct.Struct("<QIQI8s")  # seq, segment, offset, length, run key
Scan = Callable[[int, int], Iterator[tuple[int, int, int, dict]]]


def run_key(run: str) -> bytes:
    return blake2b(run.encode(), digest_size=8).digest()


class StreamIndex:
    def __init__(self, path: Path, segment_path: Callable[[int], Path]) -> None:
        self.path = path
        self._segment_path = segment_path
        self._cache: tuple[tuple[int, int, int], bytes] | None = None
        self._lookups = 0  # against the cached buffer
        self._by_key: _KeyOrder | None = None

    def _buffer(self) -> bytes:
        """The whole index, re-read only when the file changed: lineage walks
        many streams in a row, and the index is tens of MB in a big home."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return b""
        stamp = (st.st_size, st.st_mtime_ns, st.st_ino)
        if self._cache is None or self._cache[0] != stamp:
            with open(self.path, "rb") as fh:
                self._cache = (stamp, fh.read())
            self._lookups, self._by_key = 0, None
        return self._cache[1]

    def lookup(self, key: bytes, last_seq: int) -> Iterator[tuple[int, int, int, int]]:
        """(seq, segment, offset, length) of every record with `key`, up to
        `last_seq` (a reader may see a writer's half-written record)."""
        buf = self._buffer()
        size, rec_key_at = REC.size, REC.size - 8
        limit = min(len(buf) // size, last_seq) * size
        self._lookups += 1
        if self._lookups > 3:
            # many streams read in a row (lineage, rebuild): ordering the
            # records by key once beats a scan of the whole file per stream
            if self._by_key is None:
                self._by_key = _KeyOrder(buf[: len(buf) // size * size])
            yield from (r for r in self._by_key.records(key) if r[0] <= limit // size)
            return
        pos = buf.find(key, 0, limit)
        while pos != -1:
            start = pos - rec_key_at
            if start % size == 0:
                seq, seg, off, length, _ = REC.unpack_from(buf, start)
                yield seq, seg, off, length
                pos = buf.find(key, start + size, limit)
            else:
                pos = buf.find(key, pos + 1, limit)

    def position_of(self, seq: int) -> tuple[int, int] | None:
        """Where event `seq` starts, if the index knows (and knows right)."""
        try:
            with open(self.path, "rb") as fh:
                fh.seek((seq - 1) * REC.size)
                rec = fh.read(REC.size)
        except FileNotFoundError:
            return None
        if len(rec) == REC.size:
            at, seg, off, _, _ = REC.unpack(rec)
            if at == seq:
                return seg, off
        return None

    def last_record(self) -> tuple[int, int, int, int] | None:
        """(seq, segment, offset, length) of the index's last record."""
        try:
            with open(self.path, "rb") as fh:
                end = fh.seek(0, os.SEEK_END) // REC.size * REC.size
                if not end:
                    return None
                fh.seek(end - REC.size)
                seq, seg, off, length, _ = REC.unpack(fh.read(REC.size))
        except OSError:
            return None
        return seq, seg, off, length

    def record(self, entries: list[tuple[int, str, int]], seg: int, offset: int) -> None:
        """Add (seq, run, line length) of freshly appended events."""
        recs = []
        for seq, run, n in entries:
            recs.append(REC.pack(seq, seg, offset, n, run_key(run)))
            offset += n
        with open(self.path, "ab") as fh:
            fh.write(b"".join(recs))

    def catch_up(self, last_seq: int, first_segment: int, scan: Scan) -> None:
        """Make the index hold exactly one record per committed event."""
        try:
            size = os.stat(self.path).st_size
        except FileNotFoundError:
            size = -1
        if size == last_seq * REC.size:
            return
        have = max(0, min(size // REC.size, last_seq))
        start = self._resume_point(have) if have else None
        if start is None:
            have = 0
        with open(self.path, "ab") as fh:
            fh.truncate(have * REC.size)
            if have == last_seq:
                return
            recs = []
            try:
                for seg, off, length, raw in scan(*(start or (first_segment, 0))):
                    if raw["seq"] > have:
                        recs.append(REC.pack(raw["seq"], seg, off, length, run_key(raw["run"])))
            finally:  # a damaged line stops the scan: what precedes it is indexed all the same
                fh.write(b"".join(recs))

    def rebuild(self, last_seq: int, first_segment: int, scan: Scan) -> None:
        with open(self.path, "ab") as fh:
            fh.truncate(0)
        self.catch_up(last_seq, first_segment, scan)

    def _resume_point(self, have: int) -> tuple[int, int] | None:
        """Where the event after record `have` starts, if that record really
        points at event `have`; else None (rebuild from scratch)."""
        with open(self.path, "rb") as fh:
            fh.seek((have - 1) * REC.size)
            seq, seg, off, length, _ = REC.unpack(fh.read(REC.size))
        if seq != have:
            return None
        try:
            with open(self._segment_path(seg), "rb") as fh:
                fh.seek(off)
                line = fh.read(length)
            if not line.endswith(b"\n") or json.loads(line)["seq"] != have:
                return None
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return seg, off + length


class _KeyOrder:
    """The records of an index in run-key order, for many lookups in a row:
    one array of record numbers (8 bytes an event) searched by bisection,
    where a dict of tuples took ~150 bytes an event (a rebuild of a
    million-event home held 150 MB for it)."""

    def __init__(self, buf: bytes) -> None:
        import numpy as np

        self._np = np
        dtype = np.dtype([("seq", "<u8"), ("seg", "<u4"), ("off", "<u8"), ("len", "<u4"), ("key", "<u8")])
        self._recs = np.frombuffer(buf, dtype=dtype)
        self._order = np.argsort(self._recs["key"], kind="stable")  # stable: seq order within a key
        self._keys = self._recs["key"][self._order]

    def records(self, key: bytes) -> Iterator[tuple[int, int, int, int]]:
        """(seq, segment, offset, length) of every record with `key`, in seq order."""
        k = self._np.frombuffer(key, dtype="<u8")[0]
        lo = self._np.searchsorted(self._keys, k, side="left")
        hi = self._np.searchsorted(self._keys, k, side="right")
        for i in self._order[lo:hi]:
            seq, seg, off, length, _ = self._recs[i]
            yield int(seq), int(seg), int(off), int(length)
