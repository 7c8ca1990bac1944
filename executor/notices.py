"""ledger's own INFO lines on stderr while it runs something (a batch's
trials, a pipeline's steps), which `ledger run -q` leaves out. Warnings and
errors are always shown, and so is the run's own output."""

from __future__ import annotations

import sys

from ledger.executor import launch

_quiet = False


def set_quiet(quiet: bool) -> None:
    global _quiet
    _quiet = quiet


def info(message: str) -> None:
    if not _quiet:
        launch.to_terminal(sys.stderr, f"INFO: [ledger] {message}\n")
