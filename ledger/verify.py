"""`ledger verify`: prove that the log and the blobs are what was written.

Every segment is walked in order and every line is checked to be exactly
the bytes that were sealed (so even an edit that still parses as JSON, or a
newline turned into something else, is found), the chain is re-linked from
the genesis hash, `seq` must run 1, 2, 3... without a gap, and each
transaction must be whole and inside one segment. Then every blob is
re-hashed, and every blob an event refers to must exist unless the runs
that used it were purged. The first bad `seq` and the first bad blob are
named; verification stops reading the log at the first bad event because
everything after it would only repeat the same damage.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger.errors import CorruptLogError, EventError, LedgerError
from ledger.event_reading import from_dict
from ledger.home import Home
from ledger.limits import is_digits
from ledger.progress import Progress
from ledger.repair import repairs
from ledger.sealing import GENESIS, check_line
from ledger.store import EventStore
from ledger.tail import quarantined


@dataclass
class VerifyReport:
    events: int = 0
    segments: int = 0
    blobs: int = 0
    bad_seq: int | None = None
    bad_blob: str | None = None
    problem: str | None = None  # one line: what is wrong and where
    tip: tuple[int, str] | None = None  # (seq, hash) of the last event walked
    quarantined: list[str] = field(default_factory=list)  # files set aside beside the segments
    repairs: int = 0  # times `ledger repair` accepted a log that had lost its last events (events/REPAIRS)
    # not damage to the log, but not its either: a directory under runs/ no
    # live run owns (planted, or left by a purge that was cut short), and
    # blobs no event refers to (a run writes a chunk just before its event)
    orphan_dirs: list[str] = field(default_factory=list)
    orphan_blobs: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None

    def failure(self) -> str:
        return self.problem or ""

    def summary(self) -> str:
        if not self.ok:
            return f"FAILED: {self.failure()}"
        text = (
            f"ok: {self.events:,} {_plural(self.events, 'event')} in {self.segments:,}"
            f" {_plural(self.segments, 'segment')}, {self.blobs:,} {_plural(self.blobs, 'blob')} verified"
        )
        if self.quarantined:
            text += f"; quarantined beside the log: {', '.join(self.quarantined)}"
        if self.repairs:
            times = _plural(self.repairs, "time")
            text += f"; the log was cut back by `ledger repair` {self.repairs} {times} (events/REPAIRS)"
        if self.orphan_dirs:
            text += (
                f"; {len(self.orphan_dirs)} run {_plural(len(self.orphan_dirs), 'directory')} no run in the log owns:"
                f" {_first(self.orphan_dirs)}"
            )
        if self.orphan_blobs:
            text += (
                f"; {len(self.orphan_blobs)} {_plural(len(self.orphan_blobs), 'blob')} no event refers to:"
                f" {_first(self.orphan_blobs)}"
            )
        return text


def _first(names: list[str], shown: int = 5) -> str:
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _plural(n: int, word: str) -> str:
    if n == 1:
        return word
    return word[:-1] + "ies" if word.endswith("y") else word + "s"


class _Bad(Exception):
    """The walk met a bad event: which seq, where in which segment, and what
    is wrong with it."""

    def __init__(self, seq: int, where: str, what: str) -> None:
        self.seq = seq
        self.problem = f"seq {seq} ({where}): {what}"
        super().__init__(self.problem)


@dataclass
class _BlobRefs:
    """Which runs exist, which blobs they refer to, and which blobs a purge removed."""

    created: set[str] = field(default_factory=set)
    first_seq: dict[str, int] = field(default_factory=dict)
    runs: dict[str, set[str]] = field(default_factory=dict)
    purged: dict[str, set[str]] = field(default_factory=dict)

    def note(self, raw: dict[str, Any]) -> None:
        kind, data = raw["type"], raw["data"]
        if kind == "RunCreated":
            self.created.add(raw["run"])
            return
        if kind == "SourcecodeCopied":
            shas = [f["sha256"] for f in data["files"]]
        elif kind in ("OutputCaptured", "ScalarsLogged"):
            shas = [data["blob"]]
        elif kind == "ArtifactRecorded" and data["stored"]:
            shas = [data["sha256"]]
        elif kind == "DependencyResolved" and data.get("kind") == "config":  # a config file written for the run
            shas = [f["sha256"] for f in data.get("files", ())]
        elif kind == "RunPurged":
            self.purged.setdefault(raw["run"], set()).update(data["blobs"])
            return
        else:
            return
        for sha in shas:
            self.first_seq.setdefault(sha, raw["seq"])
            self.runs.setdefault(sha, set()).add(raw["run"])

    def may_be_missing(self, sha: str) -> bool:
        """Only when every run that used it was purged, and a purge says it
        removed this blob."""
        users = self.runs[sha]
        return all(run in self.purged for run in users) and any(sha in self.purged[run] for run in users)


class _Walk:
    """The chain as walked so far: the next seq, the hash it must point back
    to, and the transaction in progress."""

    def __init__(self, refs: _BlobRefs) -> None:
        self.refs = refs
        self.next_seq = 1
        self.prev = GENESIS
        self.tx: tuple[int, int] | None = None  # (tx, txn) of an unfinished transaction
        self.done = 0  # events of finished transactions
        self.done_hash = GENESIS
        self.anchors: dict[int, str] = {}  # seq -> hash the log must have there
        self.seen: dict[int, str] = {}  # of those seqs, the hash it has

    def segment(self, path: Path, size: int, progress: Progress) -> None:
        if self.tx is not None:
            where = f"the end of the segment before {path.name}"
            raise _Bad(self.next_seq - 1, where, f"transaction {self.tx[0]} does not end there")
        for pos, line in _lines(path, size):
            self.event(path, pos, line)
            if self.next_seq % 4096 == 0:
                progress.advance_to(self.next_seq)

    def event(self, path: Path, pos: int, line: bytes) -> None:
        seq, where = self.next_seq, f"{path.name} byte {pos}"
        if not line.endswith(b"\n"):
            raise _Bad(seq, where, "the segment ends in a cut line")
        try:
            raw = check_line(line)
        except CorruptLogError:
            raise _Bad(seq, where, "the line is not the event that was sealed; the log was altered") from None
        if raw.get("seq") != seq:
            raise _Bad(seq, where, f"found seq {raw.get('seq')!r} instead; events are missing or out of order")
        if raw.get("prev") != self.prev:
            raise _Bad(seq, where, f"the chain is broken, prev is not the hash of seq {seq - 1}")
        try:
            from_dict(raw, validate=True)
        except EventError as e:
            raise _Bad(seq, where, str(e)) from None
        self._check_tx(seq, raw["tx"], raw["txn"], where)
        self.refs.note(raw)
        self.next_seq, self.prev = seq + 1, raw["hash"]
        if self.tx is None:
            self.done_hash = raw["hash"]
        if seq in self.anchors:
            self.seen[seq] = raw["hash"]

    def _check_tx(self, seq: int, tx: Any, txn: Any, where: str) -> None:
        if not (isinstance(tx, int) and isinstance(txn, int) and txn >= 1 and tx <= seq < tx + txn):
            raise _Bad(seq, where, f"tx {tx!r} of {txn!r} events cannot hold it")
        if seq == tx and self.tx is not None:
            raise _Bad(seq, where, f"transaction {self.tx[0]} before it is missing events")
        if seq != tx and self.tx != (tx, txn):
            raise _Bad(seq, where, f"it claims transaction {tx} of {txn}, which is not the one in progress")
        if seq == tx + txn - 1:
            self.tx, self.done = None, seq
        else:
            self.tx = (tx, txn)


def _lines(path: Path, size: int) -> Iterator[tuple[int, bytes]]:
    """(offset, line) up to `size`: beyond it is what writers added since."""
    pos = 0
    with open(path, "rb") as fh:
        for line in fh:
            if pos + len(line) > size:
                return
            yield pos, line
            pos += len(line)


def _segments(root: Path) -> tuple[list[tuple[Path, int]], CorruptLogError | None]:
    """The segments as committed, and why the store would not open. When it
    will not (its tail is damaged), they are walked as they are, so the walk
    can say where."""
    if not root.is_dir():
        return [], None  # nothing was ever written: do not create the home
    try:
        store = EventStore(root)
        try:
            return store.committed_segments(), None
        finally:
            store.close()
    except CorruptLogError as e:
        paths = sorted(p for p in root.glob("*.jsonl") if is_digits(p.name[:-6]))
        return [(p, p.stat().st_size) for p in paths], e


def verify(home: Home, since: tuple[int, str] | None = None, *, anchored: bool = True) -> VerifyReport:
    """Walk the log, its tip and the blobs; with `since` (seq, hash), also
    prove the log extends that tip, kept elsewhere by the user. Not
    `anchored`: the recorded tip is left out (`ledger repair` asks whether
    what is left of a log is whole, knowing it falls short of its tip)."""
    report = VerifyReport()
    refs = _BlobRefs()
    walk = _Walk(refs)
    root = home.path / "events"
    segments, unopenable = _segments(root)
    report.segments = len(segments)
    recorded = _recorded_tip(root) if anchored else None
    for anchor in (since, recorded):
        if anchor is not None:
            walk.anchors[anchor[0]] = anchor[1]
    try:
        with Progress("verifying the log", recorded[0] if recorded else 0, "events") as progress:
            for path, size in segments:
                walk.segment(path, size, progress)
        # an unfinished transaction at the very end is a writer's, still in
        # progress (opening the store cut off any crash remnant)
    except _Bad as bad:
        report.bad_seq, report.problem = bad.seq, bad.problem
    if unopenable is not None and report.problem is None:
        report.problem = unopenable.said_by("ledger verify")
    report.events = walk.done
    report.tip = (walk.done, walk.done_hash)
    report.quarantined = quarantined(root)
    report.repairs = repairs(root)
    if report.problem is None:
        report.problem = _anchor_problem(walk, recorded, "its tip (events/TIP)") or _anchor_problem(
            walk, since, "the tip given with --since"
        )
    blob_problem = _check_blobs(home, refs, report)
    report.problem = report.problem or blob_problem
    if report.problem is None:  # on a damaged log, what it owns is not known
        report.orphan_dirs = _orphan_dirs(home, refs)
    return report


def _orphan_dirs(home: Home, refs: _BlobRefs) -> list[str]:
    try:
        names = sorted(p.name for p in home.runs_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    except FileNotFoundError:
        return []
    return [name for name in names if name not in refs.created or name in refs.purged]


def _recorded_tip(root: Path) -> tuple[int, str] | None:
    if not root.is_dir():
        return None
    store = EventStore(root)
    try:
        return store.tip()
    finally:
        store.close()


def _anchor_problem(walk: _Walk, anchor: tuple[int, str] | None, what: str) -> str | None:
    """Why the log does not extend `anchor`, if it does not."""
    if anchor is None:
        return None
    seq, digest = anchor
    if seq > walk.done:
        gone = f"the log ends at seq {walk.done} but {what} is seq {seq}: events were lost or cut back"
        return gone + ("; `ledger repair` goes on from what is left" if what.startswith("its tip") else "")
    have = walk.seen.get(seq, GENESIS if seq == 0 else None)
    if have != digest:
        return f"the log does not extend {what}: seq {seq} has hash {have}, not {digest}; history was rewritten"
    return None


def parse_tip(text: str) -> tuple[int, str]:
    """`SEQ:HASH` as printed by `ledger verify --tip`."""
    seq, sep, digest = text.strip().partition(":")
    if not sep or not is_digits(seq) or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise LedgerError(f"--since {text!r} is not SEQ:HASH as `ledger verify --tip` prints it")
    return int(seq), digest


def _check_blobs(home: Home, refs: _BlobRefs, report: VerifyReport) -> str | None:
    blobs = home.blobs
    for sha in blobs.all():
        if not blobs.check(sha):
            report.bad_blob = sha
            return f"blob {sha} ({blobs.path(sha)}) does not match its hash; it was altered"
        report.blobs += 1
        if sha not in refs.first_seq:
            report.orphan_blobs.append(sha[:12])
    for sha, seq in sorted(refs.first_seq.items(), key=lambda item: item[1]):
        if not blobs.has(sha) and not refs.may_be_missing(sha):
            report.bad_blob = sha
            return f"blob {sha} is missing but seq {seq} refers to it, and no purge of its runs removed it"
    return None
