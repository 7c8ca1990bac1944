"""Answers to "where did this run come from?": its log and its lineage."""

from __future__ import annotations

import json
from collections.abc import Iterator

from executor.render import gist
from ledger.home import Home


def log_lines(home: Home, run_id: str, as_json: bool = False) -> Iterator[str]:
    for ev in home.store.stream(run_id):
        if as_json:
            yield json.dumps(ev.to_dict(), sort_keys=True)
        else:
            cause = f" <- {ev.cause}" if ev.cause else ""
            yield f"{ev.seq:>6}  {ev.ts[:19].replace('T', ' ')}  {ev.type:<17} {gist(ev.data)}{cause}"
