"""Runs' scalars as TensorBoard event files: one sub-folder per run, named
by its short id and label, with every point at its step and wall time.

Writing needs the tensorboard package (the `tensorboard` extra); the points
come from the `scalars` table, in the order they were recorded.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ledger.errors import LedgerError
from ledger.home import Home
from ledger.projections.index import connect
from ledger.projections.refs import Filters, select

if TYPE_CHECKING:
    from ledger.projections.refs import Filters

_UNSAFE = re.compile(r"[^A-Za-z0-9._=+,-]+")


def run_folder(run_id: str, label: str | None) -> str:
    """`ab12cd34` or `ab12cd34 lr=0.1` made safe as one folder name."""
    name = run_id[:8] + (f" {label}" if label else "")
    return _UNSAFE.sub("_", name).strip("_")[:120]


def export(home: Home, refs: Sequence[str], logdir: str, filters: Filters | None = None) -> list[tuple[str, str, int]]:
    """Write the scalars of the runs `refs` selects among those `filters`
    keep (all live runs when none) under `logdir`; returns (run id, folder,
    points) for each run."""
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError:
        raise LedgerError(
            "writing TensorBoard files needs the tensorboard package: pip install 'ledger-ml[tensorboard]'"
        ) from None
    runs = select(home, list(refs), filters or Filters(), flags=False)
    con = connect(home)
    out = []
    try:
        for run in runs:
            folder = os.path.join(logdir, run_folder(run["id"], run.get("label")))
            os.makedirs(folder, exist_ok=True)
            writer = EventFileWriter(folder)
            count = 0
            cursor = con.execute(
                "SELECT key, step, value, epoch_us(ts) FROM scalars WHERE run = ? ORDER BY seq, ts, step", [run["id"]]
            )
            while rows := cursor.fetchmany(10_000):
                for key, step, value, micros in rows:
                    summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=key, simple_value=value)])
                    wall = micros / 1e6 if micros is not None else 0.0
                    writer.add_event(event_pb2.Event(wall_time=wall, step=step or 0, summary=summary))
                    count += 1
            writer.close()
            out.append((run["id"], folder, count))
    finally:
        con.close()
    return out
