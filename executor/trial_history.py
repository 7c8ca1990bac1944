"""What an optimizer learns from beyond its own batch: Guild's `prev-trials`
flag. `sourcecode` takes the completed runs of the operation with the same
source digest, `operation` every completed run of the operation; each gives
its searched flags and its last value of the objective."""

from __future__ import annotations

import json
from typing import Any

from ledger.executor.plan import RunSpec
from ledger.executor.values import is_space
from ledger.home import Home
from ledger.projections.index import connect


def earlier_trials(home: Home, spec: RunSpec, mode: str) -> list[tuple[dict, float]]:
    """(searched flags, objective to minimise) of each earlier run that
    `mode` (sourcecode or operation) admits and that logged the objective
    and every searched flag; maximised objectives are negated."""
    name, minimize = spec.opdef.minimize
    searched = [n for n, f in spec.flags.items() if is_space(f.value)]
    where = "r.op = ? AND r.status = 'completed' AND NOT r.deleted"
    args: list[Any] = [name, spec.op]
    if mode == "sourcecode":
        where += " AND r.sourcecode_digest = ?"
        args.append(spec.source.digest)
    con = connect(home)
    try:
        rows = con.execute(
            f"""SELECT r.id, (SELECT arg_max(s.value, (s.seq, s.ts, s.step)) FROM scalars s
                              WHERE s.run = r.id AND s.key = ?)
                FROM runs r WHERE {where}""",
            args,
        ).fetchall()
        flags = con.execute(
            "SELECT run, name, value FROM flags WHERE run IN (SELECT id FROM runs r WHERE " + where + ")",
            args[1:],
        ).fetchall()
    finally:
        con.close()
    by_run: dict[str, dict[str, Any]] = {}
    for run, fname, value in flags:
        by_run.setdefault(run, {})[fname] = json.loads(value) if isinstance(value, str) else value
    out = []
    for run, value in rows:
        values = by_run.get(run, {})
        if value is not None and all(n in values for n in searched):
            out.append(({n: values[n] for n in searched}, value if minimize else -value))
    return out
