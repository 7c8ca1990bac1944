"""Running one operation: resolve, plan, append, materialise, start, record.

`prepare` reads the project and decides everything (no writes), so a run
can be previewed or printed as the events it would append; `execute`
appends the plan, builds the run directory and runs the process in it.
"""

from __future__ import annotations

import getpass
import marshal
import os
import shutil
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger import verified
from ledger.errors import ConcurrencyError, LedgerError
from ledger.events import NewEvent, RunDeleted, RunStarted
from ledger.executor import forced_flags, gitinfo, interrupts, launch, plan, redaction, requires
from ledger.executor.config_writes import config_resolutions
from ledger.executor.flags import format_value, parse_assignments, render_label, resolve, split_value
from ledger.executor.inject import rewrite_globals, rewrite_param
from ledger.executor.metric_sources import ApiSpool, TensorBoardFiles
from ledger.executor.op_main import find_main
from ledger.executor.opdef import OpDef
from ledger.executor.plan import Flag, RunSpec, Source
from ledger.executor.project import resolve_op, script_analysis
from ledger.executor.recorder import OutputRecorder, artifacts
from ledger.executor.requires import Resolution
from ledger.executor.scalars import ScalarParser
from ledger.executor.script_ast import read_source
from ledger.executor.source_files import check_main, project_source
from ledger.executor.standby import Standby
from ledger.home import Home
from ledger.projections import liveness, rundir
from ledger.sealing import now_ts


@dataclass
class RunRequest:
    """What the user asked for on the command line."""

    op: str | None
    args: list[str] = field(default_factory=list)
    project_dir: str = field(default_factory=os.getcwd)
    label: str | None = None
    stage: bool = False
    random_seed: int | None = None
    keep_run: bool = False  # keep a `delete-on-success` operation's run
    force_flags: bool = False  # accept flags the operation does not define, and values it refuses


@dataclass(frozen=True)
class Prepared:
    """A run planned and ready to execute: its spec, the source files'
    bytes as read from the project (none for a proto's source) and its
    requirements as resolved."""

    spec: RunSpec
    sources: dict[str, bytes]
    warnings: list[str] = field(default_factory=list)
    resolutions: tuple[Resolution, ...] = ()
    keep_run: bool = False  # a `delete-on-success` operation's run is kept


def new_run_id() -> str:
    return uuid.uuid4().hex


def new_seed() -> int:
    return int.from_bytes(os.urandom(4), "big")


def context() -> dict[str, Any]:
    u = os.uname()
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid
        user = ""
    return {"host": u.nodename, "user": user, "platform": f"{u.sysname} {u.release} {u.machine}"}


def cache_dir(home: Home) -> Path:
    """Where the analyses of project files and scripts are kept."""
    return Path(home.path, "cache")


def resolve_opdef(home: Home, project_dir: str | os.PathLike[str], spec: str | None) -> OpDef:
    return resolve_op(project_dir, spec, cache_dir=cache_dir(home))


def prepare(home: Home, req: RunRequest, opdef: OpDef | None = None) -> Prepared:
    """The run `req` asks for (of `opdef` when the caller resolved it)."""
    git = gitinfo.start(req.project_dir)  # git's dirty check runs while the rest is planned
    try:
        opdef = opdef or resolve_opdef(home, req.project_dir, req.op)
        given = parse_assignments(req.args)
        # `OPERATION=RUN` picks the run a requirement resolves to: not a flag
        chosen = {n: given.pop(n) for n in requires.run_names(opdef) if n in given and n not in opdef.flags}
        if req.force_flags:
            opdef = forced_flags.force(opdef, given)
        resolved = resolve(opdef, given)
        flags = {name: Flag(value, origin) for name, (value, origin) in resolved.items()}
        source, contents, warnings = project_source(home, req.project_dir, opdef)
        check_main(opdef, source, req.project_dir, home)
        resolutions = requires.resolve(home, opdef, str(req.project_dir), chosen) if opdef.requires else []
    finally:
        checkout = git()  # waited for on bad input too: no process is left behind
    return Prepared(
        spec=build_spec(opdef, flags, source, req, project=str(req.project_dir), git=checkout),
        sources=contents,
        warnings=[*opdef.notes, *warnings],
        resolutions=tuple(resolutions),
        keep_run=req.keep_run,
    )


