"""Reading a run: its attributes, files and output, for select/cat/ls/info.

Answers come from the run's events where they can (they are the truth),
and from the run directory for files the run itself wrote.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ledger import verified
from ledger.errors import LedgerError
from ledger.events import (
    CommentAdded,
    CommentRemoved,
    DependencyResolved,
    Event,
    OutputCaptured,
    RunCreated,
    RunStarted,
    RunStopped,
    SourcecodeCopied,
    TrialSpawned,
)
from ledger.executor.audit import RunSummary
from ledger.home import Home
from ledger.projections import rundir, yamlish
from ledger.projections.scalar_summary import summarize
from ledger.sealing import parse_ts
from ledger.terminal import printable


def attr_text(home: Home, run_id: str, name: str) -> str:
    attrs = rundir.attrs(verified.stream(home.store, run_id))
    if name not in attrs:
        known = ", ".join(sorted(attrs))
        raise LedgerError(f"run {run_id[:8]} has no attribute {name!r} (it has: {known})")
    return yamlish.dump(attrs[name]).rstrip("\n")


def output_chunks(home: Home, run_id: str) -> Iterator[bytes]:
    """The run's output a chunk at a time, as recorded (a chunk is at most
    about 4 MiB, whatever the run printed), each checked against its hash."""
    chunks = [e.data for e in verified.stream(home.store, run_id) if isinstance(e.data, OutputCaptured)]
    for c in chunks:
        yield verified.read_blob(home.blobs, c.blob)


def read_output(home: Home, run_id: str) -> bytes:
    return b"".join(output_chunks(home, run_id))


def output_slice(home: Home, run_id: str, start: int, end: int | None = None) -> tuple[bytes, int, int]:
    """Bytes [start, end) of the run's output (a negative `start` counts
    from its end), where they start, and the size of the whole output.
    Each chunk's event gives its size, so only the chunks the slice lies in
    are read: a page of a gigabyte of output costs a page and a chunk."""
    chunks = [e.data for e in verified.stream(home.store, run_id) if isinstance(e.data, OutputCaptured)]
    total = sum(c.bytes for c in chunks)
    start = max(total + start, 0) if start < 0 else min(start, total)
    end = total if end is None else max(min(end, total), start)
    parts, at = [], 0
    for c in chunks:
        if at >= end:
            break
        if at + c.bytes > start:
            parts.append(verified.read_blob(home.blobs, c.blob)[max(start - at, 0) : end - at])
        at += c.bytes
    return b"".join(parts), start, total


def read_run_file(home: Home, run_id: str, rel: str) -> bytes:
    root = Path(home.run_dir(run_id)).resolve()
    target = (root / rel).resolve()
    if target != root and root not in target.parents:
        raise LedgerError(f"{rel} is outside the run directory; give a path inside it (see `ledger ls`)")
    if target.is_file():
        return target.read_bytes()
    for ev in verified.stream(home.store, run_id):
        if isinstance(ev.data, SourcecodeCopied):
            for f in ev.data.files:
                if f.path == rel:
                    return verified.read_blob(home.blobs, f.sha256)
    if target.is_dir():
        raise LedgerError(f"{rel} is a directory of run {run_id[:8]}; list it with `ledger ls {run_id[:8]} -p {rel}`")
    raise LedgerError(f"run {run_id[:8]} has no file {rel}; see `ledger ls {run_id[:8]}`")


def read_source_file(home: Home, run_id: str, rel: str) -> bytes:
    """A source file of the run as its SourcecodeCopied recorded it."""
    files: dict[str, str] = {}
    for ev in verified.stream(home.store, run_id):
        if isinstance(ev.data, SourcecodeCopied):
            files = {f.path: f.sha256 for f in ev.data.files}
    if rel.removeprefix("./") not in files:
        raise LedgerError(f"run {run_id[:8]} has no source file {rel}; see `ledger ls -s {run_id[:8]}`")
    return verified.read_blob(home.blobs, files[rel.removeprefix("./")])


def comments_of(events: list[Event]) -> list[tuple[int, CommentAdded]]:
    """(seq, comment) of the run's comments that were not removed, oldest first."""
    removed = {ev.data.comment_seq for ev in events if isinstance(ev.data, CommentRemoved)}
    return [(ev.seq, ev.data) for ev in events if isinstance(ev.data, CommentAdded) and ev.seq not in removed]


