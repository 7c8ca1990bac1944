"""Plain, stable text for the terminal and for pipes."""

from __future__ import annotations

from datetime import timezone
from typing import Any

from ledger import jsonable
from ledger.sealing import parse_ts
from ledger.terminal import pad, printable, width


def table(rows: list[list[str]], sep: str = "  ") -> str:
    """Columns padded to their widest cell; trailing blanks trimmed."""
    if not rows:
        return ""
    rows = [[printable(c) for c in r] for r in rows]
    widths = [max(width(r[i]) for r in rows if i < len(r)) for i in range(max(map(len, rows)))]
    return "\n".join(sep.join(pad(c, widths[i]) for i, c in enumerate(r)).rstrip() for r in rows)


def local_time(ts: Any) -> str:
    if not ts:
        return ""
    if isinstance(ts, str):
        ts = parse_ts(ts)
    elif ts.tzinfo is None:
        ts = ts.replace(tzinfo=timezone.utc)
    return ts.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def runs_cells(rows: list[dict[str, Any]], simple: bool) -> list[list[str]]:
    """The cells of `ledger runs`: [index(:id)], op, (started,) status, label."""
    out = []
    for i, r in enumerate(rows, 1):
        if simple:
            out.append([f"[{i}]", r["op"], r["status"], r.get("label") or ""])
        else:
            when = local_time(r.get("started") or r.get("created"))
            out.append([f"[{i}:{r['id'][:8]}]", r["op"], when, r["status"], r.get("label") or ""])
    return out


def runs_table(rows: list[dict[str, Any]], simple: bool) -> str:
    return table(runs_cells(rows, simple))


def to_json(value: Any) -> str:
    return jsonable.dumps(value, indent=2, sort_keys=True)
