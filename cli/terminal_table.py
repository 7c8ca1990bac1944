"""Tables for a person at a terminal: fitted to its width, floats rounded for
reading, statuses in colour (NO_COLOR and TERM=dumb honoured), wide
characters measured as they display. Piped or redirected, every command
prints its plain, stable text instead (full precision, never cut), so what
a script reads does not depend on the terminal it ran in."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Sequence
from decimal import Decimal
from typing import IO, Any

from ledger.projections.sql import cell_text
from ledger.terminal import printable

STATUS_STYLES = {
    "completed": "green",
    "error": "red",
    "running": "yellow",
    "terminated": "magenta",
    "staged": "cyan",
    "pending": "cyan",
}
SIGNIFICANT = 6  # digits a displayed float keeps; --csv and --json keep every digit
MIN_SHRUNK = 8  # a column cut to fit the terminal keeps at least this many cells
_RUN = re.compile(r"(\[\d+:)?[0-9a-f]{8,32}\]?")  # a run's id or `ledger runs` reference
_TIME = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d")  # a started/stopped time, read whole


def on_terminal(stream: IO[str] | None = None) -> bool:
    stream = stream or sys.stdout
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream is no terminal
        return False


def shown(value: Any) -> str:
    """A cell as a person reads it: as the plain table writes it, but for
    finite numbers with a fraction, which are rounded."""
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and math.isfinite(value):
        return format(value, f".{SIGNIFICANT}g")
    return cell_text(value)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def fitted_widths(natural: list[int], kept: list[bool], available: int, gap: int = 2) -> list[int]:
    """Column widths that fit `available` cells: the widest text columns
    (labels, long flags) give way first, down to MIN_SHRUNK; the `kept` ones
    (ids, numbers, statuses, times) are never cut. Where that is not enough,
    the columns on the right are left out: their widths come back as 0."""
    widths = list(natural)
    excess = sum(widths) + gap * (len(widths) - 1) - available
    while excess > 0:
        candidates = [i for i, w in enumerate(widths) if not kept[i] and w > MIN_SHRUNK]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: widths[i])
        target = max(MIN_SHRUNK, widths[widest] - excess)
        excess -= widths[widest] - target
        widths[widest] = target
    shown_count = len(widths)
    while excess > 0 and shown_count > 1:
        shown_count -= 1
        excess -= widths[shown_count] + gap
        widths[shown_count] = 0
    return widths


def _kept(rows: Sequence[Sequence[Any]], cells: list[list[str]], i: int, status_column: int | None) -> bool:
    """Whether column `i` is one a person reads whole: run ids, numbers,
    the status and times."""
    if i == status_column:
        return True
    values = [r[i] for r in rows if i < len(r) and r[i] is not None]
    if values and all(is_number(v) for v in values):
        return True
    texts = [c[i] for c in cells if i < len(c) and c[i]]
    return bool(texts) and (all(_TIME.match(t) for t in texts) or all(_RUN.fullmatch(t) for t in texts))


def print_table(
    rows: Sequence[Sequence[Any]],
    headers: Sequence[str] | None = None,
    *,
    status_column: int | None = None,
    stream: IO[str] | None = None,
) -> None:
    """`rows` as a table fitted to the terminal: the widest text columns are
    cut with an ellipsis when it is too narrow, numbers right-aligned."""
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=stream or sys.stdout, highlight=False, soft_wrap=False)
    count = max([len(headers or ()), *(len(r) for r in rows)])
    titles = [headers[i] if headers is not None and i < len(headers) else "" for i in range(count)]
    cells = [[printable(shown(v)) for v in row] for row in rows]
    cells = [c + [""] * (count - len(c)) for c in cells]
    numeric = [bool(rows) and all(i >= len(r) or r[i] is None or is_number(r[i]) for r in rows) for i in range(count)]
    natural = [max([cell_len(titles[i]), *(cell_len(c[i]) for c in cells)]) for i in range(count)]
    if status_column is None and "status" in titles:
        status_column = titles.index("status")
    kept = [_kept(rows, cells, i, status_column) for i in range(count)]
    widths = fitted_widths(natural, kept, console.width)
    shown_columns = [i for i in range(count) if widths[i] > 0]
    table = Table(box=None, show_header=headers is not None, header_style="bold", pad_edge=False,
                  padding=(0, 2, 0, 0), collapse_padding=True)  # fmt: skip
    for i in shown_columns:
        table.add_column(titles[i], justify="right" if numeric[i] else "left", overflow="ellipsis", no_wrap=True,
                         width=widths[i])  # fmt: skip
    for row, texts in zip(rows, cells):
        # Text, not markup: a label like "[red]" is shown as typed
        table.add_row(*(
            Text(texts[i], style=STATUS_STYLES.get(str(row[i]), "") if i == status_column and i < len(row) else "")
            for i in shown_columns
        ))  # fmt: skip
    console.print(table)
    left_out = [titles[i] for i in range(count) if widths[i] == 0]
    if left_out:
        names = f": {', '.join(left_out)}" if all(left_out) else ""
        print(f"({len(left_out)} more column(s) do not fit the terminal{names}; widen it or pipe the output to see"
              " them)", file=sys.stderr)  # fmt: skip
