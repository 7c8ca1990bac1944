"""Going on after the log lost its last events.

When the newest events are gone (a damaged last transaction set aside in a
quarantine file, a segment cut back), the log no longer reaches its tip
(`events/TIP`) and appends are refused: appending would fork the history.
Reads go on over what is left. `ledger repair` is the one way forward, and
only by the user's decision: it accepts the log as it is now as the new tip.

Nothing is deleted. The quarantined bytes stay beside the log, and the
acceptance itself is written first to `events/REPAIRS`, one JSON line per
repair (when, the tip given up, the tip accepted, the files set aside), so
that an audit sees that history was cut and where its remains are.
`verify --since` with a tip kept from before still fails, as it should.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ledger.home import Home
from ledger.store import REPAIRS
from ledger.tail import quarantined


@dataclass(frozen=True)
class Shortfall:
    """Where the log ends against the tip it recorded."""

    log_end: tuple[int, str]
    tip: tuple[int, str]
    quarantined: list[str]

    @property
    def lost(self) -> int:
        return self.tip[0] - self.log_end[0]


def shortfall(home: Home) -> Shortfall | None:
    """How far the log falls short of its tip; None when it reaches it."""
    store = home.store
    recorded = store.tip()
    if store.behind_tip is None or recorded is None:
        return None
    return Shortfall((store.last_seq, store.last_hash), recorded, quarantined(store.root))


def accept(home: Home, seen: Shortfall) -> Path:
    """Record the repair in events/REPAIRS, then make the log's end its tip;
    the index folded from the longer log is set aside, to be folded again.
    Refused when the log changed since `seen` was taken."""
    now = datetime.now(timezone.utc)
    entry = {
        "at": now.isoformat(timespec="seconds"),
        "tip_given_up": f"{seen.tip[0]}:{seen.tip[1]}",
        "tip_accepted": f"{seen.log_end[0]}:{seen.log_end[1]}",
        "quarantined": seen.quarantined,
    }
    home.store.accept_end(seen.log_end, seen.tip, json.dumps(entry, sort_keys=True))
    index = home.index_path
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    for path in (index, index.with_name(index.name + ".wal")):
        if path.exists():
            path.rename(path.with_name(path.name.replace("index.duckdb", f"index.duckdb.before-repair-{stamp}")))
    return home.store.root / REPAIRS


def repairs(root: Path) -> int:
    """How many repairs events/REPAIRS records."""
    try:
        return sum(1 for line in (root / REPAIRS).read_text(encoding="utf-8").splitlines() if line.strip())
    except FileNotFoundError:
        return 0
