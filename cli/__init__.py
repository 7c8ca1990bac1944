"""ledger's command line (`ledger.cli.app`).

While the command line loads, Ctrl-C ends the process as the signal does,
quietly: a KeyboardInterrupt raised there would print a traceback of
half-imported modules. `app.main` gives Ctrl-C back to Python first thing.
"""

import signal

QUIET_WHILE_LOADING = False
try:
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        QUIET_WHILE_LOADING = True
except ValueError:  # imported off the main thread: signals are not ours to set
    pass
