"""ledger: experiment runs on an append-only, hash-chained event log.

`import ledger` stays cheap (a script's training process pays for it):
`ledger.log` and `ledger.log_metric` load their small stdlib-only module
(ledger.tracking) on first use.
"""

__version__ = "0.2.0"


def log(metrics, step=None):
    """Record metrics of the current run: `ledger.log({"loss": 0.1, "acc": 0.9}, step=5)`.
    Outside `ledger run` nothing is recorded (said once on stderr)."""
    from ledger.tracking import log as _log

    _log(metrics, step)


def log_metric(key, value, step=None):
    """Record one metric of the current run (MLflow's spelling)."""
    from ledger.tracking import log_metric as _log_metric

    _log_metric(key, value, step)
