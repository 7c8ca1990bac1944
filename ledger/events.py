"""Event types: the contract between the log, the projections and the executor.

Every event in the log is an `Event` envelope whose `data` is one of the
payload classes below, chosen by `type`. Payload names are part of the
contract; each carries a schema version `V`, stored in the envelope as `v`.
Unknown types or versions are an error, never silently dropped.

Schema versions can move: a payload whose `V` is bumped to n+1 gains a
static method `upcast_vn_vn+1(data) -> data` that turns the stored form of
version n into that of n+1. Events are upcast to the current version as
they are read (store reads, verify, the SQL fold), so a log written before
the bump stays readable; the stored bytes, and the hashes over them, never
change.

Payloads are frozen dataclasses, built without checks when read from the
log (it is hash-checked and written by this code). pydantic validates them
where events must be proven well-formed (`from_dict(..., validate=True)`,
used by verify and the tests), through a model built from the same
annotations on first use: pydantic's import is kept off a run's path.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

FlagOrigin = Literal["default", "proto", "user", "batch", "optimizer"]
StopStatus = Literal["completed", "error", "terminated"]


@dataclass(frozen=True)
class EventData:
    """Base of every payload."""

    V: ClassVar[int] = 1


@dataclass(frozen=True)
class RunCreated(EventData):
    """A run exists. `op` is its listed name (`echo`, `echo.py`, `echo+`,
    `echo+skopt:gp`); `opdef` is the resolved operation it runs, so a proto
    can be replayed without the project file; `params` are the run's
    parameters as given (batch spaces, optimizer, trials, flags as typed...).
    `proto` and `batch` link the run to the run it was derived from and the
    batch that spawned it.

    The owning ledger process is recorded as (`host`, `boot_id`, `pid`,
    `pid_start`: its start time in clock ticks after boot, field 22 of
    /proc/PID/stat), so a reused pid or another boot or host is never
    taken for it (ledger.projections.liveness). v1 had only host and pid."""

    V: ClassVar[int] = 2

    op: str
    opdef: dict[str, Any] = field(default_factory=dict)
    project: str = ""
    kind: Literal["run", "batch"] = "run"
    proto: str | None = None
    batch: str | None = None
    label_template: str | None = None
    random_seed: int = 0
    pid: int = 0  # the ledger process that owns the run: its death means terminated
    host: str = ""
    user: str = ""
    platform: str = ""
    git: dict[str, Any] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    pid_start: int = 0  # 0: not recorded (v1, or no /proc)
    boot_id: str = ""

    @staticmethod
    def upcast_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
        # v1 did not record the owner's start time nor the boot: left unknown,
        # liveness then judges the pid by the run's creation time
        return {**data, "pid_start": 0, "boot_id": ""}


@dataclass(frozen=True)
class FlagSet(EventData):
    """A flag has its value for this run; `origin` says who chose it."""

    name: str
    value: Any
    origin: FlagOrigin


@dataclass(frozen=True)
class SourceFile:
    """One of a run's source files: its path in the run directory, its blob (sha256), size and mode."""

    path: str
    sha256: str
    size: int
    mode: int = 0o644


@dataclass(frozen=True)
class SourcecodeCopied(EventData):
    """The run's source files (blobs by sha256); `origin` is `project` or
    `proto` (then `from_run` names the proto)."""

    files: tuple[SourceFile, ...]
    digest: str
    origin: Literal["project", "proto"] = "project"
    from_run: str | None = None


@dataclass(frozen=True)
class TrialSpawned(EventData):
    """On a batch's stream: the batch started trial run `trial`."""

    trial: str
    index: int
    flags: dict[str, Any]


@dataclass(frozen=True)
class ResolvedFile:
    """A file a run was given: `path` in the run directory, `source` where
    it came from (relative to the required run or the project)."""

    path: str
    source: str
    sha256: str
    size: int


@dataclass(frozen=True)
class DependencyResolved(EventData):
    """A requirement of the run, resolved before it started: the output of
    operation `name` (its run `run`) or project file `name`, linked or
    copied (`how`) into the run directory; or (`config`) the run's copy of
    config file `name` with its flag values written in, its bytes a blob."""

    kind: Literal["operation", "file", "config"]
    name: str
    how: Literal["link", "copy"]
    files: tuple[ResolvedFile, ...] = ()
    run: str | None = None


@dataclass(frozen=True)
class RunStarted(EventData):
    """The run's process started: argv, environment (secrets redacted), pid,
    and `time` (UTC, as envelope times), when it was spawned: the event may
    be appended later, with the run's first output, to save a durable write
    on every run's start.

    A run can start more than once (a staged run started later, a stopped
    run restarted in place), each time under another ledger process: the
    process that records this start owns the run from here on, named as
    RunCreated names its creator (`host`, `boot_id`, `owner_pid`,
    `owner_start`). v1 had no owner: the creator owned the run."""

    V: ClassVar[int] = 2

    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    pid: int = 0
    cwd: str = ""
    time: str = ""
    owner_pid: int = 0  # 0: the run's creator owns it
    owner_start: int = 0
    boot_id: str = ""
    host: str = ""

    @staticmethod
    def upcast_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
        return data  # no owner named: the creator's, as the fields' defaults say