def build_spec(opdef: OpDef, flags: dict[str, Flag], source: Source, req: RunRequest, project: str,
               **links: Any) -> RunSpec:  # fmt: skip
    values = {n: f.value for n, f in flags.items()}
    # as Guild: a label given with -l is the run's template, `${flag}` filled from its flags
    given = links.pop("label_template", None)
    template = req.label if req.label is not None else given or opdef.label
    label = render_label(template, values)
    params: dict[str, Any] = {"flags": {n: f.value for n, f in sorted(flags.items()) if f.origin == "user"}}
    if req.stage:
        params["stage"] = True
    if req.label is not None:
        params["label"] = req.label
    return RunSpec(
        run_id=new_run_id(),
        op=opdef.name,
        opdef=opdef,
        project=project,
        flags=flags,
        label=label,
        label_template=template,
        source=source,
        random_seed=req.random_seed if req.random_seed is not None else new_seed(),
        params=params,
        **context(),
        **links,
    )


def metrics_spool(home: Home, run_id: str) -> str:
    """Where the run's `ledger.log` calls write their points for the
    recorder to read (ledger/tracking.py): under the home, not in the run
    directory, which holds only what a rebuild can recreate."""
    return os.path.join(home.path, "spool", run_id + ".points")


def child_env(home: Home, run_id: str, run_dir: str | os.PathLike[str],
              op_env: dict[str, str] | None = None) -> dict[str, str]:  # fmt: skip
    env = dict(os.environ)
    # a trial started by an optimizer operation does not pass its batch on to runs of its own
    env.pop("LEDGER_BATCH_RUN", None)
    env.update(op_env or {})  # the operation's `env:`
    env.update(RUN_ID=run_id, RUN_DIR=str(run_dir), LEDGER_HOME=str(home.path), PYTHONUNBUFFERED="1")
    env["LEDGER_METRICS_FILE"] = metrics_spool(home, run_id)
    # the run's own directory comes first, so its modules shadow the project's
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(run_dir), env.get("PYTHONPATH", "")) if p)
    return env


def op_env(opdef: OpDef) -> dict[str, str]:
    """The operation's `env:` for its process. A value the log holds
    redacted (a proto's secret) is left to the environment ledger runs in."""
    return {k: v for k, v in opdef.env.items() if v != redaction.REDACTED}


def execute(home: Home, prepared: Prepared, tee: bool = True, extra: tuple = (),
            prefix: bytes | None = None, stop: threading.Event | None = None,
            standby: Standby | None = None, while_running: Callable[[], None] | None = None,
            ) -> launch.Outcome | None:  # fmt: skip
    """Append the plan (after `extra` events, in the same transaction),
    build the run directory, run the process, record its end. Returns None
    for a staged run. `stop`, once set, stops the process (see `start`).
    `standby` is the run's process started ahead, if any; `while_running`
    is called once the process runs."""
    spec = prepared.spec
    store_sources(home, spec, prepared.sources)
    run_dir = home.run_dir(spec.run_id)
    try:  # the files first: a disk that fills up here leaves no run appended
        copied = copy_sources(home, run_dir, spec, prepared.sources)
        resolutions = (*prepared.resolutions, *config_resolutions(home, spec, prepared.sources))
        if resolutions:
            requires.materialise(run_dir, resolutions)
        # a fresh uuid4 stream: no expected version to check (that would cost
        # a look-up in the stream index on every run)
        deps = [r.event(spec.run_id) for r in resolutions]
        appended = home.store.append([*extra, *plan.run_events(spec), *deps])
    except Exception:
        if standby is not None:
            standby.abandon()
        shutil.rmtree(run_dir, ignore_errors=True)
        raise
    events = [e for e in appended if e.run == spec.run_id]
    if spec.params.get("stage"):
        rundir.write_meta(run_dir, events)
        return None
    outcome = start(home, spec, events, copied, tee=tee, prefix=prefix, stop=stop,
                    standby=standby, while_running=while_running)  # fmt: skip
    if outcome.status == "completed" and spec.opdef.delete_on_success and not prepared.keep_run:
        sys.stderr.write(
            f"Deleting interim run {spec.run_id} ('{spec.op}' is configured for deletion on success;"
            " --keep-run keeps it)\n"
        )
        delete_run(home, spec.run_id)
    return outcome


