"""The append-only, hash-chained event store.

Layout under `events/`: segments `00000001.jsonl`, ... of one canonical JSON
event per line, a `LOCK` file that serialises appends across processes, and
`streams.idx`, a derived fixed-width index (seq -> segment, offset, run) that
makes reading one run's stream cheap. The index is rebuilt from the
segments whenever it falls behind; the segments are the only truth.

A transaction is one `append` call: its events share `tx` (the seq of its
first event) and `txn` (how many there are). A transaction whose last event
is not on disk is a crash remnant: readers ignore it and the next store to
take the lock cuts it off, so a crash at any byte leaves a log that
verifies. Only what can be a torn write of ours is cut off; anything else
at the tail (foreign bytes, an edited event) is moved to a quarantine file
beside the segment (ledger/tail.py). `TIP` records the last appended
(seq, hash): a log that no longer reaches it takes no more appends.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ledger import segments, tail
from ledger import tip as tip_file
from ledger.errors import ConcurrencyError, CorruptLogError, EventError, StoreError
from ledger.event_reading import from_dict
from ledger.events import EVENT_TYPES, Event, NewEvent, dump_data
from ledger.sealing import GENESIS, check_line, now_ts, seal_line
from ledger.stream_index import StreamIndex, run_key

SEGMENT_BYTES = 64 * 1024 * 1024
# beside the segments: what `ledger repair` gave up, one JSON line each (ledger/repair.py)
REPAIRS = "REPAIRS"


class EventStore:
    """One home's log. Safe to use from many processes at once."""

    def __init__(self, root: str | os.PathLike[str], segment_bytes: int = SEGMENT_BYTES) -> None:
        self.root = Path(root)
        self.segment_bytes = segment_bytes
        self._seg = 0
        self._seg_size = 0
        self.last_seq = 0
        self.last_hash = GENESIS
        self._lock_fd: int | None = None
        self._lock_pid = 0
        # flock excludes other processes, not other threads of this one (a
        # batch's --workers record their trials from threads)
        self._thread_lock = threading.Lock()
        self.index = StreamIndex(self.root / "streams.idx", self._segment_path)
        self._tip_path = self.root / "TIP"
        self.behind_tip: str | None = None
        self._sync_tail_unlocked()

    # -- writing -----------------------------------------------------------

    def append(
        self,
        events: Sequence[NewEvent],
        expected_version: int | Mapping[str, int] | None = None,
    ) -> list[Event]:
        """Append `events` as one transaction: all of them or none.

        `expected_version` is the number of events a run's stream must hold
        before this append (an int when the events are of one run, else a
        map run -> version); a stale one raises ConcurrencyError."""
        if not events:
            return []
        expected = self._expected_map(events, expected_version)
        with self._locked():
            self._sync_tail()
            for run, want in expected.items():
                have = self._stream_version(run)
                if have != want:
                    raise ConcurrencyError(
                        f"run {run[:8]} has {have} events, not the {want} this change expected:"
                        " another writer got there first; re-read the run and try again"
                    )
            if self.behind_tip:
                raise CorruptLogError(self.behind_tip)  # appending would fork the history
            # seal first: an event that cannot be stored must not leave an empty segment behind
            lines, appended = self._seal(events)
            if self._seg == 0 or self._seg_size >= self.segment_bytes:
                self._start_segment(self._seg + 1)
            data = "".join(lines).encode()
            path = self._segment_path(self._seg)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            self.index.record(
                [(e.seq, e.run, len(line.encode())) for e, line in zip(appended, lines)], self._seg, self._seg_size
            )
            self._seg_size += len(data)
            self.last_seq = appended[-1].seq
            self.last_hash = appended[-1].hash
            self._write_tip(self.last_seq, self.last_hash)
        return appended

    def _expected_map(self, events: Sequence[NewEvent], expected: int | Mapping[str, int] | None) -> Mapping[str, int]:
        if expected is None:
            return {}
        if isinstance(expected, int):
            runs = {e.run for e in events}
            if len(runs) != 1:
                raise StoreError("an int expected_version needs events of one run; pass a map run -> version")
            return {runs.pop(): expected}
        return expected

    def _seal(self, events: Sequence[NewEvent]) -> tuple[list[str], list[Event]]:
        tx = self.last_seq + 1
        prev = self.last_hash
        lines: list[str] = []
        out: list[Event] = []
        ts = now_ts()  # one transaction, one moment
        ids = [uuid.uuid4().hex for _ in events]
        for i, ev in enumerate(events):
            data = ev.data
            kind = type(data).__name__
            if EVENT_TYPES.get(kind) is not type(data):
                raise EventError(f"cannot append a {kind}: events carry a payload from ledger.events")
            seq = tx + i
            body = {
                "seq": seq, "id": ids[i], "ts": ts, "run": ev.run, "type": kind, "v": data.V,
                "data": dump_data(data), "cause": ev.cause, "tx": tx, "txn": len(events), "prev": prev,
            }  # fmt: skip
            try:
                line, digest = seal_line(body)
            except (TypeError, ValueError) as e:
                raise EventError(f"event {kind} cannot be stored as JSON: {e}") from None
            lines.append(line)
            out.append(Event(seq, ids[i], ts, ev.run, kind, data.V, data, ev.cause, tx, len(events), prev, digest))
            prev = digest
        return lines, out

    # -- reading -----------------------------------------------------------

    def read(self, from_seq: int = 1) -> Iterator[Event]:
        for raw in self.read_raw(from_seq):
            yield from_dict(raw)

    def read_raw(self, from_seq: int = 1) -> Iterator[dict[str, Any]]:
        """Committed events from `from_seq` on, as stored dicts, without
        re-hashing (verify does that). Stops before an unfinished tail."""
        with self._locked():
            self._sync_tail()
            last = self.last_seq
        if from_seq > last:
            return  # catching up with nothing new must not scan the log
        seg, offset = self._position_of(from_seq)
        for _, _, _, raw in self._scan(seg, offset):
            if raw["seq"] >= from_seq:
                yield raw

    def stream(self, run: str) -> list[Event]:
        """Every committed event of one run, in order, via the index."""
        return [from_dict(r) for r in self.stream_raw(run)]

    def stream_raw(self, run: str) -> list[dict[str, Any]]:
        for attempt in (1, 2):
            with self._locked():
                self._sync_tail()
                if attempt == 2:
                    self.index.rebuild(self.last_seq, self._first_segment(), self._scan)
                recs = list(self.index.lookup(run_key(run), self.last_seq))
            out = self._read_records(recs, run)
            if out is not None:
                return out
        raise CorruptLogError(f"the stream index of {self.root} does not match the log", "run `ledger verify`")

    def stream_lines(self, run: str, *, fresh_index: bool = False) -> list[tuple[int, bytes, bytes | None]]:
        """(seq, line, the log's line before it) for each event the stream
        index lists for `run`, as stored and unchecked: ledger.verified
        proves them. `fresh_index` rebuilds the index from the segments first."""
        with self._locked():
            self._sync_tail()
            if fresh_index:
                self.index.rebuild(self.last_seq, self._first_segment(), self._scan)
            recs = list(self.index.lookup(run_key(run), self.last_seq))
            handles: dict[int, Any] = {}

            def line_at(seg: int, off: int, length: int = -1) -> bytes:
                fh = handles.get(seg) or handles.setdefault(seg, open(self._segment_path(seg), "rb"))
                fh.seek(off)
                return fh.read(length) if length >= 0 else fh.readline()

            try:
                out = []
                for seq, seg, off, length in recs:
                    before = self.index.position_of(seq - 1) if seq > 1 else None
                    out.append((seq, line_at(seg, off, length), line_at(*before) if before else None))
                return out
            except OSError as e:
                raise CorruptLogError(f"run {run[:8]}'s events cannot be read ({e})", "run `ledger verify`") from None
            finally:
                for fh in handles.values():
                    fh.close()

    def _read_records(self, recs: list[tuple[int, int, int, int]], run: str) -> list[dict[str, Any]] | None:
        """The events the index points at, or None when it points wrong."""
        out = []
        handles: dict[int, Any] = {}
        try:
            for seq, seg, off, length in recs:
                fh = handles.get(seg) or handles.setdefault(seg, open(self._segment_path(seg), "rb"))
                fh.seek(off)
                raw = json.loads(fh.read(length))
                if raw["seq"] != seq:
                    return None
                if raw["run"] == run:  # the key is a hash: skip another run's collision
                    out.append(raw)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        finally:
            for fh in handles.values():
                fh.close()
        return out

    def version(self, run: str) -> int:
        with self._locked():
            self._sync_tail()
            return self._stream_version(run)

    def _stream_version(self, run: str) -> int:
        return sum(1 for _ in self.index.lookup(run_key(run), self.last_seq))

    # -- segments, tail and index ---------------------------------------

    def segments(self) -> list[int]:
        return segments.numbers(self.root)

    def _segment_path(self, seg: int) -> Path:
        return segments.path_of(self.root, seg)

    def committed_segments(self) -> list[tuple[Path, int]]:
        """(path, committed size) of every segment, in order, after cutting
        off a crash remnant under the lock: what `verify` walks."""
        with self._locked():
            self._sync_tail()
            return [(p, p.stat().st_size) for p in map(self._segment_path, self.segments())]

    def _start_segment(self, seg: int) -> None:
        segments.create(self.root, seg)
        self._seg, self._seg_size = seg, 0

    def _scan(self, seg: int, offset: int) -> Iterator[tuple[int, int, int, dict]]:
        return segments.scan(self.root, seg, offset)

    def _position_of(self, seq: int) -> tuple[int, int]:
        """Where to start scanning to meet `seq` (or the log's start)."""
        return (self.index.position_of(seq) if seq > 1 else None) or (self._first_segment(), 0)

    def _first_segment(self) -> int:
        segs = self.segments()
        return segs[0] if segs else 1

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """The store's lock: first against this process's other threads,
        then (flock) against other processes."""
        fd = self._lock_file()
        with self._thread_lock:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _lock_file(self) -> int:
        if self._lock_fd is not None and self._lock_pid != os.getpid():
            # a forked child shares the parent's open file description, and
            # flock on a shared description does not exclude: open our own
            self._lock_fd = None
        if self._lock_fd is None:
            try:
                self.root.mkdir(parents=True, exist_ok=True)
                self._lock_fd = os.open(self.root / "LOCK", os.O_RDWR | os.O_CREAT, 0o644)
                self._lock_pid = os.getpid()
            except OSError as e:
                raise StoreError(
                    f"cannot open the ledger at {self.root.parent}: {e.strerror}; check LEDGER_HOME"
                ) from None
        return self._lock_fd

    def _sync_tail_unlocked(self) -> None:
        if self.segments():
            with self._locked():
                self._sync_tail()

    def _sync_tail(self) -> None:
        """Learn what other writers appended; cut off a crash remnant; bring
        the stream index up to date. Called with the lock held."""
        segs = self.segments()
        if not segs:
            self._seg, self._seg_size, self.last_seq, self.last_hash = 0, 0, 0, GENESIS
            self.behind_tip = self._check_tip()
        else:
            seg = segs[-1]
            size = self._segment_path(seg).stat().st_size
            if (seg, size) != (self._seg, self._seg_size):
                self._recover(segs, size)
        try:
            self.index.catch_up(self.last_seq, self._first_segment(), self._scan)
        except (OSError, CorruptLogError):
            # a full disk, or a line damaged inside the chain (verify names it): the stream
            # index is derived, and readers check what it points at
            pass

    def _recover(self, segs: list[int], size: int) -> None:
        seg = segs[-1]
        path = self._segment_path(seg)
        end, last = self._indexed_end(seg, size) or tail.last_commit(path, size, check_line)
        if end < size:
            with open(path, "rb") as fh:
                fh.seek(end)
                rest = fh.read(size - end) if size - end <= 1 << 20 else b"\1"  # a megabyte is no torn write
            tail.quarantine(path, end, size, torn=tail.is_torn_write(rest, last, check_line))
        if last is None and len(segs) > 1:
            # an empty newest segment: the chain continues from the one before
            prev_path = self._segment_path(segs[-2])
            _, last = tail.last_commit(prev_path, prev_path.stat().st_size, check_line)
        self._seg, self._seg_size = seg, end
        self.last_seq = last["seq"] if last else 0
        self.last_hash = last["hash"] if last else GENESIS
        self.behind_tip = self._check_tip()

    def _indexed_end(self, seg: int, size: int) -> tuple[int, dict[str, Any]] | None:
        """The segment's end and last event when the stream index's last
        record is the last event of a transaction and ends the segment. A
        record is written only once its transaction is durable, so the tail
        needs no walk back (a walk re-hashes the whole last transaction,
        thousands of events after a big import, on every command)."""
        rec = self.index.last_record()
        if rec is None or rec[1] != seg or rec[2] + rec[3] != size:
            return None
        with open(self._segment_path(seg), "rb") as fh:
            fh.seek(rec[2])
            line = fh.read(rec[3])
        try:
            raw = check_line(line)
            whole = raw["seq"] == rec[0] == raw["tx"] + raw["txn"] - 1
        except (CorruptLogError, KeyError, TypeError):
            return None
        return (size, raw) if whole else None

    # -- the tip: the chain's anchor outside the segments --------------------

    def tip(self) -> tuple[int, str] | None:
        """(seq, hash) of the last event any append recorded, from `TIP`."""
        return tip_file.read(self._tip_path)

    def _write_tip(self, seq: int, digest: str) -> None:
        tip_file.write(self._tip_path, seq, digest)

    def accept_end(self, log_end: tuple[int, str], tip: tuple[int, str], why: str) -> None:
        """Make the log's end its tip, the log having lost its events past
        `log_end` (ledger/repair.py): `why`, one JSON line, is appended to
        events/REPAIRS first, durably. Refused when the log or its tip is no
        longer as the caller saw them."""
        with self._locked():
            self._sync_tail()
            if self.behind_tip is None or ((self.last_seq, self.last_hash), self.tip()) != (log_end, tip):
                raise StoreError("the log changed meanwhile; look again with `ledger repair`")
            with open(self.root / REPAIRS, "a", encoding="utf-8") as fh:
                fh.write(why + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            self._write_tip(*log_end)
            self.behind_tip = None

    def _check_tip(self) -> str | None:
        """Why the log does not reach its recorded tip, if it does not."""
        recorded = self.tip()
        if recorded is None or recorded[0] < self.last_seq or recorded == (self.last_seq, self.last_hash):
            return None
        return (
            f"the log ends at seq {self.last_seq} but its tip (events/TIP) is seq {recorded[0]}: events were lost,"
            " cut back or rewritten; `ledger verify` says where, and `ledger repair` goes on from what is left"
        )

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


