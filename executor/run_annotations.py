"""Tags, comments and batch labels given on `ledger run` (`-t`, `-c`,
`--batch-label`, `--batch-tag`, `--batch-comment`).

They are recorded in the run's first transaction as the same events
`ledger tag` and `ledger comment` append, so listings, `select --attr tags`
and SQL see them as any other. As in Guild, `-t`/`-c` go to the run (to each
trial of a batch) and the `--batch-*` options to a batch's own run; the
`--batch-*` options do nothing for a run that is not a batch.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ledger.errors import LedgerError
from ledger.executor.flags import render_label
from ledger.executor.plan import RunSpec


@dataclass(frozen=True)
class Annotations:
    """Tags and a comment given on the command line, for the run to be started."""

    tags: tuple[str, ...] = ()
    comment: str | None = None

    def check(self, option: str) -> None:
        if any(not t.strip() for t in self.tags):
            raise LedgerError(f"a tag cannot be empty; give its text, e.g. {option} baseline")
        if self.comment is not None and not self.comment.strip():
            raise LedgerError("the comment is empty: give its text, or leave the option out")

    def apply(self, spec: RunSpec) -> RunSpec:
        if not self.tags and self.comment is None:
            return spec
        return replace(spec, tags=(*spec.tags, *self.tags), comment=self.comment or spec.comment)


def of_run(opts: Any) -> Annotations:
    """The run's (or each trial's) annotations (`opts` is runner.Options)."""
    found = Annotations(tuple(opts.tags), opts.comment)
    found.check("-t")
    return found


def of_batch(opts: Any) -> Annotations:
    found = Annotations(tuple(opts.batch_tags), opts.batch_comment)
    found.check("--batch-tag")
    return found


def batch_spec(spec: RunSpec, opts: Any) -> RunSpec:
    """A batch's own run with its `--batch-*` label, tags and comment; the
    label is a template over the batch's flags (its optimizer's), as -l is
    over a run's."""
    spec = of_batch(opts).apply(spec)
    if opts.batch_label is None:
        return spec
    label = render_label(opts.batch_label, spec.flag_values)
    return replace(spec, label=label, params={**spec.params, "batch_label": opts.batch_label})
