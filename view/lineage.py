"""The lineage of a run as a drawn graph: its ancestors (protos and the
batch that spawned it) to the left, the run, and what was derived from it
(protos of it, a batch's trials) to the right, one column per generation.

The positions are computed here and drawn as SVG by the template, so the
graph needs no script and every node is a plain link.
"""

from __future__ import annotations

from typing import Any

from ledger.view.reader import IndexReader
from ledger.view.run_data import query

MAX_NODES = 300  # a batch of thousands of trials shows its first ones and says how many are left out
NODE_W, NODE_H, COL_GAP, ROW_GAP, PAD = 190, 44, 70, 14, 10


def lineage_graph(db: IndexReader, run_id: str) -> dict[str, Any]:
    """{"nodes": [...], "edges": [...], "width", "height", "omitted"}: each
    node has id, op, status, label, level (0 = this run, -1 its parent, 1
    its children...) and x, y; each edge from, to, relation and its ends."""
    ids = {"id": run_id}
    levels: dict[str, int] = {run_id: 0}
    for r in query(db, "SELECT ancestor, depth FROM lineage WHERE run = $id ORDER BY depth", ids):
        levels.setdefault(r["ancestor"], -r["depth"])
    below = query(db, f"""SELECT run, min(depth) AS depth FROM lineage WHERE ancestor = $id
                           GROUP BY run ORDER BY depth, run LIMIT {MAX_NODES}""", ids)  # fmt: skip
    total_below = query(db, "SELECT count(DISTINCT run) AS n FROM lineage WHERE ancestor = $id", ids)[0]["n"]
    for r in below:
        levels.setdefault(r["run"], r["depth"])
    rows = query(db, """SELECT id, op, status, label, proto, batch, seq, deleted FROM runs
                          WHERE id IN (SELECT unnest($ids::VARCHAR[])) ORDER BY seq""",
                 {"ids": list(levels)})  # fmt: skip
    nodes = {r["id"]: {**r, "level": levels[r["id"]], "current": r["id"] == run_id} for r in rows}
    columns: dict[int, list[dict]] = {}
    for node in nodes.values():
        columns.setdefault(node["level"], []).append(node)
    first = min(columns)
    for level, members in columns.items():
        for row, node in enumerate(members):
            node["x"] = PAD + (level - first) * (NODE_W + COL_GAP)
            node["y"] = PAD + row * (NODE_H + ROW_GAP)
    edges = []
    for node in nodes.values():
        for parent, relation in ((node["proto"], "proto"), (node["batch"], "trial")):
            if parent in nodes:
                p = nodes[parent]
                edges.append({
                    "from": parent, "to": node["id"], "relation": relation,
                    "x1": p["x"] + NODE_W, "y1": p["y"] + NODE_H / 2, "x2": node["x"], "y2": node["y"] + NODE_H / 2,
                })  # fmt: skip
    width = PAD * 2 + len(columns) * NODE_W + (len(columns) - 1) * COL_GAP
    tallest = max(len(m) for m in columns.values())
    height = PAD * 2 + tallest * NODE_H + (tallest - 1) * ROW_GAP
    ordered = sorted(nodes.values(), key=lambda n: (n["level"], n["y"]))
    return {
        "nodes": [{k: n[k] for k in ("id", "op", "status", "label", "level", "x", "y", "current", "deleted")}
                  for n in ordered],
        "edges": edges, "width": width, "height": height, "node_w": NODE_W, "node_h": NODE_H,
        "omitted": max(total_below - len(below), 0),
    }  # fmt: skip