def copy_sources(home: Home, run_dir: str | os.PathLike[str], spec: RunSpec,
                 sources: dict[str, bytes]) -> dict[str, tuple[int, int]]:  # fmt: skip
    """Write the run's source files (their bytes as read from the project,
    else from the blob store); path -> (size, mtime_ns) as written."""
    copied = {}
    for f in spec.source.files:
        dest = Path(run_dir, f.path)
        dest.parent.mkdir(parents=True, exist_ok=True)
        data = sources.get(f.path)
        dest.write_bytes(data if data is not None else verified.read_blob(home.blobs, f.sha256))
        dest.chmod(f.mode)
        st = dest.stat()
        copied[f.path] = (st.st_size, st.st_mtime_ns)
    return copied


def delete_run(home: Home, run_id: str) -> None:
    """Mark a run deleted (it can be restored: nothing is destroyed)."""
    home.store.append([NewEvent(run_id, RunDeleted())])
    rundir.materialise(home.run_dir(run_id), home.store.stream(run_id), verified.blob_reader(home.blobs))


def store_sources(home: Home, spec: RunSpec, sources: dict[str, bytes]) -> None:
    """Put the run's source files in the blob store, before any event names
    them; a proto's are there already, unless they were purged."""
    for f in spec.source.files:
        if home.blobs.has(f.sha256):
            if f.path not in sources:
                # a proto's code is executed from its blob: it must still be the code that was recorded
                verified.check_blob(home.blobs, f.sha256)
            continue  # the sha is known: no need to hash the bytes again (a batch's trials share them)
        if f.path not in sources:
            raise LedgerError(
                f"source file {f.path} of run {spec.source.from_run or spec.run_id} was purged;"
                " use --force-sourcecode to take the project's files"
            )
        home.blobs.put_bytes(sources[f.path])


def start(home: Home, spec: RunSpec, events: list, copied: dict, tee: bool = True,
          prefix: bytes | None = None, again: bool = False, stop: threading.Event | None = None,
          standby: Standby | None = None, while_running: Callable[[], None] | None = None,
          ) -> launch.Outcome:  # fmt: skip
    """Start the process, then record it: the attributes are written and
    `RunStarted` waits for the run's first output append while the process
    is already running, so neither delays it. A run started `again` (staged
    before, or stopped) is recorded as started at once, so it reads running
    from now on, and its output is added to what it had; `events` are then
    its whole stream, and if another command started it meanwhile, the
    process is killed before it could do anything and nothing is recorded.
    With `stop` (a trial run beside others), the process leads a process
    group of its own, stopped as a whole, and recorded terminated, once
    `stop` is set."""
    run_dir = home.run_dir(spec.run_id)
    recorder = None
    written = None
    taken = False  # started again by another command first
    outcome = launch.Outcome(1, interrupted=False)  # a process that never started is an error
    proc = None
    try:
        values = spec.flag_values
        payload = flags_payload(spec.opdef, values, run_dir, cache_dir(home))
        env = child_env(home, spec.run_id, run_dir, op_env(spec.opdef))
        os.makedirs(os.path.dirname(env["LEDGER_METRICS_FILE"]), exist_ok=True)
        when = now_ts()
        if standby is not None and standby.run_id == spec.run_id and standby.env == env and stop is None:
            argv, proc = standby.argv, standby.begin(payload)
        else:
            if standby is not None:
                standby.abandon()
            pipe = launch.FlagsPipe(payload) if payload is not None else None
            argv = plan.command(spec.opdef, values, flags_fd=pipe.fd if pipe else None)
            proc = launch.start(argv, run_dir, env, flags=pipe, own_group=stop is not None)
        if while_running is not None:
            while_running()
        started = RunStarted(
            argv=redaction.redact_argv(argv, redaction.user_names(env)), env=redaction.redact_env(env),
            pid=proc.pid, cwd=str(run_dir), time=when, **liveness.started_owner(),
        )
        announced = [plan.NewEvent(spec.run_id, started)]
        if again:
            try:
                events += home.store.append(announced, expected_version=len(events))
            except ConcurrencyError:
                taken = True
                launch.stop(proc)
                raise started_elsewhere(spec.run_id) from None
            announced = []
        written = rundir.write_meta(run_dir, events)
        # Guild's default pattern skips keys that are flags: scripts print them
        parser = ScalarParser(spec.opdef.output_scalars, ignore=set(values),
                              warn=lambda message: launch.to_terminal(
                                  sys.stderr, f"ledger: warning: run {spec.run_id[:8]}: {message}\n"))  # fmt: skip
        tensorboard = TensorBoardFiles(os.fspath(run_dir), read_before=again)
        sources = (ApiSpool(env["LEDGER_METRICS_FILE"]), tensorboard)
        recorder = OutputRecorder(
            home, spec.run_id, run_dir, parser, pending=announced, sources=sources, again=again
        )
        outcome = launch.capture(proc, recorder, tee=tee, prefix=prefix, stop=stop)
        outcome.scalars = recorder.scalars
    except KeyboardInterrupt as e:  # Ctrl-C or SIGTERM before the capture began: the run is terminated
        outcome = launch.Outcome(launch.stop(proc) if proc else -interrupts.signum_of(e), interrupted=True)
        raise
    finally:
        with interrupts.deferred():
            if not taken:  # the command that started it records it
                if recorder is None:
                    recorder = OutputRecorder(home, spec.run_id, run_dir, None, again=again)
                files = artifacts(home, run_dir, spec.source.files, copied)
                events += recorder.finish(outcome.status, outcome.exit_status, files)
                rundir.write_meta(run_dir, events, written)
    return outcome


