"""A small YAML writer for run attributes.

Run attributes are YAML, as Guild's `.guild/attrs` are, written here rather
than by PyYAML, which stays off a run's import path. Attributes only ever
hold scalars, lists and maps, which this writes in block style that any
YAML reader loads back to the same values.
"""

from __future__ import annotations

import json
import re
from typing import Any

# words of safe characters, one space apart, none ending in ':' (a key)
_PLAIN = re.compile(r"[\w./][\w./@+=,:*-]*(?<!:)( [\w./@+=,:*-]+(?<!:))*\Z")
# what YAML 1.1 readers (PyYAML) resolve to numbers, times, dates or
# infinities instead of text
_NOT_TEXT = re.compile(
    r"[-+]?(\.[0-9]|[0-9])[0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?\Z"
    r"|[-+]?0[xob][0-9a-fA-F_]+\Z"
    r"|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?\Z"
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"|[-+]?\.(inf|nan)\Z",
    re.IGNORECASE,
)
# what YAML 1.1 readers resolve to booleans or null
_RESERVED = {"yes", "no", "true", "false", "on", "off", "null", "~"}


def plain(text: str) -> bool:
    """Whether `text` can be written unquoted and read back as the same string."""
    return bool(_PLAIN.match(text)) and text.lower() not in _RESERVED and not _NOT_TEXT.match(text)


def _escape_unprintable(text: str) -> str:
    """DEL, C1 (\\x85 breaks lines), U+2028/9, surrogates and U+FFFE/F as
    \\u escapes: YAML readers refuse them raw."""
    if text.isascii() and "\x7f" not in text:
        return text
    return "".join(f"\\u{ord(c):04x}" if _unprintable(ord(c)) else c for c in text)


def _unprintable(o: int) -> bool:
    return 0x7F <= o <= 0x9F or o in (0x2028, 0x2029, 0xFFFE, 0xFFFF) or 0xD800 <= o <= 0xDFFF


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        # YAML 1.1 floats need a dot: PyYAML reads `1e-05` as a string
        return text.replace("e", ".0e", 1) if "e" in text and "." not in text else text
    text = str(value)
    if plain(text):
        return text
    # JSON escapes the C0 controls; YAML also refuses DEL, C1 and the rest
    return _escape_unprintable(json.dumps(text, ensure_ascii=False))


def dump(value: Any) -> str:
    """The YAML text of `value`, ending in a newline."""
    return "\n".join(_lines(value, 0)) + "\n"


def _lines(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return [pad + "{}"]
        out = []
        for k, v in value.items():
            key = scalar(str(k))
            if isinstance(v, (dict, list, tuple)) and v:
                out.append(f"{pad}{key}:")
                out.extend(_lines(v, indent + 2))
            else:
                out.append(f"{pad}{key}: {_inline(v)}")
        return out
    if isinstance(value, (list, tuple)):
        if not value:
            return [pad + "[]"]
        out = []
        for v in value:
            if isinstance(v, (dict, list, tuple)) and v:
                sub = _lines(v, indent + 2)
                out.append(f"{pad}- {sub[0].lstrip()}")
                out.extend(sub[1:])
            else:
                out.append(f"{pad}- {_inline(v)}")
        return out
    return [pad + scalar(value)]


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, (list, tuple)):
        return "[]"
    return scalar(value)
