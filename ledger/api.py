"""The Python API: `from ledger import api; api.sql("SELECT ...")`.

This facade is the one place `ledger` reaches up to `projections`, and only
when called: importing it loads nothing beyond `ledger` itself. It exists
because the issue's contract names it; the implementation lives with the
DuckDB projection.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def sql(statement: str, home: str | Path | None = None) -> Any:
    """A DuckDB relation over the run history (read-only); `.df()`, `.arrow()`
    and `.fetchall()` work as DuckDB's do."""
    from ledger.home import Home
    from ledger.projections.sql import sql as run

    return run(statement, Home(home) if home is not None else None)
