"""Reading a run: its attributes, files and output, for select/cat/ls/info.

Answers come from the run's events where they can (they are the truth),
and from the run directory for files the run itself wrote.
"""

from __future__ import annotations

import os
from pathlib import Path

from ledger.errors import LedgerError
from ledger.events import OutputCaptured, SourcecodeCopied
from ledger.home import Home
from projections import rundir, yamlish


def attr_text(home: Home, run_id: str, name: str) -> str:
    attrs = rundir.attrs(home.store.stream(run_id))
    if name not in attrs:
        known = ", ".join(sorted(attrs))
        raise LedgerError(f"run {run_id[:8]} has no attribute {name!r} (it has: {known})")
    return yamlish.dump(attrs[name]).rstrip("\n")


def read_output(home: Home, run_id: str) -> bytes:
    chunks = [e.data for e in home.store.stream(run_id) if isinstance(e.data, OutputCaptured)]
    return b"".join(home.blobs.read(c.blob) for c in chunks)


def read_run_file(home: Home, run_id: str, rel: str) -> bytes:
    root = home.run_dir(run_id).resolve()
    target = (root / rel).resolve()
    if target != root and root not in target.parents:
        raise LedgerError(f"{rel} is outside the run directory; give a path inside it (see `ledger ls`)")
    if target.is_file():
        return target.read_bytes()
    for ev in home.store.stream(run_id):
        if isinstance(ev.data, SourcecodeCopied):
            for f in ev.data.files:
                if f.path == rel:
                    return home.blobs.read(f.sha256)
    raise LedgerError(f"run {run_id[:8]} has no file {rel}; see `ledger ls {run_id[:8]}`")


def run_files(home: Home, run_id: str, sourcecode: bool = False, include_meta: bool = False) -> list[str]:
    if sourcecode:
        files: list[str] = []
        for ev in home.store.stream(run_id):
            if isinstance(ev.data, SourcecodeCopied):
                files = [f.path for f in ev.data.files]
        return sorted(files)
    root = home.run_dir(run_id)
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root)
        if not include_meta and rel_dir == Path("."):
            dirnames[:] = [d for d in dirnames if d != rundir.META]
        dirnames.sort()
        out.extend((rel_dir / f).as_posix() for f in filenames)
    return sorted(out)


def run_info(home: Home, run_id: str) -> str:
    from projections.index import list_runs  # noqa: F401  (keeps the index caught up for scalars)

    attrs = rundir.attrs(home.store.stream(run_id))
    lines = [f"id: {run_id}"]
    for key in ("op", "label", "sourcecode_digest", "random_seed", "started", "stopped", "exit_status", "host", "user"):
        if key in attrs:
            value = attrs[key]["name"] if key == "op" else value_text(attrs[key])
            lines.append(f"{key}: {value}")
    if attrs.get("flags"):
        lines.append("flags:")
        lines += [f"  {k}: {value_text(v)}" for k, v in attrs["flags"].items()]
    return "\n".join(lines)


def value_text(v) -> str:
    return yamlish.scalar(v) if not isinstance(v, (dict, list)) else str(v)
