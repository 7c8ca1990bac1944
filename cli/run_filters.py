"""The run filters every run-selecting command takes, declared once.

`@with_filters` on a command function adds Guild's filter options (-F, -Fo,
-Fl, -Ft, -Fc, -Fs, -Fd, the status flags) and `--where` to its options, and
hands the function one `filters: Filters` built from them.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, Optional

import typer

from ledger.projections.refs import Filters
from ledger.projections.run_conditions import RunConditions

_OPTIONS: dict[str, tuple[Any, Any]] = {
    "filter_exprs": (Optional[list[str]], typer.Option(
        None, "-F", "--filter", metavar="EXPR",
        help="Runs for which EXPR holds: comparisons of attributes, flags and scalars with and/or/not,"
        " is, in, contains, e.g. \"loss < 0.5 and op = train\". Repeatable (all must hold).",
    )),
    "filter_ops": (Optional[list[str]], typer.Option(
        None, "-Fo", "--filter-op", metavar="GLOB",
        help="Runs whose whole operation name matches GLOB (* any text, ? one character), e.g. 'train*'.",
    )),
    "filter_labels": (Optional[list[str]], typer.Option(
        None, "-Fl", "--filter-label", metavar="TEXT", help="Runs whose label contains TEXT, literally."
    )),
    "filter_tags": (Optional[list[str]], typer.Option(
        None, "-Ft", "--filter-tag", metavar="TAG", help="Runs tagged TAG; repeatable (any of them)."
    )),
    "filter_comments": (Optional[list[str]], typer.Option(
        None, "-Fc", "--filter-comment", metavar="TEXT",
        help="Runs with a comment (or its author) containing TEXT, in any case.",
    )),
    "filter_started": (Optional[str], typer.Option(
        None, "-Fs", "--started", metavar="RANGE",
        help="Runs started within RANGE: 'last 1 hour', today, 'this week', '2 days ago',"
        " 'after 2026-01-01', 'between 9:00 and 17:00' (local time).",
    )),
    "filter_digest": (Optional[str], typer.Option(
        None, "-Fd", "--filter-digest", metavar="SHA", help="Runs with this source code digest (a prefix)."
    )),
    "filter_where": (Optional[str], typer.Option(
        None, "--where", metavar="SQL",
        help="Runs for which this SQL condition holds, over the runs row (docs/tables.md) with any flag or"
        " scalar by name, e.g. \"lr > 0.01 AND status = 'completed'\".",
    )),
    "filter_running": (bool, typer.Option(False, "-R", "--running", help="Runs that are running.")),
    "filter_completed": (bool, typer.Option(False, "-C", "--completed", help="Runs that completed.")),
    "filter_error": (bool, typer.Option(False, "-E", "--error", help="Runs that failed.")),
    "filter_terminated": (bool, typer.Option(False, "-T", "--terminated", help="Runs that were stopped.")),
    "filter_staged": (bool, typer.Option(False, "-G", "--staged", help="Runs staged, not started.")),
}  # fmt: skip
_STATUSES = ("running", "completed", "error", "terminated", "staged")


def filters_of(values: dict[str, Any]) -> Filters:
    """The Filters the filter options' values ask for, checked: an
    expression or range that cannot be read fails here, before anything."""
    conditions = RunConditions(
        expressions=tuple(e for e in values["filter_exprs"] or () if e.strip()),  # Guild: an empty one keeps all
        tags=tuple(values["filter_tags"] or ()),
        comments=tuple(values["filter_comments"] or ()),
        started=values["filter_started"],
        where=values["filter_where"],
    )
    conditions.check()
    return Filters(
        ops=tuple(values["filter_ops"] or ()),
        labels=tuple(values["filter_labels"] or ()),
        digest=values["filter_digest"],
        statuses=tuple(status for status in _STATUSES if values[f"filter_{status}"]),
        conditions=conditions,
    )


def with_filters(command: Callable[..., Any]) -> Callable[..., Any]:
    """`command(..., filters: Filters)` as a command with the filter options."""
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name != "filters"]
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=kind)
        for name, (kind, option) in _OPTIONS.items()
    ]

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name in _OPTIONS}
        return command(*args, filters=filters_of(values), **kwargs)

    run.__signature__ = signature.replace(parameters=[  # type: ignore[attr-defined]
        *(p.replace(kind=inspect.Parameter.KEYWORD_ONLY) if p.kind is p.POSITIONAL_OR_KEYWORD else p for p in own),
        *added,
    ])  # fmt: skip
    run.__annotations__ = {p.name: p.annotation for p in [*own, *added]}
    return run
