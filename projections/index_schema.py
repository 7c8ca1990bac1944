"""The tables of `index.duckdb`, documented in docs/tables.md.

Bump SCHEMA_VERSION whenever a table, a column or the fold changes: an
index of another version is rebuilt from the log on next use.
"""

from __future__ import annotations

SCHEMA_VERSION = 5

# `position` is one row: the last applied event and where its line ends in
# the log, written in the same transaction as the rows it accounts for.
TABLES = """
CREATE TABLE position (
    schema_version INTEGER NOT NULL,
    seq BIGINT NOT NULL,
    hash VARCHAR,
    segment INTEGER NOT NULL,
    "offset" BIGINT NOT NULL
);
CREATE TABLE events (
    seq BIGINT NOT NULL,
    ts TIMESTAMPTZ NOT NULL,
    run VARCHAR NOT NULL,
    type VARCHAR NOT NULL,
    v INTEGER NOT NULL,
    tx BIGINT NOT NULL,
    cause BIGINT,
    data JSON
);
CREATE TABLE runs (
    id VARCHAR NOT NULL,
    seq BIGINT NOT NULL,
    op VARCHAR,
    kind VARCHAR,
    status VARCHAR,
    label VARCHAR,
    created TIMESTAMPTZ,
    started TIMESTAMPTZ,
    stopped TIMESTAMPTZ,
    exit_status INTEGER,
    proto VARCHAR,
    batch VARCHAR,
    sourcecode_digest VARCHAR,
    random_seed BIGINT,
    deleted BOOLEAN NOT NULL DEFAULT false,
    purged BOOLEAN NOT NULL DEFAULT false,
    tags VARCHAR[] NOT NULL DEFAULT [],
    project VARCHAR,
    host VARCHAR,
    "user" VARCHAR,
    pid BIGINT,
    platform VARCHAR,
    label_template VARCHAR,
    opdef JSON,
    params JSON,
    pid_start BIGINT,
    boot_id VARCHAR
);
CREATE TABLE flags (
    run VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    value JSON,
    value_num DOUBLE,
    value_text VARCHAR,
    value_type VARCHAR,
    origin VARCHAR,
    cause BIGINT,
    seq BIGINT NOT NULL
);
CREATE TABLE scalars (
    run VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    step BIGINT,
    value DOUBLE,
    ts TIMESTAMPTZ,
    seq BIGINT NOT NULL
);
CREATE TABLE sourcecode (
    run VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    sha256 VARCHAR,
    size BIGINT,
    mode INTEGER,
    origin VARCHAR,
    from_run VARCHAR
);
CREATE TABLE artifacts (
    run VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    sha256 VARCHAR,
    size BIGINT,
    stored BOOLEAN,
    ts TIMESTAMPTZ,
    seq BIGINT NOT NULL
);
CREATE TABLE trials (
    batch VARCHAR NOT NULL,
    trial VARCHAR NOT NULL,
    "index" INTEGER,
    flags JSON,
    ts TIMESTAMPTZ,
    seq BIGINT NOT NULL
);
CREATE TABLE tags (
    run VARCHAR NOT NULL,
    tag VARCHAR NOT NULL,
    seq BIGINT NOT NULL
);
CREATE TABLE comments (
    run VARCHAR NOT NULL,
    text VARCHAR,
    "user" VARCHAR,
    ts TIMESTAMPTZ,
    seq BIGINT NOT NULL
);
CREATE TABLE output (
    run VARCHAR NOT NULL,
    chunks INTEGER NOT NULL,
    bytes BIGINT NOT NULL,
    lines BIGINT NOT NULL,
    tail VARCHAR
);
"""

# Every ancestor of a run with its distance and the kind of the link that
# reached it: `proto` (the run was started from it) or `batch` (spawned by it).
LINEAGE_VIEW = """
CREATE VIEW lineage AS
WITH RECURSIVE parents(run, parent, relation) AS (
    SELECT id, proto, 'proto' FROM runs WHERE proto IS NOT NULL
    UNION ALL
    SELECT id, batch, 'batch' FROM runs WHERE batch IS NOT NULL
),
walk(run, ancestor, depth, relation, path) AS (
    SELECT run, parent, 1, relation, [run, parent] FROM parents
    UNION ALL
    SELECT w.run, p.parent, w.depth + 1, p.relation, list_append(w.path, p.parent)
    FROM walk w JOIN parents p ON p.run = w.ancestor
    WHERE NOT list_contains(w.path, p.parent) AND w.depth < 1000
)
SELECT run, ancestor, depth, relation FROM walk;
"""


def create_schema(con, catalog: str) -> None:
    """Create every table and view in `catalog` (an attached database)."""
    con.execute(f"USE {catalog}")
    for statement in TABLES.split(";"):
        if statement.strip():
            con.execute(statement)
    con.execute(LINEAGE_VIEW)
    con.execute(
        "INSERT INTO position VALUES (?, 0, NULL, 0, 0)", [SCHEMA_VERSION]
    )
