"""The Python API: `from ledger import api; api.sql("SELECT ...")`.

A facade over the DuckDB projection, where the implementation lives. It is
not imported by `import ledger`, so the core stays free of projections.
"""

from __future__ import annotations

import os
from typing import Any

from ledger.home import Home
from ledger.projections.sql import sql as run_sql


def sql(statement: str, home: str | os.PathLike[str] | None = None) -> Any:
    """A DuckDB relation over the run history (read-only); `.df()`, `.arrow()`
    and `.fetchall()` work as DuckDB's do."""
    return run_sql(statement, Home(home) if home is not None else None)
