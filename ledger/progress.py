"""Progress of a whole-history operation (verify, rebuild, indexing a big
log), shown on stderr when it is a terminal and only once the operation has
taken a few seconds: quick commands and piped output never see it."""

from __future__ import annotations

import sys
import time
from typing import Any

DELAY = 2.0  # seconds before a bar appears


class Progress:
    def __init__(self, what: str, total: int, unit: str) -> None:
        self.what = what
        self.total = max(total, 0)
        self.unit = unit
        self._started = time.monotonic()
        self._shown = sys.stderr.isatty()
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        return self

    def advance_to(self, done: int) -> None:
        if not self._shown or time.monotonic() - self._started < DELAY:
            return
        if self._bar is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as Bar

            self._bar = Bar(
                TextColumn(f"{self.what}"), BarColumn(), MofNCompleteColumn(), TextColumn(self.unit),
                TimeRemainingColumn(), console=Console(stderr=True), transient=True,
            )  # fmt: skip
            self._bar.start()
            self._task = self._bar.add_task(self.what, total=self.total or None)
        self._bar.update(self._task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
