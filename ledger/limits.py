"""The range of an integer the ledger stores, and how one is read from text.

Integers in events are folded into BIGINT columns and compared in SQL, so
whatever enters as an integer (a CLI option, a flag value, a step a script
prints) must fit in a signed 64-bit integer: checked where it enters, never
discovered later by a fold that can no longer read the home.
"""

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def fits_int64(n: int) -> bool:
    return INT64_MIN <= n <= INT64_MAX


def int64_bound(n: int) -> str:
    """The bound an out-of-range `n` passes, as a message says it."""
    return f"at least {INT64_MIN}" if n < INT64_MIN else f"at most {INT64_MAX}"


def is_digits(text: str) -> bool:
    """`text` is a whole number as a user types one: ASCII digits only.
    str.isdigit alone also takes "²" and other digits int() refuses, which
    would turn a typo into a traceback."""
    return text.isascii() and text.isdigit()
