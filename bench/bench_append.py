"""Durable append throughput of the event store, one process.

Targets (from the store's contract): >= 20,000 events/s appended in
transactions of 10, and >= 2,000 single-event transactions/s, every append
fsynced before it returns. Each figure is the median of several runs on a
fresh store in a temporary folder (on the same disk as $TMPDIR).

    python bench/bench_append.py [--runs 7] [--appends 1000] [--dir PATH]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import interleaved, report  # noqa: E402
from ledger.events import NewEvent, ScalarLogged  # noqa: E402
from ledger.store import EventStore  # noqa: E402


class _Case:
    """Appends `appends` transactions of `size` events to a fresh store."""

    def __init__(self, base: Path, name: str, size: int, appends: int) -> None:
        self.root = base / name
        self.appends = appends
        # what a run's output parser produces: one scalar per event
        run = "3f2a9c1e0b7d4e58a6c1f0e2d3b4a5c6"
        self.batch = [NewEvent(run, ScalarLogged("loss", 0.25 + i, i)) for i in range(size)]
        self.store: EventStore | None = None

    def setup(self) -> None:
        if self.store is not None:
            self.store.close()
        shutil.rmtree(self.root, ignore_errors=True)
        self.store = EventStore(self.root / "events")
        self.store.append(self.batch)  # the first append creates the segment: not what we measure

    def run(self) -> None:
        append, batch = self.store.append, self.batch
        for _ in range(self.appends):
            append(batch)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--appends", type=int, default=1000, help="transactions per run")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the stores (default: a temp dir)")
    args = parser.parse_args(argv)
    base = Path(tempfile.mkdtemp(prefix="ledger-bench-", dir=args.dir))
    try:
        tx10 = _Case(base, "tx10", 10, args.appends)
        tx1 = _Case(base, "tx1", 1, args.appends)
        secs = interleaved({"tx10": (tx10.run, tx10.setup), "tx1": (tx1.run, tx1.setup)}, args.runs)
        print(f"durable appends, one process, median of {args.runs} runs of {args.appends} transactions ({base})")
        ok = report("events/s in transactions of 10", 10 * args.appends / secs["tx10"], "events/s", 20_000)
        ok &= report("single-event transactions/s", args.appends / secs["tx1"], "tx/s", 2_000)
        return 0 if ok else 1
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
