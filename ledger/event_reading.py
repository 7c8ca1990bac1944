"""Reading events as stored: a payload from its stored form, upcast to
its current schema version (see ledger.events on versions), built without
checks when read from the hash-checked log, or proven well-formed first.

Proof is pydantic's: a strict model built from the payload dataclass's
own annotations on first use, for verify and the tests; pydantic's import
stays off a run's path.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Literal

from ledger.errors import EventError
from ledger.events import (
    EVENT_TYPES,
    DependencyResolved,
    Event,
    EventData,
    OutputCaptured,
    ResolvedFile,
    RunPurged,
    RunStarted,
    ScalarsLogged,
    SourcecodeCopied,
    SourceFile,
)

# payload fields stored as JSON lists and held as tuples
_TUPLE_FIELDS: dict[type, str] = {RunStarted: "argv", RunPurged: "blobs", ScalarsLogged: "keys"}

def payload_type(type_name: str) -> type[EventData]:
    cls = EVENT_TYPES.get(type_name)
    if cls is None:
        raise EventError(f"unknown event type {type_name!r}: upgrade ledger to read this log")
    return cls


def upcast(cls: type[EventData], version: int, data: dict[str, Any]) -> dict[str, Any]:
    """The stored form of a `cls` payload of schema `version`, as the
    current version stores it: each `upcast_vN_vN+1` step in turn."""
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= cls.V:
        raise EventError(
            f"{cls.__name__} schema v{version} is not known (this ledger reads v1 to v{cls.V}): upgrade ledger"
        )
    while version < cls.V:
        step = getattr(cls, f"upcast_v{version}_v{version + 1}", None)
        if step is None:
            raise EventError(f"{cls.__name__} v{version} events cannot be read: ledger lacks upcast_v{version}_v"
                             f"{version + 1}; upgrade ledger")  # fmt: skip
        data = step(dict(data))
        version += 1
    return data


def parse_data(type_name: str, version: int, data: Any, validate: bool = False) -> EventData:
    """A payload from its stored form, upcast to the current version.
    Without `validate` the fields are trusted (the log is hash-checked and
    written by this code); with it, pydantic checks every field and type."""
    cls = payload_type(type_name)
    if version != cls.V:
        if not isinstance(data, dict):
            raise EventError(f"malformed {type_name} event: data is not an object")
        data = upcast(cls, version, data)
    if validate:
        data = _checked_fields(cls, data)
    return _build(cls, data)


def _build(cls: type[EventData], data: Any) -> EventData:
    """A payload from trusted stored data (JSON lists become the tuples the
    payload holds, so what is read back equals what was appended)."""
    type_name = cls.__name__
    try:
        if cls is SourcecodeCopied:
            data = {**data, "files": tuple(SourceFile(**f) for f in data["files"])}
        elif cls is DependencyResolved:
            data = {**data, "files": tuple(ResolvedFile(**f) for f in data.get("files", ()))}
        elif cls is OutputCaptured:
            data = {**data, "index": tuple(tuple(p) for p in data.get("index", ()))}
        elif cls in _TUPLE_FIELDS:
            # JSON has no tuples: without this, what is read back would not
            # equal what was appended (nor be hashable, frozen as it is)
            field_name = _TUPLE_FIELDS[cls]
            if field_name in data:
                data = {**data, field_name: tuple(data[field_name])}
        return cls(**data)
    except (TypeError, KeyError) as e:
        raise EventError(f"malformed {type_name} event: {e}") from None


_ENVELOPE = ("seq", "id", "ts", "run", "type", "v", "data", "cause", "tx", "txn", "prev", "hash")


def from_dict(raw: dict[str, Any], validate: bool = False) -> Event:
    """An envelope dict as stored in the log, turned into a typed Event."""
    missing = [k for k in _ENVELOPE if k not in raw]
    if missing or len(raw) != len(_ENVELOPE):
        extra = sorted(set(raw) - set(_ENVELOPE))
        raise EventError(f"malformed event envelope: missing {missing}, unexpected {extra}")
    data = parse_data(raw["type"], raw["v"], raw["data"], validate)
    return Event(**{**raw, "data": data})


_MODELS: dict[type, Any] = {}


def _model(cls: type) -> Any:
    """A strict pydantic model with the fields of a payload, built once."""
    if cls not in _MODELS:
        from pydantic import ConfigDict, Field, create_model

        hints = typing.get_type_hints(cls)
        spec: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.default_factory is not dataclasses.MISSING:
                default = Field(default_factory=f.default_factory)
            else:
                default = ... if f.default is dataclasses.MISSING else f.default
            spec[f.name] = (_pydantic_type(hints[f.name]), default)
        _MODELS[cls] = create_model(cls.__name__, __config__=ConfigDict(extra="forbid"), **spec)
    return _MODELS[cls]


def _pydantic_type(t: Any) -> Any:
    """`t` with every dataclass in it replaced by its model."""
    if isinstance(t, type) and dataclasses.is_dataclass(t):
        return _model(t)
    args = typing.get_args(t)
    if not args:
        return t
    origin = typing.get_origin(t)
    new = tuple(a if a is Ellipsis else _pydantic_type(a) for a in args)
    if origin is Literal or new == args:
        return t
    if origin in (typing.Union, types.UnionType):
        return typing.Union[new]
    return origin[new]


def _checked_fields(cls: type, data: Any) -> dict[str, Any]:
    """The stored fields of a `cls` payload, each proven to have its
    declared type (EventError naming the first that does not)."""
    from pydantic import ValidationError

    try:
        checked: dict[str, Any] = _model(cls).model_validate(data).model_dump()
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "data"
        raise EventError(f"malformed {cls.__name__} event: {where}: {first['msg']}") from None
    return checked