def run_info(
    home: Home,
    run_id: str,
    status: str | None = None,
    *,
    with_comments: bool = False,
    number: Callable[[Any], str] | None = None,
) -> str:
    """`ledger runs info`: Guild's fields, in Guild's order, then the
    ledger's (seed, host), the last value of each scalar and, as Guild's
    `--comments` asks, the comments. `number` writes the scalars' values
    (rounded for a person at a terminal); by default, every digit."""
    number = number or value_text
    events = verified.stream(home.store, run_id)
    attrs = rundir.attrs(events)
    times: dict[str, str] = {}
    for e in events:
        if isinstance(e.data, RunStarted):  # a run started again has not stopped since
            times = {"RunStarted": e.ts}
        elif isinstance(e.data, RunStopped):
            times["RunStopped"] = e.ts
    scalars = summarize(events, lambda sha: verified.read_blob(home.blobs, sha))
    comments = [c for _, c in comments_of(events)]
    fields = [
        ("id", run_id),
        ("operation", attrs["op"]["name"]),
        ("status", status or ""),
        ("started", _local(times.get("RunStarted"))),
        ("stopped", _local(times.get("RunStopped"))),
        ("label", attrs.get("label", "")),
        ("sourcecode_digest", attrs.get("sourcecode_digest", "")),
        ("random_seed", attrs.get("random_seed", "")),
        ("run_dir", home.run_dir(run_id)),
        ("command", " ".join(attrs.get("cmd", []))),
        ("exit_status", attrs.get("exit_status", "")),
        ("host", attrs.get("host", "")),
        ("user", attrs.get("user", "")),
    ]
    lines = [f"{key}: {printable(str(value))}".rstrip() for key, value in fields]
    lines.append("tags:" + ("" if attrs.get("tags") else " []"))
    lines += [f"  - {printable(t)}" for t in attrs.get("tags", [])]
    lines.append("flags:" + ("" if attrs.get("flags") else " {}"))
    lines += [f"  {k}: {printable(value_text(v))}" for k, v in attrs.get("flags", {}).items()]
    lines.append("scalars:" + ("" if scalars else " {}"))
    lines += [
        f"  {k}: {number(s.last)} (step {s.step}; min {number(s.min)}, max {number(s.max)})"
        for k, s in sorted(scalars.items())
    ]
    lines += _dependencies(events) + _steps(home, events)
    if with_comments:
        lines.append("comments:" + ("" if comments else " []"))
        lines += [printable(f"  - {c.user}: {c.text}" if c.user else f"  - {c.text}") for c in comments]
    return "\n".join(lines)


def _dependencies(events: list[Event]) -> list[str]:
    """What the run's requirements resolved to: the run or project files, and each file's sha256."""
    deps = [e.data for e in events if isinstance(e.data, DependencyResolved)]
    if not deps:
        return []
    lines = ["dependencies:"]
    for d in deps:
        source = f"run {d.run}" if d.run else "project"
        lines.append(f"  {d.name}: {d.kind} from {source} ({'linked' if d.how == 'link' else 'copied'})")
        lines += [f"    {f.path}: {f.sha256}" for f in d.files]
    return lines


def _steps(home: Home, events: list[Event]) -> list[str]:
    """A pipeline's steps: each step's name, run and status, in order."""
    created = events[0].data if events else None
    if not isinstance(created, RunCreated) or "steps" not in created.params:
        return []
    names = created.params["steps"]
    lines = ["steps:" + ("" if names else " []")]
    for e in events:
        if isinstance(e.data, TrialSpawned):
            name = names[e.data.index] if e.data.index < len(names) else str(e.data.index)
            stream = home.store.stream(e.data.trial)
            status = RunSummary.of(stream).status if stream else "not started"
            lines.append(f"  {name}: {e.data.trial} ({status})")
    return lines


def _local(ts: str | None) -> str:
    if not ts:
        return ""
    when = parse_ts(ts)
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def value_text(v) -> str:
    return yamlish.scalar(v) if not isinstance(v, (dict, list)) else str(v)
