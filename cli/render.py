"""Plain, stable text for the terminal and for pipes."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ledger import jsonable
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
        ts = datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
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


def runs_listing(
    home: Any, filters: Any, *, all_: bool, limit: int | None, simple: bool, as_json: bool, comments: bool = False
) -> tuple[str, str]:
    """What `ledger runs` prints: the listing (stdout) and a note (stderr)
    on the older runs the default window of 20 leaves out; either may be
    empty. `comments` shows each run's comments under its line."""
    rows, note = runs_window(home, filters, all_=all_, limit=limit, flags=as_json)
    if as_json:
        return to_json(rows), ""
    if not comments:
        return runs_table(rows, simple), note
    from ledger.projections.index_listing import comments_of_runs

    notes = comments_of_runs(home, [r["id"] for r in rows])
    lines = []
    for row, line in zip(rows, runs_table(rows, simple).splitlines()):
        lines.append(line)
        for text, user, ts in notes.get(row["id"], []):
            lines += [printable(f"  {user or ''} {ts[:19].replace('T', ' ')} UTC".replace("   ", "  ")), ""]
            lines += [printable(f"    {part}") for part in text.splitlines() or [""]]
            lines.append("")
    return "\n".join(lines), note


def runs_window(
    home: Any, filters: Any, *, all_: bool, limit: int | None, flags: bool = False
) -> tuple[list[dict[str, Any]], str]:
    """The runs `ledger runs` lists and its note on those left out. `-a`
    lists every run, `-n N` the newest N (0: the default window of 20)."""
    from ledger.errors import LedgerError
    from ledger.projections.refs import window

    if limit is not None and limit < 0 and not all_:
        raise LedgerError(f"-n/--limit takes a number of runs, not {limit}")
    rows, hidden = window(home, filters, None if all_ else limit or 20, count_hidden=not limit, flags=flags)
    return rows, f"({hidden} older run(s) not shown; use -a to list all)" if hidden > 0 else ""


def selected(home: Any, row: dict[str, Any], *, path: bool, attr: str | None, short: bool = False) -> str:
    """What `ledger select` prints for a run it selected. `status`, `run_dir`
    and `id` are attributes too, as Guild's `select --attr` has them."""
    if attr in ("status", "run_dir", "id"):
        return {"status": row["status"], "run_dir": str(home.run_dir(row["id"])), "id": row["id"]}[attr]
    if attr:
        from ledger.executor.runinfo import attr_text

        return attr_text(home, row["id"], attr)
    if path:
        return str(home.run_dir(row["id"]))
    return row["id"][:8] if short else row["id"]
