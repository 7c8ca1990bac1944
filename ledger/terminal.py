"""Text from runs and users, made safe to show on a terminal.

A label, tag, flag value or SQL cell may hold a newline (which breaks a
table's rows), an escape sequence (which can set the terminal's title,
colours or cursor) or a bidirectional override (which makes text read as
something else). Tables and listings show each such character as an
escape instead: `\\n`, `\\x1b`, `\\u202e`.
"""

from __future__ import annotations

import re
import unicodedata

_SHOWN_AS = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# C0 and C1 controls, DEL, and the characters that reorder or break lines
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` with every control character written as an escape."""
    return _UNSAFE.sub(_escape, text)


def _escape(m: re.Match[str]) -> str:
    c = m.group()
    if c in _SHOWN_AS:
        return _SHOWN_AS[c]
    return f"\\x{ord(c):02x}" if ord(c) <= 0xFF else f"\\u{ord(c):04x}"


def width(text: str) -> int:
    """The cells `text` takes on a terminal: East Asian wide and full-width
    characters take two, combining marks none; so that plain tables line
    up in a pipe as on a terminal."""
    if text.isascii():
        return len(text)
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text
    )


def pad(text: str, cells: int, *, right: bool = False) -> str:
    """`text` padded with spaces to `cells` wide (on the left when `right`)."""
    fill = " " * max(cells - width(text), 0)
    return fill + text if right else text + fill
