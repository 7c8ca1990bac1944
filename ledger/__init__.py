"""ledger: experiment runs on an append-only, hash-chained event log.

`ledger.log` and `ledger.log_metric` record metrics from a run's own code
(see ledger.tracking, which imports the standard library only: a script
that logs pays for nothing heavy).
"""

from ledger.tracking import log, log_metric

__version__ = "0.2.0"

__all__ = ["__version__", "log", "log_metric"]