def started_elsewhere(run_id: str) -> LedgerError:
    return LedgerError(f"run {run_id[:8]} was started by another command meanwhile;"
                       f" follow it with `ledger watch {run_id[:8]}`")  # fmt: skip


def flags_payload(opdef: OpDef, values: dict[str, Any], run_dir: str | os.PathLike[str],
                  cache_dir: str | os.PathLike[str] | None = None) -> bytes | None:  # fmt: skip
    """What op_main reads on its flags pipe: the main script compiled with
    its module-level assignments rewritten to `values`, and the values,
    marshalled (None: the flags do not go to a Python script's globals).
    The code is None when the script cannot be compiled: op_main then
    compiles it and reports the error as python would. `cache_dir` holds
    the script's analysis (ledger.executor.project.script_analysis)."""
    if not opdef.flags_in_code or not values:
        return None
    module, _ = opdef.main_parts()
    found = find_main(module, lambda rel: Path(run_dir, rel).is_file())
    code = None
    values = {n: split_value(v, opdef.flags.get(n)) for n, v in values.items()}  # `arg-split`: a list
    if found is not None:
        full = Path(run_dir, found[0]).absolute()
        try:
            data = full.read_bytes()
            analysis = script_analysis(data, found[0], cache_dir)
            param = opdef.flags_param
            if param is not None:  # the flags go into one global dict or namespace, not globals of their own
                keyed = {_param_key(n, opdef): v for n, v in values.items()}
                code = compile(rewrite_param_of(read_source(data), analysis, param, keyed), str(full), "exec")
                return marshal.dumps((code, {}))
            code = compile(rewrite_globals(read_source(data), values, analysis["slots"]), str(full), "exec")
        except (SyntaxError, ValueError, OSError, LedgerError):
            code = None
    return marshal.dumps((code, values))


def _param_key(name: str, opdef: OpDef) -> str:
    """Where a flag goes in a dict or namespace: its arg-name (`strings.s1`:
    a nested key) or else its name."""
    flagdef = opdef.flags.get(name)
    return (flagdef.arg_name if flagdef is not None else None) or name


def rewrite_param_of(source: str, analysis: dict[str, Any], param: tuple[str, str], values: dict[str, Any]) -> str:
    """`source` with the module-level dict or namespace `param` names given the flags."""
    kind, name = param
    found = analysis["params"].get(name)
    if found is None or (found["kind"] == "namespace") != (kind == "namespace"):
        return source
    return rewrite_param(source, found["slot"], found["kind"], found["value"], values)


def exit_code(outcome: launch.Outcome | None) -> int:
    if outcome is None:
        return 0
    code = outcome.exit_status
    return 128 - code if code < 0 else code


def describe(spec: RunSpec) -> str:
    """What `ledger run` without -y shows before asking to continue."""
    lines = [f"You are about to run {spec.op}"]
    lines += [f"  {name}: {format_value(f.value)}" for name, f in sorted(spec.flags.items())]
    return "\n".join(lines)
