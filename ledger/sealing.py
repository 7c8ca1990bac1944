"""How an event becomes a sealed line of the log, and how a line is proven.

A line is the event's canonical JSON (sorted keys, no spaces, UTF-8, no
NaN) with its hash appended as the last key: the sha256 of the canonical
body without it. The body names the previous line's hash (`prev`), so each
line seals the whole history before it; GENESIS stands before the first.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from hashlib import sha256
from typing import Any

from ledger.errors import CorruptLogError

GENESIS = "0" * 64

# one encoder for every line: json.dumps with options builds a new one per call
_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def canonical(obj: Any) -> str:
    return _encode(obj)


def seal_line(body: dict[str, Any]) -> tuple[str, str]:
    """The stored line for an envelope without `hash`, and that hash.

    The hash is over the canonical body; the line is that body with the hash
    appended as its last key, so one serialisation serves both."""
    text = canonical(body)
    digest = sha256(text.encode()).hexdigest()
    return f'{text[:-1]},"hash":"{digest}"}}\n', digest


def check_line(line: bytes) -> dict[str, Any]:
    """Parse one stored line, proving it is byte-for-byte what was sealed."""
    try:
        raw = json.loads(line)
        digest = raw.pop("hash")
        expected, real = seal_line(raw)  # ValueError too: NaN or a lone surrogate cannot be sealed
    except (ValueError, KeyError, TypeError, AttributeError):
        raise CorruptLogError("line is not a sealed event") from None
    if real != digest or expected.encode() != line:
        raise CorruptLogError("hash does not match the event's bytes")
    raw["hash"] = digest
    return raw


def now_ts() -> str:
    """Now, UTC, in the envelope's `ts` format (`2026-11-26T04:00:00.123456Z`)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_ts(ts: str) -> datetime:
    """An envelope's `ts` as an aware UTC datetime; ValueError if it is not one.
    (fromisoformat, not strptime: strptime's first call costs a run a few ms of imports.)"""
    if not ts.endswith("Z"):
        raise ValueError(f"not a UTC time stamp: {ts!r}")
    return datetime.fromisoformat(ts[:-1]).replace(tzinfo=timezone.utc)
