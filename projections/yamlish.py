"""A small YAML writer for run attributes.

Run attributes are YAML, as Guild's `.guild/attrs` are, but PyYAML costs
more to import than a whole `ledger run` may spend; attributes only ever
hold scalars, lists and maps, which this writes in block style that any
YAML reader loads back to the same values.
"""

from __future__ import annotations

import json

TYPE_CHECKING = False
if TYPE_CHECKING:  # importing typing is a cost on every run's start-up
    from typing import Any

# The rules, as regular expressions (compiling them on import cost a run
# more than a millisecond; the checks below do the same by hand, and a test
# holds them to these):
# - words of safe characters, one space apart, none ending in ':' (a key)
PLAIN_PATTERN = r"[\w./][\w./@+=,:*-]*(?<!:)( [\w./@+=,:*-]+(?<!:))*\Z"
# - what YAML 1.1 readers (PyYAML) resolve to numbers, times, dates or
#   infinities instead of text (case-insensitive)
NOT_TEXT_PATTERN = (
    r"[-+]?(\.[0-9]|[0-9])[0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?\Z"
    r"|[-+]?0[xob][0-9a-fA-F_]+\Z"
    r"|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?\Z"
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"|[-+]?\.(inf|nan)\Z"
)
# - what YAML 1.1 readers resolve to booleans or null
_RESERVED = {"yes", "no", "true", "false", "on", "off", "null", "~"}
_WORD_EXTRA = frozenset("./@+=,:*-_")  # besides letters and digits (regex \w)
_NUMERIC = frozenset("0123456789_.eE+-:")
_DIGITS = "0123456789"
_not_text = None  # NOT_TEXT_PATTERN compiled, when first needed


def plain(text: str) -> bool:
    """Whether `text` can be written unquoted and read back as the same string."""
    return _plain_words(text) and text.lower() not in _RESERVED and not _resolves(text)


def _plain_words(text: str) -> bool:
    """PLAIN_PATTERN matches `text`."""
    if not text or not (text[0].isalnum() or text[0] in "./_"):
        return False
    for word in text.split(" "):
        if not word or word[-1] == ":" or not all(c.isalnum() or c in _WORD_EXTRA for c in word):
            return False
    return True


def _resolves(text: str) -> bool:
    """NOT_TEXT_PATTERN matches `text`. The pattern is only compiled for
    text that starts like a number and has only a number's characters (or
    a date's start): ids, paths and words never need it."""
    global _not_text
    body = text[1:] if text[:1] in ("+", "-") else text
    if not body or body[0] not in "0123456789.":
        return False
    date = all(c in _DIGITS for c in text[:4]) and text[4:5] == "-"
    if not (date or set(body) <= _NUMERIC or body[:2].lower() in ("0x", "0o", "0b")
            or body.lower() in (".inf", ".nan")):  # fmt: skip
        return False
    if _not_text is None:
        import re

        _not_text = re.compile(NOT_TEXT_PATTERN, re.IGNORECASE)
    return _not_text.match(text) is not None


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
