"""Events as one line of text each: for `ledger log` and `run --plan`."""

from __future__ import annotations

import json
from typing import Any

from ledger.events import (
    DependencyResolved,
    EventData,
    FlagSet,
    OutputCaptured,
    RunCreated,
    RunStarted,
    RunStopped,
    ScalarsLogged,
    SourcecodeCopied,
    TrialSpawned,
    dump_data,
)


def gist(data: EventData) -> str:
    """The part of an event a reader wants at a glance."""
    if isinstance(data, RunCreated):
        links = "".join(f" {k}={v[:8]}" for k, v in (("proto", data.proto), ("batch", data.batch)) if v)
        return f"{data.op} ({data.kind}) seed={data.random_seed}{links}"
    if isinstance(data, FlagSet):
        return f"{data.name}={json.dumps(data.value)} ({data.origin})"
    if isinstance(data, SourcecodeCopied):
        src = f" from {data.from_run[:8]}" if data.from_run else ""
        return f"{len(data.files)} file(s) digest={data.digest} ({data.origin}{src})"
    if isinstance(data, TrialSpawned):
        flags = ", ".join(f"{k}={json.dumps(v)}" for k, v in sorted(data.flags.items()))
        return f"trial {data.index} {data.trial[:8]} ({flags})"
    if isinstance(data, DependencyResolved):
        src = f"run {data.run[:8]}" if data.run else "project"
        return f"{data.kind} {data.name} from {src}: {len(data.files)} file(s) ({data.how})"
    if isinstance(data, RunStarted):
        shown = list(data.argv[2:] if len(data.argv) > 2 and data.argv[2].endswith("op_main.py") else data.argv)
        if shown[1:2] == ["--flags-fd"]:
            del shown[1:3]  # a pipe's number: how the flags travelled, not what ran
        return f"pid {data.pid}: {' '.join(shown)}"
    if isinstance(data, OutputCaptured):
        return f"{data.lines} line(s), {data.bytes} bytes"
    if isinstance(data, ScalarsLogged):
        return f"{data.points} point(s) of {', '.join(data.keys)} from {data.source}, blob {data.blob[:12]}"
    if isinstance(data, RunStopped):
        return f"{data.status} (exit {data.exit_status})"
    fields: dict[str, Any] = dump_data(data)
    return " ".join(f"{k}={json.dumps(v)}" for k, v in fields.items())


def events_text(events) -> str:
    """Planned (not yet appended) events, one line each."""
    return "\n".join(f"{ev.type:<17} {ev.run[:8]}  {gist(ev.data)}" for ev in events)
