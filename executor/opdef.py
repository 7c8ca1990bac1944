"""What an operation is: its definition and the definitions of its flags.

Plain values, apart from where they come from (project files and scripts:
ledger.executor.project). An OpDef is stored in each run's RunCreated event
as `to_dict()`, so a proto's operation is `OpDef.from_dict` of that.
"""

from __future__ import annotations

import dataclasses
import json
import shlex
from dataclasses import dataclass, field
from typing import Any

from ledger.errors import ProjectError

NO_OP_MAINS = ("guild.pass",)
# Guild's older spelling of a config-file flags-dest: the flags alone, written in that file
LEGACY_CONFIG_DESTS = ("config.yml", "config.yaml", "config.json")


@dataclass(frozen=True)
class FlagDef:
    """A flag as the operation declares it (or as the script's own code implies it)."""

    name: str
    default: Any = None
    type: str | None = None
    choices: tuple | None = None
    min: float | int | None = None
    max: float | int | None = None
    description: str = ""
    arg_name: str | None = None
    required: bool = False
    arg_switch: Any = None  # argparse store_true/false: pass `--name` alone when value == arg_switch
    arg_skip: bool = False
    arg_split: Any = None  # a list's items as separate arguments: True (on blanks) or a separator
    arg_bool: bool = False  # an argparse option with type=bool: False goes as '' (bool('no') is True)

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        if self.choices is not None:
            d["choices"] = list(self.choices)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> FlagDef:
        known = {f.name for f in dataclasses.fields(cls)}
        kw = {k: v for k, v in d.items() if k in known}
        if kw.get("choices") is not None:
            kw["choices"] = tuple(kw["choices"])
        return cls(**kw)

    def merged_over(self, imported: FlagDef) -> FlagDef:
        """This declared flag, with what it leaves unset taken from `imported`
        (a flag read from the script)."""
        unset = FlagDef(name=self.name)
        changes = {
            f.name: getattr(imported, f.name)
            for f in dataclasses.fields(self)
            if getattr(self, f.name) == getattr(unset, f.name)
        }
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class OpDef:
    """A resolved operation.

    `flags_dest` is None only in a declared operation (from the project file)
    that leaves it to detection; a resolved one says "globals" or "args".
    `flags_import` (True = all, a tuple = those names) and
    `flags_import_skip` say which script flags resolving merges in.
    `sourcecode` is a tuple of (action, pattern, type) rules, action
    "include"/"exclude", type None/"text"/"binary"/"dir", applied after the
    default rules (see ledger.executor.sourcecode); `sourcecode_root` is the
    folder, relative to the project, that source code is copied from.
    """

    name: str
    main: str | None = None
    exec: str | None = None
    description: str = ""
    flags: dict[str, FlagDef] = field(default_factory=dict)
    flags_dest: str | None = "globals"
    output_scalars: tuple | None = None
    compare: tuple | None = None
    label: str | None = None
    sourcecode: tuple | None = None
    sourcecode_root: str | None = None
    objective: dict = field(default_factory=lambda: {"minimize": "loss"})
    optimizers: dict[str, dict] = field(default_factory=dict)
    default: bool = False
    flags_import: Any = False
    flags_import_skip: tuple = ()
    requires: tuple = ()  # normalised by ledger.executor.requires.normalize_requires
    env: dict[str, str] = field(default_factory=dict)
    steps: tuple | None = None  # a pipeline: ({"run", "name", "flags", "needed"}, ...)
    delete_on_success: bool = False
    default_max_trials: int | None = None
    notes: tuple = ()  # one-line warnings about the operation's definition
    problem: str | None = None  # why the operation cannot run (the rest of the file still can)

    def to_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        d["flags"] = {n: flagdef.to_dict() for n, flagdef in self.flags.items()}
        return json.loads(json.dumps(d))  # plain and detached: tuples become lists

    @classmethod
    def from_dict(cls, d: dict) -> OpDef:
        known = {f.name for f in dataclasses.fields(cls)}
        kw = {k: v for k, v in d.items() if k in known}
        kw["flags"] = {n: FlagDef.from_dict(flagdef) for n, flagdef in (d.get("flags") or {}).items()}
        for key in ("output_scalars", "sourcecode"):
            if kw.get(key) is not None:
                kw[key] = tuple(tuple(x) for x in kw[key])
        if kw.get("compare") is not None:
            kw["compare"] = tuple(kw["compare"])
        if isinstance(kw.get("flags_import"), list):
            kw["flags_import"] = tuple(kw["flags_import"])
        kw["flags_import_skip"] = tuple(kw.get("flags_import_skip") or ())
        kw["requires"] = tuple(kw.get("requires") or ())
        kw["notes"] = tuple(kw.get("notes") or ())
        if kw.get("steps") is not None:
            kw["steps"] = tuple(kw["steps"])
        return cls(**kw)

    def replace(self, **changes: Any) -> OpDef:
        return dataclasses.replace(self, **changes)

    def main_parts(self) -> tuple[str, list[str]]:
        """`main: pkg.train --mode x` -> ("pkg.train", ["--mode", "x"])."""
        try:
            parts = shlex.split(self.main or "")
        except ValueError as e:  # quotes that do not close
            raise ProjectError(
                f"operation '{self.name}': cannot split `main: {self.main}` into arguments ({e}); check its quotes"
            ) from None
        if not parts:
            raise ProjectError(f"operation '{self.name}' has no main module; set `main` or `exec`")
        return parts[0], parts[1:]

    @property
    def python_globals(self) -> bool:
        """Whether the flags reach a Python main as its module-level globals."""
        return bool(self.main) and not self.exec and self.flags_dest == "globals"

    @property
    def flags_param(self) -> tuple[str, str] | None:
        """(kind, global name) when the flags go into one module-level dict
        or SimpleNamespace (`global:NAME`, `dict:NAME`, `namespace:NAME`)."""
        if not self.main or self.exec or not self.flags_dest or ":" not in self.flags_dest:
            return None
        kind, _, name = self.flags_dest.partition(":")
        return (kind, name) if kind in ("global", "dict", "namespace") else None

    @property
    def flags_in_config(self) -> bool:
        """Whether the flags reach the run as a config file it reads
        (`config:FILE`, see ledger.executor.config_dest; `multi-config:`,
        ledger.executor.config_files), not as arguments."""
        dest = self.flags_dest or ""
        return dest.startswith(("config:", "multi-config:")) or dest in LEGACY_CONFIG_DESTS

    @property
    def flags_in_code(self) -> bool:
        """Whether ledger rewrites the main script's source to hold the flags
        (globals or one dict/namespace) and sends it compiled on the flags pipe."""
        return self.python_globals or self.flags_param is not None

    @property
    def is_no_op(self) -> bool:
        """`main: guild.pass`: Guild's module that does nothing; a run of it only records."""
        return bool(self.main) and not self.exec and self.main_parts()[0] in NO_OP_MAINS

    @property
    def minimize(self) -> tuple[str, bool]:
        """(scalar name, True to minimise / False to maximise)."""
        if "maximize" in self.objective:
            return self.objective["maximize"], False
        return self.objective.get("minimize", "loss"), True