@dataclass(frozen=True)
class OutputCaptured(EventData):
    """A chunk of the run's output, stored as blob `blob`: the bytes as the
    run printed them, whole lines or not (a line, or a progress bar's `\\r`
    redraws, may span chunks). `index` holds runs of lines, [time in ms,
    stream (0 out, 1 err), count]: `count` consecutive lines that ended at
    that time on that stream. A line is counted in the chunk that holds its
    newline (the last line of a run that ends without one, in its last
    chunk), so a chunk costs an index entry per read, not per line.
    v1 chunks held whole lines only, with one [time, stream] per line."""

    V: ClassVar[int] = 2

    blob: str
    bytes: int
    lines: int
    index: tuple[tuple[int, int, int], ...] = ()

    @staticmethod
    def upcast_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
        runs: list[list[int]] = []
        for ms, stream in data.get("index", ()):
            if runs and runs[-1][0] == ms and runs[-1][1] == stream:
                runs[-1][2] += 1
            else:
                runs.append([ms, stream, 1])
        return {**data, "index": runs}


@dataclass(frozen=True)
class ScalarLogged(EventData):
    """One point, as runs recorded them before scalars came in batches
    (`ScalarsLogged`); still read, and folded into the same table."""

    key: str
    value: float
    step: int = 0


@dataclass(frozen=True)
class ScalarsLogged(EventData):
    """A batch of points (ledger.scalar_columns): `blob` holds their key
    indexes into `keys`, steps, values and times; `source` says where they
    came from: `output` (printed lines), `api` (ledger.log) or
    `tensorboard` (event files the run wrote)."""

    blob: str
    points: int
    keys: tuple[str, ...]
    source: str = "output"


@dataclass(frozen=True)
class ArtifactRecorded(EventData):
    """A file the run left in its directory, kept as a blob (`sha256`); one too big
    to keep is recorded by size alone (`stored` false, no sha256)."""

    path: str
    sha256: str
    size: int
    stored: bool = True


@dataclass(frozen=True)
class RunStopped(EventData):
    """The run's process ended: how (`status`), and its exit status when it had one."""

    status: StopStatus
    exit_status: int | None = None


@dataclass(frozen=True)
class LabelSet(EventData):
    """The run's label is now `label`."""

    label: str


@dataclass(frozen=True)
class TagAdded(EventData):
    """The run has tag `tag`."""

    tag: str


@dataclass(frozen=True)
class TagRemoved(EventData):
    """The run no longer has tag `tag`."""

    tag: str


@dataclass(frozen=True)
class CommentAdded(EventData):
    """A comment on the run, and who wrote it (`user@host`)."""

    text: str
    user: str = ""


@dataclass(frozen=True)
class CommentRemoved(EventData):
    """The comment appended as event `comment_seq` no longer shows; the
    event that added it stays in the log."""

    comment_seq: int


@dataclass(frozen=True)
class RunDeleted(EventData):
    """The run is hidden from listings; its events and files stay."""


@dataclass(frozen=True)
class RunRestored(EventData):
    """A deleted run is listed again."""


@dataclass(frozen=True)
class RunPurged(EventData):
    """The run's directory and the blobs no other run uses are gone; its
    events stay, so it can still be audited."""

    blobs: tuple[str, ...] = ()


EVENT_TYPES: dict[str, type[EventData]] = {
    cls.__name__: cls
    for cls in (
        RunCreated,
        FlagSet,
        SourcecodeCopied,
        TrialSpawned,
        DependencyResolved,
        RunStarted,
        OutputCaptured,
        ScalarLogged,
        ScalarsLogged,
        ArtifactRecorded,
        RunStopped,
        LabelSet,
        TagAdded,
        TagRemoved,
        CommentAdded,
        CommentRemoved,
        RunDeleted,
        RunRestored,
        RunPurged,
    )
}


@dataclass(frozen=True)
class NewEvent:
    """An event before it is appended: the store fills in the envelope."""

    run: str
    data: EventData
    cause: int | None = None

    @property
    def type(self) -> str:
        return type(self.data).__name__


@dataclass(frozen=True)
class Event:
    """An appended event: the envelope around one payload."""

    seq: int
    id: str
    ts: str
    run: str
    type: str
    v: int
    data: EventData
    cause: int | None
    tx: int
    txn: int
    prev: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        d = dict(vars(self))
        d["data"] = dump_data(self.data)
        return d


_SCALARS = frozenset({str, int, float, bool, type(None)})


def dump_data(data: EventData) -> dict[str, Any]:
    """The payload as plain JSON-able values. Most payloads are flat
    scalars; they skip the recursive copy, which is a good part of the cost
    of an append."""
    flat = dict(vars(data))
    if all(type(v) in _SCALARS for v in flat.values()):
        return flat
    return dataclasses.asdict(data)
