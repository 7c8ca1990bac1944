"""ledger: experiment runs on an append-only, hash-chained event log.

`import ledger` stays cheap (a script's training process pays for it):
`ledger.log` and `ledger.log_metric` are those of ledger.tracking, a small
stdlib-only module loaded on their first use.
"""

__version__ = "0.2.0"

TYPE_CHECKING = False  # typing itself is not imported: a script that logs pays for every module
if TYPE_CHECKING:
    from ledger.tracking import log, log_metric

__all__ = ["__version__", "log", "log_metric"]


def __getattr__(name: str):
    # Bound into this module on first use, so a training loop's every call
    # is the function itself, not an import statement.
    if name in ("log", "log_metric"):
        from ledger import tracking

        value = getattr(tracking, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ledger' has no attribute {name!r}")
