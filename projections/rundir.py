"""The run directory as a pure fold of the run's events.

`runs/<id>/` holds the run's source files at its root and, under
`.ledger/`, one YAML file per attribute (as Guild's `.guild/attrs`), the
source manifest, the output and its per-line time index. Everything here is
derived from the run's events and the blobs they name, so `ledger rebuild`
recreates a directory equal to the original, file for file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ledger.events import (
    ArtifactRecorded,
    DependencyResolved,
    Event,
    FlagSet,
    LabelSet,
    OutputCaptured,
    RunCreated,
    RunStarted,
    RunStopped,
    SourcecodeCopied,
    TagAdded,
    TagRemoved,
)
from ledger.projections import yamlish
from ledger.sealing import parse_ts

META = ".ledger"


def ts_micros(ts: str) -> int:
    """An envelope time stamp (`2026-11-26T04:00:00.123456Z`) as integer
    microseconds since the epoch, the unit of Guild's time attributes."""
    when = parse_ts(ts)
    return (when - _EPOCH) // timedelta(microseconds=1)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def manifest(files: Iterable[tuple[str, str]]) -> str:
    """One JSON array per source file: kind, path, sha256."""
    return "".join(json.dumps(["s", path, sha]) + "\n" for path, sha in files)


def attrs(events: Iterable[Event]) -> dict[str, Any]:
    """The run's attributes, name -> value, folded from its events."""
    out: dict[str, Any] = {}
    flags: dict[str, Any] = {}
    user_flags: dict[str, Any] = {}
    tags: list[str] = []
    for ev in events:
        d = ev.data
        if isinstance(d, RunCreated):
            params = dict(d.params)
            if d.proto:
                params["proto"] = d.proto
            if d.batch:
                params["batch"] = d.batch
            out.update(
                id=ev.run,
                initialized=ts_micros(ev.ts),
                op={"name": d.op, "kind": d.kind, "project": d.project},
                host=d.host,
                user=d.user,
                platform=d.platform,
                random_seed=d.random_seed,
                run_params=params,
                deps={},
                plugins=[],
                label="",
            )
            if d.git and d.git.get("commit"):
                # Guild's form, with `*` when tracked files had uncommitted changes
                out["vcs_commit"] = f"git:{d.git['commit']}" + ("*" if d.git.get("dirty") else "")
        elif isinstance(d, FlagSet):
            flags[d.name] = d.value
            if d.origin == "user":
                user_flags[d.name] = d.value
            else:
                user_flags.pop(d.name, None)
        elif isinstance(d, LabelSet):
            out["label"] = d.label
        elif isinstance(d, DependencyResolved):
            # Guild's deps attribute: requirement -> where it was resolved from
            entry: dict[str, Any] = {"kind": d.kind, "paths": [f.path for f in d.files]}
            if d.run:
                entry["run"] = d.run
            out.setdefault("deps", {})[d.name] = entry
        elif isinstance(d, SourcecodeCopied):
            out["sourcecode_digest"] = d.digest
        elif isinstance(d, RunStarted):
            out.update(cmd=list(d.argv), env=dict(d.env), started=ts_micros(d.time or ev.ts))
            out.pop("stopped", None)  # a restarted run has not stopped again yet
            out.pop("exit_status", None)
        elif isinstance(d, RunStopped):
            out["stopped"] = ts_micros(ev.ts)
            if d.exit_status is not None:
                out["exit_status"] = d.exit_status
        elif isinstance(d, TagAdded) and d.tag not in tags:
            tags.append(d.tag)
        elif isinstance(d, TagRemoved) and d.tag in tags:
            tags.remove(d.tag)
    out["flags"] = dict(sorted(flags.items()))
    out["user_flags"] = dict(sorted(user_flags.items()))
    if tags:
        out["tags"] = tags
    return out


def meta_files(events: list[Event]) -> dict[str, bytes]:
    """Every file under `.ledger/` except the output, path -> bytes."""
    files = {f"{META}/attrs/{name}": yamlish.dump(value).encode() for name, value in attrs(events).items()}
    for ev in events:
        d = ev.data
        if isinstance(d, RunCreated):
            files[f"{META}/opref"] = f"{d.kind}:'{d.project}' '{d.op}'\n".encode()
        elif isinstance(d, SourcecodeCopied):
            files[f"{META}/manifest"] = manifest((f.path, f.sha256) for f in d.files).encode()
    return files


def written_files(events: Iterable[Event]) -> list[tuple[str, str]]:
    """(path, sha256) of each file written over the run's source files, in
    the order written (a later one of a path wins): the config files its
    flags went to, and what it left that was stored."""
    out = []
    for ev in events:
        if isinstance(ev.data, DependencyResolved) and ev.data.kind == "config":
            out += [(f.path, f.sha256) for f in ev.data.files]
        elif isinstance(ev.data, ArtifactRecorded) and ev.data.stored:
            out.append((ev.data.path, ev.data.sha256))
    return out


def output_index_line(ms: int, stream: int) -> str:
    return f"{ms} {stream}\n"


def write_meta(
    run_dir: str | os.PathLike[str], events: list[Event], written: dict[str, bytes] | None = None
) -> dict[str, bytes]:
    """(Re)write the attributes, opref and manifest of a run directory.

    `written` is what an earlier call wrote: only files that changed since
    are written again (a live run rewrites its attributes several times)."""
    files = meta_files(events)
    root = Path(run_dir)
    for rel, data in files.items():
        if written is None or written.get(rel) != data:
            _write(root / rel, data)
    return files


def materialise(run_dir: str | os.PathLike[str], events: list[Event], read_blob: Callable[[str], bytes]) -> None:
    """Write the whole run directory from the run's events and blobs."""
    root = Path(run_dir)
    for ev in events:
        if isinstance(ev.data, SourcecodeCopied):
            for f in ev.data.files:
                dest = root / f.path
                _write(dest, read_blob(f.sha256))
                dest.chmod(f.mode & 0o777)
    for path, sha in written_files(events):
        _write(root / path, read_blob(sha))
    write_meta(root, events)
    chunks = [ev.data for ev in events if isinstance(ev.data, OutputCaptured)]
    if chunks or any(isinstance(ev.data, RunStarted) for ev in events):
        # a chunk at a time: a run's output may be larger than memory
        (root / META).mkdir(parents=True, exist_ok=True)
        with open(root / META / "output", "wb") as out, open(root / META / "output.index", "w") as index:
            for c in chunks:
                out.write(read_blob(c.blob))
                for ms, stream, count in c.index:
                    index.write(output_index_line(ms, stream) * count)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
