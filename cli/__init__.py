"""ledger's command line (`ledger.cli.app`).

While the command line loads, Ctrl-C ends the process as the signal does,
quietly: a KeyboardInterrupt raised there would print a traceback of
half-imported modules. `app.main` gives Ctrl-C back to Python first thing.
"""

import signal

QUIET_WHILE_LOADING = False
try:
    # swap first, look after: getsignal's conversion to an enum is itself
    # slow enough for an early Ctrl-C to land in it
    _previous = signal.signal(signal.SIGINT, signal.SIG_DFL)
except ValueError:  # imported off the main thread: signals are not ours to set
    pass
else:
    if _previous is signal.default_int_handler:
        QUIET_WHILE_LOADING = True
    elif _previous is not None:  # a handler of whoever imported us: theirs to keep
        signal.signal(signal.SIGINT, _previous)
