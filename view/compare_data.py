"""The compare page: runs side by side, as `ledger compare` lists them,
plus what the charts need: curves, each flag against the objective, and
the flags that differ."""

from __future__ import annotations

import json
from typing import Any

from ledger.projections.compare import compare_rows
from ledger.view.reader import IndexReader
from ledger.view.run_data import NotFound, query, resolve, scalar_series

MAX_RUNS = 500


def selected_ids(db: IndexReader, refs: list[str], batch: str | None) -> list[str]:
    """The runs to compare: the references given (comma-separated or
    repeated), else the trials of `batch`."""
    ids: list[str] = []
    for ref in refs:
        ids += [resolve(db, part.strip()) for part in ref.split(",") if part.strip()]
    if batch:
        batch_id = resolve(db, batch)
        ids += [r["trial"] for r in query(db, 'SELECT trial FROM trials WHERE batch = $b ORDER BY "index"',
                                          {"b": batch_id})]  # fmt: skip
    return list(dict.fromkeys(ids))[:MAX_RUNS]


def objective_of(opdef_json: str | None) -> tuple[str, str]:
    """(key, "minimize" | "maximize") from an opdef's objective; `loss`,
    minimised, when it names none (as the optimizers assume)."""
    try:
        objective = (json.loads(opdef_json) or {}).get("objective") if opdef_json else None
    except (ValueError, AttributeError):
        objective = None
    if isinstance(objective, dict) and len(objective) == 1:
        (direction, key), = objective.items()
        if direction in ("minimize", "maximize") and isinstance(key, str):
            return key, direction
    if isinstance(objective, str) and objective:
        return (objective[1:], "maximize") if objective.startswith("-") else (objective, "minimize")
    return "loss", "minimize"


def compare_data(db: IndexReader, ids: list[str]) -> dict[str, Any]:
    if not ids:
        raise NotFound("choose runs to compare: tick them in the runs table, or open a batch's trials")
    headers, rows = compare_rows(db.home, ids)
    picked = {"ids": ids}
    runs = query(db, """SELECT id, op, status, label, opdef::VARCHAR AS opdef FROM runs
                          WHERE id IN (SELECT unnest($ids::VARCHAR[]))""", picked)  # fmt: skip
    by_id = {r["id"]: r for r in runs}
    key, direction = objective_of(next((by_id[i]["opdef"] for i in ids if i in by_id), None))
    flags: dict[str, dict[str, Any]] = {i: {} for i in ids}
    numeric: dict[str, bool] = {}
    for r in query(db, """SELECT run, name, value_text, value_num FROM flags
                            WHERE run IN (SELECT unnest($ids::VARCHAR[])) ORDER BY name""", picked):  # fmt: skip
        flags[r["run"]][r["name"]] = r["value_num"] if r["value_num"] is not None else r["value_text"]
        numeric[r["name"]] = numeric.get(r["name"], True) and r["value_num"] is not None
    names = sorted(numeric)
    differing = [n for n in names if len({json.dumps(flags[i].get(n)) for i in ids}) > 1]
    last: dict[str, dict[str, float]] = {i: {} for i in ids}
    for r in query(db, """SELECT run, key, arg_max(value, (seq, ts, step)) AS v FROM scalars
                            WHERE run IN (SELECT unnest($ids::VARCHAR[])) GROUP BY run, key""", picked):  # fmt: skip
        last[r["run"]][r["key"]] = r["v"]
    metric_keys = sorted({k for m in last.values() for k in m})
    series = scalar_series(db, ids)
    return {
        "ids": ids,
        "runs": [{"id": i, "op": by_id.get(i, {}).get("op"), "status": by_id.get(i, {}).get("status"),
                  "label": by_id.get(i, {}).get("label"), "flags": flags[i], "metrics": last[i]} for i in ids],
        "table": {"headers": headers, "rows": rows},
        "objective": {"key": key, "direction": direction},
        "flag_names": names,
        "numeric_flags": [n for n in names if numeric[n]],
        "differing_flags": differing,
        "metric_keys": metric_keys,
        "series": series,
    }  # fmt: skip
