"""The `ledger` console script, and `python -m ledger`.

A command's first moments make some hundred thousand objects that live
until the process ends: Typer's, and those of the modules of the command
being run (classes, functions, their code). Python's cyclic collector would
walk them again and again while they are made, and once more at exit:
about 20 ms of a `ledger run` of 180 (bench/bench_run.py). So the collector
rests while the command loads; what was loaded is then set aside for good
(gc.freeze), and the collector watches only what the command itself makes.
"""

from __future__ import annotations

import contextlib
import gc
import sys


def entry() -> None:
    """Run `ledger` with the process's arguments and exit with its code."""
    gc.disable()
    from ledger.cli import app  # loading it is much of what the collector rests for

    name = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    if name is not None:
        # a name that is no command loads nothing, and a command that cannot
        # load fails again in main, which says why as it does for any command
        with contextlib.suppress(Exception):
            app.load_command(name)
    gc.freeze()
    gc.enable()
    sys.exit(app.main())
