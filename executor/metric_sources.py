"""Points a run reports other than by printing: the logging API's spool and
TensorBoard event files.

Each source is polled by the recorder (executor/recorder.py) at every tick,
twenty times a second, and adds what is new to the points the recorder
gathers for it (`poll(points, final)`); they become one batch of the
source's `name` at each chunk. Reading as the run goes keeps the work off
the run's end. `final` is the last poll, after the process ended, which
reads everything left.
"""

from __future__ import annotations

import marshal
import os
import sys
import time

from ledger.projections.rundir import META
from ledger.scalar_columns import ScalarColumns
from ledger.tracking import COLUMNS

SPOOL_READ_BYTES = 16 << 20  # read per poll, so a recorder that fell behind catches up in bounded steps
TENSORBOARD_SCAN_SECONDS = 2.0
TENSORBOARD_PREFIX = "events.out.tfevents."


class ApiSpool:
    """The file that `ledger.log` writes to under `ledger run` (see
    ledger/tracking.py for its frames). Read from where the last poll
    stopped; a frame still being written waits for the next poll."""

    name = "api"

    def __init__(self, path: str) -> None:
        self.path = path
        self._offset = 0
        self._warned = False

    def poll(self, points: ScalarColumns, final: bool = False) -> None:
        while self._read(points, SPOOL_READ_BYTES) and final:
            pass

    def _read(self, points: ScalarColumns, limit: int) -> bool:
        """Add the whole frames of the next `limit` bytes; whether there were any."""
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self._offset)
                data = fh.read(limit)
        except FileNotFoundError:
            return False
        at = 0
        while at + 4 <= len(data):
            size = int.from_bytes(data[at : at + 4], "little")
            if at + 4 + size > len(data):
                if at == 0 and size + 4 > limit:
                    data = self._read_whole_frame(size)  # one frame bigger than a poll's read
                    continue
                break
            self._add_frame(points, data[at + 4 : at + 4 + size])
            at += 4 + size
        self._offset += at
        return at > 0

    def _read_whole_frame(self, size: int) -> bytes:
        with open(self.path, "rb") as fh:
            fh.seek(self._offset)
            return fh.read(4 + size)

    def _add_frame(self, points: ScalarColumns, body: bytes) -> None:
        try:
            frame = marshal.loads(body)
            if isinstance(frame, tuple) and frame[:1] == (COLUMNS,):
                points.add_columns(*frame[1:])
            else:  # a list of (time µs, step, {key: value}), as ledger 0.2.0 wrote
                points.add_frame(frame)
        except (ValueError, TypeError, EOFError, AttributeError, OverflowError):
            self._warn(f"ledger: points in {self.path} are damaged and were skipped")

    def _warn(self, message: str) -> None:
        if not self._warned:
            self._warned = True
            print(message, file=sys.stderr)

    def close(self) -> None:
        """The run ended and every point in the spool is recorded: the spool
        is a channel, not a record, so it goes."""
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


class TensorBoardFiles:
    """Scalars of the `events.out.tfevents.*` files anywhere in the run
    directory, read with the tensorboard package's event-file loader as
    they grow. Without that package, says once how to get it. With
    `read_before` (a run started again in its directory), files already
    there are not read: their points were recorded when they were written."""

    name = "tensorboard"

    def __init__(self, run_dir: str, read_before: bool = False) -> None:
        self.run_dir = run_dir
        self._loaders: dict[str, object] = {}
        self._before = frozenset(self._event_files()) if read_before else frozenset()
        self._last_scan = 0.0
        self._missing_said = False

    def poll(self, points: ScalarColumns, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self._last_scan < TENSORBOARD_SCAN_SECONDS:
            return
        self._last_scan = now
        paths = [p for p in self._event_files() if p not in self._before]
        if not paths:
            return
        loader_class = self._loader_class(len(paths))
        if loader_class is None:
            return
        for path in paths:
            loader = self._loaders.get(path)
            if loader is None:
                loader = self._loaders[path] = loader_class(path)
            _read_scalars(loader, points)

    def _event_files(self) -> list[str]:
        found = []
        for dirpath, dirnames, filenames in os.walk(self.run_dir):
            if dirpath == self.run_dir:
                dirnames[:] = [d for d in dirnames if d != META]
            dirnames.sort()
            found += [os.path.join(dirpath, n) for n in sorted(filenames) if n.startswith(TENSORBOARD_PREFIX)]
        return found

    def _loader_class(self, count: int):
        try:
            from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
        except ImportError:
            if not self._missing_said:
                self._missing_said = True
                print(
                    f"ledger: the run wrote {count} TensorBoard event file(s); their scalars are not recorded"
                    " without the tensorboard package: pip install 'ledger-ml[tensorboard]'",
                    file=sys.stderr,
                )
            return None
        return EventFileLoader

    def close(self) -> None:
        self._loaders.clear()


def _read_scalars(loader, points: ScalarColumns) -> None:
    """Add the scalar values of the events the loader has not read yet:
    `simple_value` (tensorboardX, PyTorch) or a scalar tensor (TF2, Keras)."""
    for event in loader.Load():
        if not event.HasField("summary"):
            continue
        time_us = int(event.wall_time * 1_000_000)
        for value in event.summary.value:
            kind = value.WhichOneof("value")
            if kind == "simple_value":
                number = value.simple_value
            elif kind == "tensor" and _is_scalar_tensor(value):
                from tensorboard.util import tensor_util

                number = float(tensor_util.make_ndarray(value.tensor).item())
            else:
                continue
            try:
                points.add(value.tag, event.step, number, time_us)
            except ValueError:
                continue


def _is_scalar_tensor(value) -> bool:
    plugin = value.metadata.plugin_data.plugin_name
    shape = value.tensor.tensor_shape
    return plugin in ("scalars", "") and not shape.dim and value.tensor.dtype in (1, 2, 3, 9, 19)  # float/int kinds
