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
from ledger.limits import is_digits
from ledger.projections.index import connect
from ledger.projections.index_listing import count_runs, list_runs
from ledger.projections.run_conditions import RunConditions


@dataclass(frozen=True)
class Filters:
    """Which runs a listing or a run reference considers."""

    ops: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    digest: str | None = None
    statuses: tuple[str, ...] = ()
    deleted: bool | None = False  # True: the deleted runs; None: deleted or not
    conditions: RunConditions = field(default_factory=RunConditions)

    def kwargs(self) -> dict[str, Any]:
        return {
            "ops": list(self.ops) or None,
            "labels": list(self.labels) or None,
            "digest": self.digest,
            "statuses": list(self.statuses) or None,
            "deleted": self.deleted,
            "conditions": self.conditions or None,
        }

    @property
    def narrowing(self) -> bool:
        """Whether any filter leaves runs out (deleted only picks the side)."""
        return bool(self.ops or self.labels or self.digest or self.statuses or self.conditions)


def listing(
    home: Home,
    filters: Filters = Filters(),
    limit: int | None = None,
    offset: int = 0,
    *,
    flags: bool = True,
    con: Any = None,
) -> list[dict[str, Any]]:
    """The runs `ledger runs` shows, or the window `offset`, `limit` of
    them. Deleted runs (`-d`) are those that can still be restored: a purged
    run is gone from every listing, though an id prefix still finds it for
    `ledger log` and `ledger lineage`. flags=False leaves each run's `flags`
    out (see list_runs); `con` reuses an open index connection."""
    return list_runs(home, limit=limit, offset=offset, flags=flags, con=con, **_listed(filters))


def count(home: Home, filters: Filters = Filters(), *, con: Any = None) -> int:
    """How many runs `listing` holds: what a window leaves out."""
    return count_runs(home, con=con, **_listed(filters))


def _listed(filters: Filters) -> dict[str, Any]:
    return {**filters.kwargs(), "restorable": filters.deleted}


def is_full_id(ref: str) -> bool:
    return len(ref) == 32 and all(c in "0123456789abcdef" for c in ref)


def resolve(home: Home, ref: str | None, filters: Filters = Filters(), *, flags: bool = True) -> dict[str, Any]:
    """Exactly one run, or a RunRefError that says what matched (flags=False:
    without its `flags`, for callers that need only the id or status)."""
    if not ref:
        runs = listing(home, filters, limit=1, flags=flags)
    elif is_range(ref):
        raise RunRefError(
            f"{_shown(ref)} is a range of runs; give one run: an index from `ledger runs` or an id prefix"
        )
    else:
        runs = select(home, [ref], filters, flags=flags)
    if not runs:
        raise RunRefError("no runs match; see `ledger runs` (use -a to list every run)")
    return runs[0]


def resolve_id(home: Home, ref: str | None, filters: Filters = Filters()) -> str:
    """The id of the one run `ref` names (among those `filters` keep). A full
    id without filters is checked against the log's stream index, without
    opening the SQL index at all."""
    if ref and is_full_id(ref) and not filters.narrowing and home.store.version(ref) > 0:
        return ref
    return resolve(home, ref, filters, flags=False)["id"]


def select(
    home: Home, refs: list[str], filters: Filters = Filters(), *, flags: bool = True
) -> list[dict[str, Any]]:
    """The runs `refs` name, in the order named (all listed runs when none).

    Each reference asks the index for just the rows it names, so resolving
    one costs the same in a home of ten runs or of a hundred thousand."""
    con = connect(home)
    try:
        if not refs:
            return listing(home, filters, flags=flags, con=con)
        out = []
        for ref in refs:
            out.extend(_one(home, con, ref, filters, flags))
        return out
    finally:
        con.close()


def _one(home: Home, con: Any, ref: str, filters: Filters, flags: bool) -> list[dict[str, Any]]:
    if is_digits(ref) and len(ref) < 8:
        n = int(ref)
        rows = listing(home, filters, limit=1, offset=n - 1, flags=flags, con=con) if n >= 1 else []
        if not rows:
            listed = count(home, filters, con=con)
            raise RunRefError(f"there is no run [{n}]: {listed} run(s) listed; see `ledger runs`")
        return rows
    if is_range(ref):
        lo, _, hi = ref.partition(":")
        first = max(_index(lo or "1"), 1) - 1
        if hi and _index(hi) <= first:
            return []
        return listing(home, filters, _index(hi) - first if hi else None, first, flags=flags, con=con)
    ref = ref.lower()
    # a full id names the same run inside the filtered listing or not
    scopes = [None] if is_full_id(ref) else [filters, None]  # None: any run, deleted ones included
    for scope in scopes:
        where = {**(_listed(scope) if scope is not None else {"deleted": None}), "id_prefix": ref}
        matches = list_runs(home, limit=_AMBIGUOUS_SHOWN, flags=flags, con=con, **where)
        if len(matches) > 1:
            ids = ", ".join(r["id"][:12] for r in matches)
            total = count_runs(home, con=con, **where)
            raise RunRefError(f"{_shown(ref)} matches {total} runs ({ids}...); give more of the id")
        if matches:
            return matches
    raise RunRefError(f"no run matches {_shown(ref)}; see `ledger runs` for ids and indexes")


_AMBIGUOUS_SHOWN = 5  # ids an ambiguity error lists


def is_range(ref: str) -> bool:
    """`A:B`, `A:` or `:B`, listing indexes: several runs."""
    lo, colon, hi = ref.partition(":")
    return bool(colon) and (is_digits(lo) or not lo) and (is_digits(hi) or not hi)


def _index(text: str) -> int:
    """A listing index as typed; one beyond any listing stays a plain int
    (Python refuses to convert more than 4300 digits)."""
    return int(text) if len(text) <= 18 else 10**18


def _shown(ref: str) -> str:
    """A reference as an error quotes it: a long one cut short."""
    return repr(ref if len(ref) <= 40 else ref[:40] + "...")


def window(
    home: Home, filters: Filters = Filters(), limit: int | None = None, *, count_hidden: bool = True,
    flags: bool = True,
) -> tuple[list[dict[str, Any]], int]:
    """The newest `limit` runs of the listing (all of them when None) and
    how many older ones that leaves out (0 unless `count_hidden`). Older runs
    are counted only when the window is full: a listing of a hundred
    thousand runs fetches its twenty rows and one count."""
    con = connect(home)
    try:
        rows = listing(home, filters, limit, flags=flags, con=con)
        full = limit is not None and len(rows) == limit
        hidden = count(home, filters, con=con) - len(rows) if count_hidden and full else 0
    finally:
        con.close()
    return rows, hidden
