"""Planning a run as events: a pure function of what was resolved.

Everything a run is made of (operation, flags with their origins, label,
source files, seed, links to its proto and batch) is decided before
anything is written; `run_events` turns that into the events appended in
the run's first transaction, and `command` into the process's argv.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass, field

from ledger.events import (
    FlagSet,
    LabelSet,
    NewEvent,
    RunCreated,
    SourcecodeCopied,
    SourceFile,
)
from ledger.executor.spare import op_main_argv

TYPE_CHECKING = False
if TYPE_CHECKING:  # importing typing is a cost on every run's start-up
    from typing import Any

SECRET_MARKERS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "KEY", "CREDENTIAL", "AUTH", "PRIVATE", "COOKIE", "SESSION")
REDACTED = "<redacted>"


@dataclass(frozen=True)
class Flag:
    value: Any
    origin: str  # default | proto | user | batch | optimizer
    cause: int | None = None  # seq of the proto's FlagSet this one replays


@dataclass(frozen=True)
class Source:
    files: tuple[SourceFile, ...]
    digest: str
    origin: str = "project"  # project | proto
    from_run: str | None = None
    cause: int | None = None


@dataclass(frozen=True)
class RunSpec:
    run_id: str
    op: str
    opdef: dict[str, Any]
    project: str
    flags: dict[str, Flag]
    label: str
    source: Source
    random_seed: int
    label_template: str | None = None
    kind: str = "run"
    proto: str | None = None
    batch: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    host: str = ""
    user: str = ""
    platform: str = ""
    pid: int = 0
    git: dict[str, Any] | None = None
    proto_created: int | None = None  # seq of the proto's RunCreated

    @property
    def flag_values(self) -> dict[str, Any]:
        return {name: f.value for name, f in sorted(self.flags.items())}


def run_events(spec: RunSpec) -> list[NewEvent]:
    """The first transaction of a run: created, flags, label, source."""
    run = spec.run_id
    events = [
        NewEvent(
            run,
            RunCreated(
                op=spec.op,
                opdef=spec.opdef,
                project=spec.project,
                kind=spec.kind,  # type: ignore[arg-type]
                proto=spec.proto,
                batch=spec.batch,
                label_template=spec.label_template,
                random_seed=spec.random_seed,
                pid=spec.pid,
                host=spec.host,
                user=spec.user,
                platform=spec.platform,
                git=spec.git,
                params=spec.params,
            ),
            cause=spec.proto_created,
        )
    ]
    for name, flag in sorted(spec.flags.items()):
        events.append(NewEvent(run, FlagSet(name=name, value=flag.value, origin=flag.origin), cause=flag.cause))  # type: ignore[arg-type]
    events.append(NewEvent(run, LabelSet(label=spec.label)))
    src = spec.source
    events.append(
        NewEvent(
            run,
            SourcecodeCopied(files=src.files, digest=src.digest, origin=src.origin, from_run=src.from_run),  # type: ignore[arg-type]
            cause=src.cause,
        )
    )
    return events


def command(
    opdef: dict[str, Any], flags: dict[str, Any], arg_list: list[str], python: str = sys.executable, stdin: bool = False
) -> list[str]:
    """The run's argv. A `main` op runs through `ledger.executor.op_main`, which
    injects flags into the script's globals or passes them as arguments;
    an `exec` op is its template with `${flag}` and `${flag_args}` filled."""
    if opdef.get("exec"):
        return _render_exec(opdef["exec"], flags, opdef, python)
    main, *main_args = shlex.split(opdef["main"])
    argv = op_main_argv(python)
    if opdef.get("flags_dest", "globals") == "globals":
        if flags and stdin:
            argv.append("--stdin")  # code compiled with its flags by ledger: op_main.compiled
        elif flags:
            # a Python literal: op_main reads it with `ast`, which it needs
            # anyway, instead of importing json (and with it `re`)
            argv += ["--globals", repr(dict(sorted(flags.items())))]
        argv += [main, *main_args]
    else:
        argv += [main, *main_args, *arg_list]
    return argv


def _render_exec(template: str, flags: dict[str, Any], opdef: dict[str, Any], python: str) -> list[str]:
    from ledger.executor.flags import render_exec
    from ledger.executor.project import OpDef

    argv = render_exec(template, flags, OpDef.from_dict(opdef), extra={"python_exe": python})
    if argv and argv[0] in ("python", "python3"):
        argv[0] = python  # the interpreter ledger runs on, as Guild does
    return argv


def redact_env(env: dict[str, str]) -> dict[str, str]:
    """The environment as recorded: values of secret-looking names hidden."""
    return {k: (REDACTED if any(m in k.upper() for m in SECRET_MARKERS) else v) for k, v in sorted(env.items())}
