"""Small value classes without the start-up cost of `dataclasses`.

`ledger run` must start in a few tens of milliseconds, and importing
`dataclasses` (which pulls in `inspect`) plus generating code for a few
dozen classes costs more than a third of that. A record declares its fields
as annotations with optional defaults, like a dataclass; `@record` adds a
keyword/positional `__init__`, equality, a repr, and (when frozen)
immutability and a hash, all shared generic functions: nothing is compiled
per class.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # importing typing is a cost on every run's start-up
    from typing import Any

    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_kw):  # tells type checkers a record's fields make its __init__
        return lambda decorator: decorator

_MISSING = object()


class Factory:
    """A default built anew for each instance (a dict, a list...)."""

    __slots__ = ("make",)

    def __init__(self, make) -> None:
        self.make = make


def factory(make) -> Any:
    return Factory(make)


def _is_classvar(annotation: Any) -> bool:
    return isinstance(annotation, str) and annotation.startswith(("ClassVar", "typing.ClassVar"))


@dataclass_transform(frozen_default=True, field_specifiers=(factory,))
def record(cls=None, *, frozen: bool = True):
    """Make `cls` a record: its annotated names (inherited ones first) are
    its fields, in order; class attributes of those names are defaults."""

    def wrap(cls):
        names: list[str] = []
        defaults: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            for name, annotation in klass.__dict__.get("__annotations__", {}).items():
                if _is_classvar(annotation):
                    continue
                if name not in names:
                    names.append(name)
                if name in klass.__dict__:
                    defaults[name] = klass.__dict__[name]
        for name in defaults:
            if name in cls.__dict__:
                delattr(cls, name)  # instance values live in __dict__, not on the class
        cls._fields = tuple(names)
        cls._defaults = defaults
        cls._frozen = frozen
        cls.__init__ = _init
        cls.__repr__ = _repr
        cls.__eq__ = _eq
        if frozen:
            cls.__setattr__ = _frozen_setattr
            cls.__delattr__ = _frozen_delattr
            cls.__hash__ = _hash
        else:
            cls.__hash__ = None
        return cls

    return wrap if cls is None else wrap(cls)


def _init(self, *args, **kwargs) -> None:
    cls = type(self)
    names = cls._fields
    if len(args) > len(names):
        raise TypeError(f"{cls.__name__} takes {len(names)} fields, got {len(args)} positional values")
    values = dict(zip(names, args))
    for key, value in kwargs.items():
        if key in values or key not in names:
            what = "twice" if key in values else "unexpectedly"
            raise TypeError(f"{cls.__name__} got field {key!r} {what}")
        values[key] = value
    put = object.__setattr__
    for name in names:
        value = values.get(name, _MISSING)
        if value is _MISSING:
            value = cls._defaults.get(name, _MISSING)
            if value is _MISSING:
                raise TypeError(f"{cls.__name__} is missing field {name!r}")
            if isinstance(value, Factory):
                value = value.make()
        put(self, name, value)


def _repr(self) -> str:
    body = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._fields)
    return f"{type(self).__name__}({body})"


def _eq(self, other) -> bool:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return all(getattr(self, n) == getattr(other, n) for n in self._fields)


def _hash(self) -> int:
    return hash((type(self), *(_hashable(getattr(self, n)) for n in self._fields)))


def _hashable(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


def _frozen_setattr(self, name, value) -> None:
    raise AttributeError(f"{type(self).__name__} is frozen: use record.replace()")


def _frozen_delattr(self, name) -> None:
    raise AttributeError(f"{type(self).__name__} is frozen")


def fields(obj_or_cls) -> tuple[str, ...]:
    return obj_or_cls._fields


def replace(obj, **changes):
    """A copy of a record with some fields changed."""
    values = {n: getattr(obj, n) for n in obj._fields}
    values.update(changes)
    return type(obj)(**values)


def asdict(obj) -> Any:
    """Records (nested in tuples, lists and dicts too) as plain data."""
    if hasattr(obj, "_fields"):
        return {n: asdict(getattr(obj, n)) for n in obj._fields}
    if isinstance(obj, (list, tuple)):
        return type(obj)(asdict(v) for v in obj)
    if isinstance(obj, dict):
        return {k: asdict(v) for k, v in obj.items()}
    return obj
