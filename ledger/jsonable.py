"""Values as strict JSON takes them, for every `--json` output and the view's API.

JSON has no spelling for NaN or the infinities (Python's `json` writes the
non-standard `NaN`, which `jq`, browsers and most parsers reject), so they
become null. Times become ISO 8601 text with their zone, durations seconds.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any


def jsonable(value: Any) -> Any:
    """`value` with only JSON's types."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def dumps(value: Any, **options: Any) -> str:
    """Strict JSON text of `value` (never NaN)."""
    return json.dumps(jsonable(value), allow_nan=False, **options)
