"""Run references: a listing index (1 = newest), an id prefix, or a filter.

Indexes count in the listing the user sees (`ledger runs` with the same
filters), so `ledger select 3` is the third line of `ledger runs`. Id
prefixes also find deleted runs: their events are never lost, and a deleted
run can still be a proto.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledger.errors import RunRefError
from ledger.home import Home


@dataclass(frozen=True)
class Filters:
    ops: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    digest: str | None = None
    statuses: tuple[str, ...] = ()
    deleted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def kwargs(self) -> dict[str, Any]:
        return {
            "ops": list(self.ops) or None,
            "labels": list(self.labels) or None,
            "digest": self.digest,
            "statuses": list(self.statuses) or None,
            "deleted": self.deleted,
        }


def listing(home: Home, filters: Filters = Filters(), limit: int | None = None) -> list[dict[str, Any]]:
    """The runs `ledger runs` shows. Deleted runs (`-d`) are those that can
    still be restored: a purged run is gone from every listing, though an
    id prefix still finds it for `ledger log` and `ledger lineage`."""
    from projections.index import list_runs

    rows = list_runs(home, limit=limit, **filters.kwargs())
    if filters.deleted and rows:
        gone = _purged(home)
        rows = [r for r in rows if r["id"] not in gone]
    return rows


def _purged(home: Home) -> set[str]:
    from projections.index import connect

    con = connect(home)
    try:
        return {rid for (rid,) in con.execute("SELECT id FROM runs WHERE purged").fetchall()}
    finally:
        con.close()


def is_full_id(ref: str) -> bool:
    return len(ref) == 32 and all(c in "0123456789abcdef" for c in ref)


def resolve(home: Home, ref: str | None, filters: Filters = Filters()) -> dict[str, Any]:
    """Exactly one run, or a RunRefError that says what matched."""
    runs = select(home, [ref] if ref else [], filters)
    if not runs:
        raise RunRefError("no runs match; see `ledger runs` (use -a to list every run)")
    return runs[0]


def select(home: Home, refs: list[str], filters: Filters = Filters()) -> list[dict[str, Any]]:
    """The runs `refs` name, in the order named (all listed runs when none)."""
    rows = listing(home, filters)
    if not refs:
        return rows
    out = []
    for ref in refs:
        out.extend(_one(home, ref, rows, filters))
    return out


def _one(home: Home, ref: str, rows: list[dict[str, Any]], filters: Filters) -> list[dict[str, Any]]:
    if ref.isdigit() and len(ref) < 8:
        n = int(ref)
        if not 1 <= n <= len(rows):
            raise RunRefError(f"there is no run [{n}]: {len(rows)} run(s) listed; see `ledger runs`")
        return [rows[n - 1]]
    if ":" in ref:
        lo, _, hi = ref.partition(":")
        if (lo.isdigit() or not lo) and (hi.isdigit() or not hi):
            return rows[int(lo or 1) - 1 : int(hi) if hi else None]
    ref = ref.lower()
    matches = [r for r in rows if r["id"].startswith(ref)]
    if not matches:
        # outside the filtered listing: any run, deleted ones included
        from projections.index import list_runs

        everything = list_runs(home, deleted=False) + list_runs(home, deleted=True)
        matches = [r for r in everything if r["id"].startswith(ref)]
    if not matches:
        raise RunRefError(f"no run matches {ref!r}; see `ledger runs` for ids and indexes")
    if len(matches) > 1:
        ids = ", ".join(r["id"][:12] for r in matches[:5])
        raise RunRefError(f"{ref!r} matches {len(matches)} runs ({ids}...); give more of the id")
    return matches
