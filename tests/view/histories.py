"""Homes for the view's tests, written through the store's API the way the
executor writes runs: a big one (how the runs table scales) and helpers."""

from __future__ import annotations

import random

from ledger.events import FlagSet, LabelSet, NewEvent, RunCreated, RunStarted, RunStopped, ScalarLogged
from ledger.home import Home

OPDEF = {"name": "train", "objective": {"minimize": "loss"}}
TX_EVENTS = 5000  # events per append: real runs write a few, a generated history is quicker in big ones


def many_runs(home: Home, runs: int, seed: int = 1) -> dict:
    """`runs` completed runs of two operations, each with flags lr and
    layers, a label, and a loss; every 50th is an error. Returns
    facts the tests check against."""
    rng = random.Random(seed)
    pending: list[NewEvent] = []
    newest = None
    for i in range(runs):
        rid = f"{rng.getrandbits(128):032x}"
        op = "train" if i % 3 else "evaluate"
        lr = round(0.001 * (1 + i % 100), 4)
        pending += [
            NewEvent(rid, RunCreated(op=op, opdef=OPDEF, host="elsewhere", pid=1, random_seed=i)),
            NewEvent(rid, FlagSet("lr", lr, "user")),
            NewEvent(rid, FlagSet("layers", 1 + i % 7, "default")),
            NewEvent(rid, LabelSet(f"run {i} lr={lr}")),
            NewEvent(rid, RunStarted(argv=("python", "train.py"), pid=1)),
            NewEvent(rid, ScalarLogged("loss", 1.0 / (1 + i % 13), 0)),
            NewEvent(rid, RunStopped("error" if i % 50 == 0 else "completed", 1 if i % 50 == 0 else 0)),
        ]
        newest = rid
        if len(pending) >= TX_EVENTS:
            home.store.append(pending)
            pending = []
    if pending:
        home.store.append(pending)
    return {"runs": runs, "newest": newest}
