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
from typing import Any

from ledger.events import (
    CommentAdded,
    FlagSet,
    LabelSet,
    NewEvent,
    RunCreated,
    SourcecodeCopied,
    SourceFile,
    TagAdded,
)
from ledger.executor import op_main
from ledger.executor.flags import flag_args, render_exec
from ledger.executor.opdef import OpDef
from ledger.executor.redaction import redact_env
from ledger.projections import liveness


@dataclass(frozen=True)
class Flag:
    """A flag's value for one run, and who chose it."""

    value: Any
    origin: str  # default | proto | user | batch | optimizer
    cause: int | None = None  # seq of the proto's FlagSet this one replays


@dataclass(frozen=True)
class Source:
    """The source files a run is given, and where they come from."""

    files: tuple[SourceFile, ...]
    digest: str
    origin: str = "project"  # project | proto
    from_run: str | None = None
    cause: int | None = None


@dataclass(frozen=True)
class RunSpec:
    """Everything a run is made of, decided before anything is appended."""

    run_id: str
    op: str
    opdef: OpDef
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
    git: dict[str, Any] | None = None
    proto_created: int | None = None  # seq of the proto's RunCreated
    tags: tuple[str, ...] = ()  # -t: recorded as `ledger tag` records them
    comment: str | None = None  # -c: recorded as `ledger comment` records it

    @property
    def flag_values(self) -> dict[str, Any]:
        return {name: f.value for name, f in sorted(self.flags.items())}


def run_events(spec: RunSpec) -> list[NewEvent]:
    """The first transaction of a run: created, flags, label, tags and
    comment, source. The run is owned by the process that appends these
    events, which may not be the one that planned them (a run sent to the
    background)."""
    run = spec.run_id
    events = [
        NewEvent(
            run,
            RunCreated(
                op=spec.op,
                opdef=recorded_opdef(spec.opdef),
                project=spec.project,
                kind=spec.kind,  # type: ignore[arg-type]
                proto=spec.proto,
                batch=spec.batch,
                label_template=spec.label_template,
                random_seed=spec.random_seed,
                **liveness.owner(),
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
    events += [NewEvent(run, TagAdded(tag=tag)) for tag in dict.fromkeys(spec.tags)]
    if spec.comment:
        events.append(NewEvent(run, CommentAdded(text=spec.comment, user=spec.user)))
    src = spec.source
    events.append(
        NewEvent(
            run,
            SourcecodeCopied(files=src.files, digest=src.digest, origin=src.origin, from_run=src.from_run),  # type: ignore[arg-type]
            cause=src.cause,
        )
    )
    return events


def recorded_opdef(opdef: OpDef) -> dict[str, Any]:
    """The operation as the log holds it: its `env:` redacted as a run's
    environment is (a proto's secret is taken from the environment again)."""
    d = opdef.to_dict()
    if d.get("env"):
        d["env"] = redact_env(d["env"])
    return d


def command(
    opdef: OpDef, flags: dict[str, Any], flags_fd: int | None = None, python: str = sys.executable
) -> list[str]:
    """The run's argv. A `main` op runs through ledger.executor.op_main,
    which reads globals flags from the pipe `flags_fd` or passes flags on as
    arguments; an `exec` op is its template with `${flag}` and `${flag_args}`
    filled."""
    if opdef.exec:
        argv = render_exec(opdef.exec, flags, opdef, extra={"python_exe": python})
        if argv and argv[0] in ("python", "python3"):
            argv[0] = python  # the interpreter ledger runs on, as Guild does
        return argv
    if opdef.is_no_op:
        return [python, "-c", ""]
    main, main_args = opdef.main_parts()
    if any("${" in arg for arg in main_args):  # `main: train --out ${out}`: filled as in `exec`
        main_args = render_exec(shlex.join(main_args), flags, opdef)
    argv = [python, "-u", op_main.__file__]
    if opdef.flags_in_code:
        return [*argv, *(["--flags-fd", str(flags_fd)] if flags_fd is not None else []), main, *main_args]
    return [*argv, main, *main_args, *flag_args(flags, opdef)]

