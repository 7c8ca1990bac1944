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

from ledger.errors import LedgerError, RunRefError
from ledger.events import Event, FlagSet, RunCreated, SourcecodeCopied
from ledger.executor.plan import Flag, RunSpec, Source


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

    opdef: Any = None  # ledger.executor.project.OpDef of an OP given on the command line
    args: dict[str, str] = field(default_factory=dict)
    label: str | None = None
    random_seed: int | None = None
    source: Source | None = None  # --force-sourcecode: the project's files
    git: dict[str, Any] | None = None  # ...and the project's git state


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


def replay(proto: Proto, over: Overrides, run_id: str, ctx: dict[str, Any]) -> tuple[Any, RunSpec]:
    """The new run's (OpDef, RunSpec). Pure: no disk, no clock, no randomness
    beyond what `run_id` and `ctx` bring in."""
    from ledger.executor import flags as flagmod
    from ledger.executor.project import OpDef

    created = proto.data
    opdef = over.opdef or OpDef.from_dict(created.opdef)
    if created.kind == "batch":
        base_values = _batch_trial_values(created)
    else:
        base_values = {n: f.value for n, f in proto.flags.items() if n in opdef.flags}
    resolved = flagmod.resolve(opdef, over.args, base={n: v for n, v in base_values.items() if n in opdef.flags})
    flags = {}
    for name, (value, origin) in resolved.items():
        cause = proto.flag_seqs.get(name) if origin == "proto" and created.kind != "batch" else None
        flags[name] = Flag(value, origin, cause)
    template = created.label_template if over.opdef is None or created.label_template else opdef.label
    values = {n: f.value for n, f in flags.items()}
    label = over.label if over.label is not None else flagmod.render_label(template, values)
    params: dict[str, Any] = {"flags": {n: f.value for n, f in sorted(flags.items()) if f.origin == "user"}}
    if over.label is not None:
        params["label"] = over.label
    spec = RunSpec(
        run_id=run_id,
        op=opdef.name,
        opdef=opdef.to_dict(),
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
    return opdef, spec


def _batch_trial_values(created: RunCreated) -> dict[str, Any]:
    from ledger.executor.batch import flags_from_params

    if "batch" not in created.params:
        raise LedgerError("this batch run records no batch parameters; it cannot be a proto")
    return flags_from_params(created.params)


def plan_from_proto(home, opts, op: str | None, flag_args: list[str]):
    """The plan (single run or batch) for `ledger run --proto`."""
    from ledger.executor.flags import parse_assignments
    from ledger.executor.gitinfo import git_info
    from ledger.executor.run import (
        Prepared,
        context,
        new_run_id,
        project_source,
        resolve_opdef,
    )
    from ledger.executor.runner import single_or_batch
    from ledger.projections.refs import is_full_id, resolve_id

    # a full id is read straight from its stream: one look-up, no index
    events = home.store.stream(opts.proto) if is_full_id(opts.proto) else []
    proto_id = events[0].run if events else resolve_id(home, opts.proto)
    proto = read_proto(events or home.store.stream(proto_id))
    opdef_over = resolve_opdef(home, opts.project_dir, op) if op else None
    source, sources, warnings = None, {}, []
    if opts.force_sourcecode:
        opdef_for_src = opdef_over or _opdef_of(proto)
        source, sources, warnings = project_source(home, opts.project_dir, opdef_for_src)
    else:
        missing = [f.path for f in proto.source.files if not home.blobs.has(f.sha256)]
        if missing:
            raise LedgerError(
                f"the source code of run {proto_id[:8]} was purged ({missing[0]}...);"
                " use --force-sourcecode to take the project's files"
            )
    over = Overrides(
        opdef=opdef_over,
        args=parse_assignments(flag_args),
        label=opts.label,
        random_seed=opts.random_seed,
        source=source,
        git=git_info(opts.project_dir) if opts.force_sourcecode else None,
    )
    opdef, spec = replay(proto, over, new_run_id(), context())
    if opts.stage:
        spec.params["stage"] = True
    home.ensure_writable()
    prepared = Prepared(spec=spec, opdef=opdef, sources=sources, warnings=warnings)
    if proto.data.kind == "batch":
        return _batch_plan(prepared, proto, opts)
    return single_or_batch(home, prepared, opts)


def _opdef_of(proto: Proto):
    from ledger.executor.project import OpDef

    return OpDef.from_dict(proto.data.opdef)


def _batch_plan(prepared, proto: Proto, opts):
    from ledger.executor.batch import BatchPlan, make_spec
    from ledger.executor.flags import parse_assignments

    given = proto.data.params["batch"]
    opt_given = {**given.get("opt_flags", {}), **parse_assignments(opts.opt_flags)}
    optimizer = opts.optimizer or given.get("optimizer")
    spec = make_spec(
        prepared.opdef,
        prepared.spec.flags,
        optimizer,
        opt_given,
        opts.trials if opts.trials is not None else given.get("trials"),
        keep_batch=opts.keep_batch or bool(given.get("keep_batch")),
        workers=opts.workers,
        fail_on_trial_error=opts.fail_on_trial_error,
        stage_trials=opts.stage_trials,
    )
    return BatchPlan(prepared, spec)

