"""`ledger run --proto RUN`: a new run that replays an old run's events.

`replay` is pure: from the proto's events and the overrides it builds the
new run's spec (and so its events, via `plan.run_events`): the proto's
operation, flags (origin `proto`, `cause` = the proto's FlagSet seq), source
code (the very same blobs) and random seed, unless overridden. A batch
proto replays the batch: its flag spaces, optimizer, optimizer flags, trial
count and --keep-batch, each overridable. Only the proto's own stream is
read, never the whole log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledger import verified
from ledger.errors import LedgerError, RunRefError
from ledger.events import Event, FlagSet, RunCreated, SourcecodeCopied
from ledger.executor import forced_flags
from ledger.executor.batch_spec import flags_from_params
from ledger.executor.flags import parse_assignments, render_label, resolve
from ledger.executor.gitinfo import git_info
from ledger.executor.opdef import OpDef
from ledger.executor.plan import Flag, RunSpec, Source
from ledger.executor.run import Prepared, context, new_run_id, project_source, resolve_opdef
from ledger.home import Home
from ledger.projections.refs import is_full_id, resolve_id


@dataclass(frozen=True)
class Proto:
    """What a run's events say it was made of."""

    id: str
    created: Event
    flags: dict[str, FlagSet]
    flag_seqs: dict[str, int]
    source: Source

    @property
    def data(self) -> RunCreated:
        return self.created.data  # type: ignore[return-value]


@dataclass(frozen=True)
class Overrides:
    """What the user changed: all optional."""

    opdef: OpDef | None = None  # an OP given on the command line
    args: dict[str, str] = field(default_factory=dict)
    label: str | None = None
    random_seed: int | None = None
    source: Source | None = None  # --force-sourcecode: the project's files
    git: dict[str, Any] | None = None  # ...and the project's git state
    stage: bool = False
    force_flags: bool = False


def read_proto(events: list[Event]) -> Proto:
    if not events or not isinstance(events[0].data, RunCreated):
        raise RunRefError("that run has no events to start from; pick another proto (see `ledger runs`)")
    flags: dict[str, FlagSet] = {}
    seqs: dict[str, int] = {}
    source = Source(files=(), digest="")
    for ev in events:
        if isinstance(ev.data, FlagSet):
            flags[ev.data.name] = ev.data
            seqs[ev.data.name] = ev.seq
        elif isinstance(ev.data, SourcecodeCopied):
            source = Source(
                files=ev.data.files, digest=ev.data.digest, origin="proto", from_run=events[0].run, cause=ev.seq
            )
    return Proto(id=events[0].run, created=events[0], flags=flags, flag_seqs=seqs, source=source)


def replay(proto: Proto, over: Overrides, run_id: str, ctx: dict[str, Any]) -> RunSpec:
    """The new run's spec. Pure: no disk, no clock, no randomness beyond
    what `run_id` and `ctx` bring in."""
    created = proto.data
    opdef = over.opdef or OpDef.from_dict(created.opdef)
    if over.force_flags:
        opdef = forced_flags.force(opdef, over.args)
    if created.kind == "batch":
        base_values = _batch_trial_values(created)
    else:
        base_values = {n: f.value for n, f in proto.flags.items() if n in opdef.flags}
    resolved = resolve(opdef, over.args, base={n: v for n, v in base_values.items() if n in opdef.flags})
    flags = {}
    for name, (value, origin) in resolved.items():
        cause = proto.flag_seqs.get(name) if origin == "proto" and created.kind != "batch" else None
        flags[name] = Flag(value, origin, cause)
    template = created.label_template if over.opdef is None or created.label_template else opdef.label
    if over.label is not None:
        template = over.label
    label = render_label(template, {n: f.value for n, f in flags.items()})
    params: dict[str, Any] = {"flags": {n: f.value for n, f in sorted(flags.items()) if f.origin == "user"}}
    if over.label is not None:
        params["label"] = over.label
    if over.stage:
        params["stage"] = True
    return RunSpec(
        run_id=run_id,
        op=opdef.name,
        opdef=opdef,
        project=created.project,
        flags=flags,
        label=label,
        label_template=template,
        source=over.source or proto.source,
        random_seed=over.random_seed if over.random_seed is not None else created.random_seed,
        proto=proto.id,
        proto_created=proto.created.seq,
        git=over.git if over.source is not None else created.git,  # whose code it runs
        params=params,
        **ctx,
    )


def _batch_trial_values(created: RunCreated) -> dict[str, Any]:
    if "batch" not in created.params:
        raise LedgerError("this batch run records no batch parameters; it cannot be a proto")
    return flags_from_params(created.params)


def prepare_from_proto(home: Home, opts: Any, op: str | None,
                       flag_args: list[str]) -> tuple[Prepared, dict[str, Any] | None]:  # fmt: skip
    """The new run of `ledger run --proto` (`opts` is runner.Options), and
    the proto's batch parameters when the proto is a batch (None else)."""
    # a full id is read straight from its stream: one look-up, no index
    events = verified.stream(home.store, opts.proto, must_exist=False) if is_full_id(opts.proto) else []
    proto_id = events[0].run if events else resolve_id(home, opts.proto)
    proto = read_proto(events or verified.stream(home.store, proto_id))
    opdef_over = resolve_opdef(home, opts.project_dir, op) if op else None
    source = None
    sources: dict[str, bytes] = {}
    warnings: list[str] = []
    if opts.force_sourcecode:
        opdef_for_src = opdef_over or OpDef.from_dict(proto.data.opdef)
        source, sources, warnings = project_source(home, opts.project_dir, opdef_for_src)
    else:
        missing = [f.path for f in proto.source.files if not home.blobs.has(f.sha256)]
        if missing:
            raise LedgerError(
                f"the source code of run {proto_id[:8]} was purged ({missing[0]}...);"
                " use --force-sourcecode to take the project's files"
            )
        for f in proto.source.files:  # refused before the user is asked, as a purged one is
            verified.check_blob(home.blobs, f.sha256)
    over = Overrides(
        opdef=opdef_over,
        args=parse_assignments(flag_args),
        label=opts.label,
        random_seed=opts.random_seed,
        source=source,
        git=git_info(opts.project_dir) if opts.force_sourcecode else None,
        stage=opts.stage,
        force_flags=opts.force_flags,
    )
    spec = replay(proto, over, new_run_id(), context())
    prepared = Prepared(spec=spec, sources=sources, warnings=warnings)
    return prepared, proto.data.params["batch"] if proto.data.kind == "batch" else None
