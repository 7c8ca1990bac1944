"""How values look on a page and in JSON: times, durations, numbers, ids."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ledger.jsonable import jsonable


def when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return "" if value is None else str(value)[:19].replace("T", " ")


def duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}"


def number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def size(n: int | None) -> str:
    if n is None:
        return ""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(n)


def short(run_id: str | None) -> str:
    return (run_id or "")[:8]


def install(env: Any) -> None:
    env.filters.update(when=when, duration=duration, number=number, size=size, short=short, jsonable=jsonable)
