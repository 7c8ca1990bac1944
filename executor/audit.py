"""Answers to "where did this run come from?": its log, lineage and diffs.

Lineage walks RunCreated links (`proto`, `batch`) from a run back to the
first run, reading only the streams on the way, and says at each step what
changed: operation, flags (old -> new, with origin), source digest, label.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ledger import verified
from ledger.errors import LedgerError
from ledger.events import (
    DependencyResolved,
    Event,
    FlagSet,
    LabelSet,
    RunCreated,
    RunDeleted,
    RunRestored,
    RunStopped,
    SourcecodeCopied,
)
from ledger.executor.render import gist
from ledger.executor.values import format_value
from ledger.home import Home
from ledger.projections import rundir, yamlish
from ledger.projections.liveness import stream_status
from ledger.projections.refs import Filters, listing
from ledger.projections.scalar_summary import summarize
from ledger.terminal import printable

MAX_DEPTH = 10_000  # a cycle is impossible in an append-only log; this is a guard


def log_lines(home: Home, run_id: str, as_json: bool = False) -> Iterator[str]:
    for ev in verified.stream(home.store, run_id):
        if as_json:
            yield json.dumps(ev.to_dict(), sort_keys=True)
        else:
            cause = f" <- {ev.cause}" if ev.cause else ""
            yield f"{ev.seq:>6}  {ev.ts[:19].replace('T', ' ')}  {ev.type:<17} {gist(ev.data)}{cause}"


@dataclass
class RunSummary:
    """What lineage shows of one run, folded from its own events."""

    id: str
    op: str = ""
    kind: str = "run"
    proto: str | None = None
    batch: str | None = None
    label: str = ""
    digest: str = ""
    status: str = "running"
    deleted: bool = False
    flags: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    host: str = ""
    pid: int = 0
    pipeline: bool = False  # it runs `steps`: its children are steps, not trials
    deps: list[dict[str, Any]] = field(default_factory=list)  # requirements as resolved
    pid_start: int = 0
    boot_id: str = ""
    created: str = ""

    @classmethod
    def of(cls, events: list[Event]) -> RunSummary:
        if not events or not isinstance(events[0].data, RunCreated):
            raise LedgerError("that run has no RunCreated event; see `ledger log` for what it has")
        c = events[0].data
        s = cls(id=events[0].run, op=c.op, kind=c.kind, proto=c.proto, batch=c.batch, host=c.host, pid=c.pid,
                pid_start=c.pid_start, boot_id=c.boot_id, created=events[0].ts)
        if c.params.get("stage"):
            s.status = "staged"
        s.pipeline = "steps" in c.params
        for ev in events[1:]:
            d = ev.data
            if isinstance(d, FlagSet):
                s.flags[d.name] = d.value
                s.origins[d.name] = d.origin
            elif isinstance(d, LabelSet):
                s.label = d.label
            elif isinstance(d, SourcecodeCopied):
                s.digest = d.digest
            elif isinstance(d, RunStopped):
                s.status = d.status
            elif isinstance(d, (RunDeleted, RunRestored)):
                s.deleted = isinstance(d, RunDeleted)
            elif isinstance(d, DependencyResolved):
                s.deps.append({"kind": d.kind, "name": d.name, "run": d.run, "how": d.how,
                               "files": [[f.path, f.sha256] for f in d.files]})  # fmt: skip
        # a dead owner (or one of another host or boot): terminated, not running
        s.status = stream_status(events)
        return s

    def head(self) -> dict[str, Any]:
        return {
            "run": self.id,
            "op": self.op,
            "kind": self.kind,
            "label": self.label,
            "status": self.status,
            "sourcecode_digest": self.digest,
            "deleted": self.deleted,
            "deps": self.deps,
        }


def changes(parent: RunSummary, child: RunSummary) -> dict[str, Any]:
    """What differs from `parent` to `child`."""
    out: dict[str, Any] = {}
    if parent.op != child.op:
        out["op"] = [parent.op, child.op]
    flags = {}
    for name in sorted(set(parent.flags) | set(child.flags)):
        old, new = parent.flags.get(name), child.flags.get(name)
        if old != new or name not in parent.flags or name not in child.flags:
            flags[name] = {"old": old, "new": new, "origin": child.origins.get(name)}
    if flags:
        out["flags"] = flags
    if parent.digest != child.digest:
        out["sourcecode_digest"] = [parent.digest, child.digest]
    if parent.label != child.label:
        out["label"] = [parent.label, child.label]
    return out


def ancestors(home: Home, run_id: str) -> list[dict[str, Any]]:
    """The run, then each run it was derived from, nearest first; each step
    with the relation to the one before and what changed."""
    summary = RunSummary.of(verified.stream(home.store, run_id))
    steps = [{**summary.head(), "relation": None, "changes": {}}]
    for _ in range(MAX_DEPTH):
        parent_id, relation = (summary.proto, "proto") if summary.proto else (summary.batch, "batch")
        if not parent_id:
            break
        parent = RunSummary.of(verified.stream(home.store, parent_id))
        if relation == "batch" and parent.pipeline:
            relation = "step"
        steps[-1]["relation"] = relation
        steps[-1]["parent"] = parent_id
        steps[-1]["changes"] = changes(parent, summary) if relation == "proto" else {}
        if relation == "batch":
            steps[-1]["trial_flags"] = {
                n: summary.flags[n] for n, o in summary.origins.items() if o in ("batch", "optimizer")
            }
        steps.append({**parent.head(), "relation": None, "changes": {}})
        summary = parent
    return steps


def descendants(home: Home, run_id: str) -> dict[str, Any]:
    """The tree of runs derived from this one (protos and trials)."""
    rows = listing(home, Filters()) + listing(home, Filters(deleted=True))
    children: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        for parent, relation in ((r.get("proto"), "proto"), (r.get("batch"), "batch")):
            if parent:
                children.setdefault(parent, []).append({**r, "relation": relation})

    def tree(rid: str, depth: int) -> list[dict[str, Any]]:
        if depth > MAX_DEPTH:
            return []
        kids = sorted(children.get(rid, []), key=lambda r: str(r.get("created")))
        # the children of a pipeline are its steps, not trials
        pipeline = any(k["relation"] == "batch" for k in kids) and RunSummary.of(home.store.stream(rid)).pipeline
        return [
            {
                "run": k["id"],
                "op": k["op"],
                "label": k.get("label") or "",
                "relation": "step" if pipeline and k["relation"] == "batch" else k["relation"],
                "status": k["status"],
                "children": tree(k["id"], depth + 1),
            }
            for k in kids
        ]

    root = RunSummary.of(verified.stream(home.store, run_id))
    return {**root.head(), "children": tree(run_id, 0)}


def _v(value: Any) -> str:
    return format_value(value)


def lineage_text(steps: list[dict[str, Any]]) -> str:
    lines = []
    for step in steps:
        deleted = ", deleted" if step["deleted"] else ""
        label = f"  {printable(step['label'])}" if step["label"] else ""
        lines.append(f"{step['run'][:8]}  {step['op']}  ({step['status']}{deleted}){label}")
        for dep in step.get("deps", ()):
            src = f"run {dep['run'][:8]}" if dep["run"] else "the project"
            files = ", ".join(f"{path} ({sha[:12]})" for path, sha in dep["files"])
            how = "linked" if dep["how"] == "link" else "copied"
            lines.append(f"  requires {dep['kind']} {dep['name']} from {src}, {how}: {files}")
        if not step["relation"]:
            continue
        rel = {"proto": "proto", "step": "step of pipeline"}.get(step["relation"], "trial of batch")
        lines.append(f"  <- {rel} {step['parent'][:8]}")
        ch = step["changes"]
        if "op" in ch:
            lines.append(f"     op: {ch['op'][0]} -> {ch['op'][1]}")
        for name, f in ch.get("flags", {}).items():
            lines.append(f"     {name}: {_v(f['old'])} -> {_v(f['new'])} ({f['origin']})")
        if "sourcecode_digest" in ch:
            old, new = ch["sourcecode_digest"]
            lines.append(f"     source: {old[:12]} -> {new[:12]}")
        elif step["relation"] == "proto":
            lines.append(f"     source: same ({step['sourcecode_digest'][:12]})")
        if "label" in ch:
            lines.append(f"     label: {ch['label'][0]!r} -> {ch['label'][1]!r}")
        for name, value in step.get("trial_flags", {}).items():
            lines.append(f"     {name} = {_v(value)} (chosen by the batch)")
    return "\n".join(lines)


def tree_text(node: dict[str, Any], indent: str = "") -> str:
    label = printable(node.get("label") or "")
    lines = [f"{indent}{node['run'][:8]}  {node['op']}  ({node['status']})  {label}".rstrip()]
    for child in node["children"]:
        rel = {"proto": "proto of", "step": "step of"}.get(child["relation"], "trial of")
        sub = tree_text(child, indent + "  ")
        first, _, rest = sub.partition("\n")
        lines.append(f"{first}  [{rel} {node['run'][:8]}]" + (f"\n{rest}" if rest else ""))
    return "\n".join(lines)


def diff_runs(home: Home, a: str, b: str) -> str:
    """Flags, source files (unified diff of changed ones) and attributes."""
    ea, eb = verified.stream(home.store, a), verified.stream(home.store, b)
    sa, sb = RunSummary.of(ea), RunSummary.of(eb)
    out = [f"--- {a[:8]} {sa.op}", f"+++ {b[:8]} {sb.op}"]
    ch = changes(sa, sb)
    for name, f in ch.get("flags", {}).items():
        out.append(f"flag {name}: {_v(f['old'])} -> {_v(f['new'])}")
    out += _metric_changes(home, ea, eb)
    files_a, files_b = _files(ea), _files(eb)
    for path in sorted(set(files_a) | set(files_b)):
        sha_a, sha_b = files_a.get(path), files_b.get(path)
        if sha_a == sha_b:
            continue
        old = _text(home, sha_a)
        new = _text(home, sha_b)
        out.extend(line.rstrip("\n") for line in difflib.unified_diff(old, new, f"{a[:8]}/{path}", f"{b[:8]}/{path}"))
    attrs_a, attrs_b = rundir.attrs(ea), rundir.attrs(eb)
    for name in sorted(set(attrs_a) | set(attrs_b)):
        if name in ("flags", "user_flags", "env") or attrs_a.get(name) == attrs_b.get(name):
            continue
        out.append(f"attr {name}: {_attr_text(attrs_a.get(name))} -> {_attr_text(attrs_b.get(name))}")
    return "\n".join(out)


def _metric_changes(home: Home, ea: list[Event], eb: list[Event]) -> list[str]:
    """`metric KEY: last (min, max) -> last (min, max)` for each metric that differs."""
    ma, mb = summarize(ea, verified.blob_reader(home.blobs)), summarize(eb, verified.blob_reader(home.blobs))

    def text(s) -> str:
        return "-" if s is None else f"{_v(s.last)} (step {s.step}; min {_v(s.min)}, max {_v(s.max)})"

    out = []
    for key in sorted(set(ma) | set(mb)):
        old, new = text(ma.get(key)), text(mb.get(key))
        if old != new:
            out.append(f"metric {key}: {old} -> {new}")
    return out


def _attr_text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, (dict, list)) else yamlish.scalar(value)


def _files(events: list[Event]) -> dict[str, str]:
    files: dict[str, str] = {}
    for ev in events:
        if isinstance(ev.data, SourcecodeCopied):
            files = {f.path: f.sha256 for f in ev.data.files}
    return files


def _text(home: Home, sha: str | None) -> list[str]:
    if sha is None:
        return []
    data = verified.read_blob(home.blobs, sha)
    if b"\0" in data[:1024]:
        return [f"(binary, sha256 {sha[:12]})\n"]
    return data.decode("utf-8", "replace").splitlines(keepends=True)
