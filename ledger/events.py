"""Event types: the contract between the log, the projections and the executor.

Every event in the log is an `Event` envelope whose `data` is one of the
payload models below, chosen by `type`. Payload names are part of the
contract; each carries a schema version `V`, stored in the envelope as `v`.
Unknown types or versions are an error, never silently dropped.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from ledger.errors import EventError

FlagOrigin = Literal["default", "proto", "user", "batch", "optimizer"]
StopStatus = Literal["completed", "error", "terminated"]


class EventData(BaseModel):
    """Base of every payload: frozen, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    V: ClassVar[int] = 1


class RunCreated(EventData):
    """A run exists. `op` is its listed name (`echo`, `echo.py`, `echo+`,
    `echo+skopt:gp`); `opdef` is the resolved operation it runs, so a proto
    can be replayed without the project file; `params` are the run's
    parameters as given (batch spaces, optimizer, trials, flags as typed...).
    `proto` and `batch` link the run to the run it was derived from and the
    batch that spawned it."""

    op: str
    opdef: dict[str, Any] = {}
    project: str = ""
    kind: Literal["run", "batch"] = "run"
    proto: str | None = None
    batch: str | None = None
    label_template: str | None = None
    random_seed: int = 0
    host: str = ""
    user: str = ""
    platform: str = ""
    git: dict[str, Any] | None = None
    params: dict[str, Any] = {}


class FlagSet(EventData):
    """A flag has its value for this run; `origin` says who chose it."""

    name: str
    value: Any
    origin: FlagOrigin


class SourceFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    path: str
    sha256: str
    size: int
    mode: int = 0o644


class SourcecodeCopied(EventData):
    """The run's source files (blobs by sha256); `origin` is `project` or
    `proto` (then `from_run` names the proto)."""

    files: tuple[SourceFile, ...]
    digest: str
    origin: Literal["project", "proto"] = "project"
    from_run: str | None = None


class TrialSpawned(EventData):
    """On a batch's stream: the batch started trial run `trial`."""

    trial: str
    index: int
    flags: dict[str, Any]


class RunStarted(EventData):
    """The run's process started: argv, environment (secrets redacted), pid."""

    argv: tuple[str, ...]
    env: dict[str, str] = {}
    pid: int = 0
    cwd: str = ""


class OutputCaptured(EventData):
    """A chunk of the run's output, stored as blob `blob`. `index` holds,
    per line, [time in ms, stream (0 out, 1 err)]."""

    blob: str
    bytes: int
    lines: int
    index: tuple[tuple[int, int], ...] = ()


class ScalarLogged(EventData):
    key: str
    value: float
    step: int = 0


class ArtifactRecorded(EventData):
    path: str
    sha256: str
    size: int
    stored: bool = True


class RunStopped(EventData):
    status: StopStatus
    exit_status: int | None = None


class LabelSet(EventData):
    label: str


class TagAdded(EventData):
    tag: str


class TagRemoved(EventData):
    tag: str


class CommentAdded(EventData):
    text: str
    user: str = ""


class RunDeleted(EventData):
    pass


class RunRestored(EventData):
    pass


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
        RunStarted,
        OutputCaptured,
        ScalarLogged,
        ArtifactRecorded,
        RunStopped,
        LabelSet,
        TagAdded,
        TagRemoved,
        CommentAdded,
        RunDeleted,
        RunRestored,
        RunPurged,
    )
}


class NewEvent(BaseModel):
    """An event before it is appended: the store fills in the envelope."""

    model_config = ConfigDict(frozen=True)
    run: str
    data: EventData
    cause: int | None = None

    @property
    def type(self) -> str:
        return type(self.data).__name__


class Event(BaseModel):
    """An appended event: the envelope around one payload."""

    model_config = ConfigDict(frozen=True)
    seq: int
    id: str
    ts: str
    run: str
    type: str
    v: int
    data: EventData
    cause: int | None
    tx: int
    prev: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["data"] = self.data.model_dump(mode="json")
        return d


def parse_data(type_name: str, version: int, data: Any) -> EventData:
    cls = EVENT_TYPES.get(type_name)
    if cls is None:
        raise EventError(f"unknown event type {type_name!r}: upgrade ledger to read this log")
    if version != cls.V:
        raise EventError(
            f"{type_name} schema v{version} is not known (this ledger reads v{cls.V}): upgrade ledger"
        )
    try:
        return cls.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "data"
        raise EventError(f"malformed {type_name} event: {where}: {first['msg']}") from None


def from_dict(raw: dict[str, Any]) -> Event:
    """An envelope dict as stored in the log, turned into a typed Event."""
    try:
        data = parse_data(raw["type"], raw["v"], raw["data"])
        return Event(**{**raw, "data": data})
    except KeyError as e:
        raise EventError(f"malformed event: missing field {e.args[0]!r}") from None
    except ValidationError as e:
        raise EventError(f"malformed event envelope: {e.errors()[0]['msg']}") from None
