"""ledger: experiment runs on an append-only, hash-chained event log."""

__version__ = "0.2.0"
