"""The fold from `events` to the derived tables, as SQL over new events.

`apply(con, pos)` folds every row of `events` with seq > pos into the other
tables; the caller has just inserted them and runs this in the same
transaction. Set-based SQL folds a million events in seconds where a
per-event Python loop would take minutes, and the same statements serve a
rebuild (pos = 0) and an incremental catch-up.

Every cast of a value from an event is a TRY_CAST: anything that verifies
can be folded (a seed or a step beyond BIGINT becomes NULL in its column;
the event itself is intact in the log and in `events`).

Within one batch, "last event wins" rules (a flag set twice, a label, the
status) pick the event with the highest seq, so folding in one batch or in
many gives the same tables.
"""

from __future__ import annotations

import json
from typing import Any

from ledger.blobs import BlobStore
from ledger.event_reading import upcast
from ledger.events import EVENT_TYPES

TAIL_LINES = 20

_STATEMENTS = [
    # runs: one row per RunCreated
    """
    INSERT INTO runs (id, seq, op, kind, status, created, proto, batch, random_seed, project, host,
                      "user", pid, platform, label_template, opdef, params, pid_start, boot_id)
    SELECT run, seq, data->>'op', coalesce(data->>'kind', 'run'),
           CASE WHEN (data->'params'->>'stage') = 'true' THEN 'staged' ELSE 'running' END,
           ts, data->>'proto', data->>'batch', TRY_CAST(data->>'random_seed' AS BIGINT), data->>'project',
           data->>'host', data->>'user', TRY_CAST(data->>'pid' AS BIGINT), data->>'platform',
           data->>'label_template', data->'opdef', data->'params',
           TRY_CAST(data->>'pid_start' AS BIGINT), data->>'boot_id'
    FROM events WHERE seq > $pos AND type = 'RunCreated'
    """,
    """
    UPDATE runs SET label = u.label FROM (
        SELECT run, arg_max(data->>'label', seq) AS label
        FROM events WHERE seq > $pos AND type = 'LabelSet' GROUP BY run
    ) u WHERE runs.id = u.run
    """,
    # status: the last RunStarted/RunStopped decides; started is the last start
    """
    UPDATE runs SET
        status = CASE WHEN u.type = 'RunStarted' THEN 'running' ELSE u.data->>'status' END,
        started = coalesce(u.started, runs.started),
        stopped = CASE WHEN u.type = 'RunStopped' THEN u.ts END,
        exit_status = CASE WHEN u.type = 'RunStopped' THEN TRY_CAST(u.data->>'exit_status' AS INTEGER) END
    FROM (
        SELECT run, type, ts, data,
               max(coalesce(TRY_CAST(nullif(data->>'time', '') AS TIMESTAMPTZ), ts))
                   FILTER (WHERE type = 'RunStarted') OVER (PARTITION BY run) AS started
        FROM events WHERE seq > $pos AND type IN ('RunStarted', 'RunStopped')
        QUALIFY row_number() OVER (PARTITION BY run ORDER BY seq DESC) = 1
    ) u WHERE runs.id = u.run
    """,
    # the owner: the process that recorded the last start naming itself (a
    # run started later or restarted), else the creator, as RunCreated set it
    """
    UPDATE runs SET host = u.data->>'host', pid = TRY_CAST(u.data->>'owner_pid' AS BIGINT),
                    pid_start = TRY_CAST(u.data->>'owner_start' AS BIGINT), boot_id = u.data->>'boot_id'
    FROM (
        SELECT run, arg_max(data, seq) AS data FROM events
        WHERE seq > $pos AND type = 'RunStarted' AND TRY_CAST(data->>'owner_pid' AS BIGINT) > 0 GROUP BY run
    ) u WHERE runs.id = u.run
    """,
    # deleted: the last of deleted/restored/purged; purged once is purged for good
    """
    UPDATE runs SET deleted = u.deleted, purged = runs.purged OR u.purged FROM (
        SELECT run, arg_max(type <> 'RunRestored', seq) AS deleted, bool_or(type = 'RunPurged') AS purged
        FROM events WHERE seq > $pos AND type IN ('RunDeleted', 'RunRestored', 'RunPurged') GROUP BY run
    ) u WHERE runs.id = u.run
    """,
    # source code: the last SourcecodeCopied of a run replaces its files
    """
    CREATE OR REPLACE TEMP TABLE fold_sourcecode AS
    SELECT run, data FROM events WHERE seq > $pos AND type = 'SourcecodeCopied'
    QUALIFY row_number() OVER (PARTITION BY run ORDER BY seq DESC) = 1
    """,
    "UPDATE runs SET sourcecode_digest = s.data->>'digest' FROM fold_sourcecode s WHERE runs.id = s.run",
    "DELETE FROM sourcecode USING fold_sourcecode s WHERE sourcecode.run = s.run",
    """
    INSERT INTO sourcecode
    SELECT run, f.path, f.sha256, f.size, f.mode, origin, from_run FROM (
        SELECT run, data->>'origin' AS origin, data->>'from_run' AS from_run,
               unnest(from_json(data->'files',
                   '[{"path":"VARCHAR","sha256":"VARCHAR","size":"BIGINT","mode":"INTEGER"}]')) AS f
        FROM fold_sourcecode)
    """,
    # flags: a later FlagSet of the same name replaces the earlier one
    """
    CREATE OR REPLACE TEMP TABLE fold_flags AS
    SELECT run, data->>'name' AS name, data->'value' AS value, data->>'origin' AS origin, cause, seq
    FROM events WHERE seq > $pos AND type = 'FlagSet'
    QUALIFY row_number() OVER (PARTITION BY run, data->>'name' ORDER BY seq DESC) = 1
    """,
    "DELETE FROM flags USING fold_flags f WHERE flags.run = f.run AND flags.name = f.name",
    """
    INSERT INTO flags
    SELECT run, name, value,
           CASE WHEN json_type(value) IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN value::DOUBLE END,
           CASE WHEN json_type(value) = 'VARCHAR' THEN value->>'$' ELSE value::VARCHAR END,
           lower(CASE json_type(value) WHEN 'BIGINT' THEN 'int' WHEN 'UBIGINT' THEN 'int'
                 WHEN 'DOUBLE' THEN 'float' WHEN 'VARCHAR' THEN 'str' WHEN 'BOOLEAN' THEN 'bool'
                 WHEN 'ARRAY' THEN 'list' WHEN 'OBJECT' THEN 'dict' ELSE 'null' END),
           origin, cause, seq
    FROM fold_flags
    """,
    """
    INSERT INTO scalars
    SELECT run, data->>'key', TRY_CAST(data->>'step' AS BIGINT), TRY_CAST(data->>'value' AS DOUBLE), ts, seq
    FROM events WHERE seq > $pos AND type = 'ScalarLogged'
    """,
    # artifacts: the last record of a path wins
    """
    CREATE OR REPLACE TEMP TABLE fold_artifacts AS
    SELECT run, data->>'path' AS path, data->>'sha256' AS sha256, TRY_CAST(data->>'size' AS BIGINT) AS size,
           coalesce(TRY_CAST(data->>'stored' AS BOOLEAN), true) AS stored, ts, seq
    FROM events WHERE seq > $pos AND type = 'ArtifactRecorded'
    QUALIFY row_number() OVER (PARTITION BY run, data->>'path' ORDER BY seq DESC) = 1
    """,
    "DELETE FROM artifacts USING fold_artifacts a WHERE artifacts.run = a.run AND artifacts.path = a.path",
    "INSERT INTO artifacts SELECT * FROM fold_artifacts",
    """
    INSERT INTO trials
    SELECT run, data->>'trial', TRY_CAST(data->>'index' AS INTEGER), data->'flags', ts, seq
    FROM events WHERE seq > $pos AND type = 'TrialSpawned'
    """,
    """
    INSERT INTO comments
    SELECT run, data->>'text', data->>'user', ts, seq
    FROM events WHERE seq > $pos AND type = 'CommentAdded'
    """,
    """
    DELETE FROM comments WHERE seq IN (
        SELECT TRY_CAST(data->>'comment_seq' AS BIGINT) FROM events WHERE seq > $pos AND type = 'CommentRemoved')
    """,
    # tags: the last add/remove of a (run, tag) decides
    """
    CREATE OR REPLACE TEMP TABLE fold_tags AS
    SELECT run, data->>'tag' AS tag, type, seq
    FROM events WHERE seq > $pos AND type IN ('TagAdded', 'TagRemoved')
    QUALIFY row_number() OVER (PARTITION BY run, data->>'tag' ORDER BY seq DESC) = 1
    """,
    "DELETE FROM tags USING fold_tags t WHERE tags.run = t.run AND tags.tag = t.tag",
    "INSERT INTO tags SELECT run, tag, seq FROM fold_tags WHERE type = 'TagAdded'",
    """
    UPDATE runs SET tags = coalesce(t.tags, []) FROM (
        SELECT c.run, list(tags.tag ORDER BY tags.seq) FILTER (WHERE tags.tag IS NOT NULL) AS tags
        FROM (SELECT DISTINCT run FROM fold_tags) c LEFT JOIN tags ON tags.run = c.run GROUP BY c.run
    ) t WHERE runs.id = t.run
    """,
    # output totals; the tail text is filled in from the blobs afterwards
    """
    CREATE OR REPLACE TEMP TABLE fold_output AS
    SELECT run, count(*)::INTEGER AS chunks, sum(TRY_CAST(data->>'bytes' AS BIGINT)) AS bytes,
           sum(TRY_CAST(data->>'lines' AS BIGINT)) AS lines,
           list(data->>'blob' ORDER BY seq DESC) AS blobs
    FROM events WHERE seq > $pos AND type = 'OutputCaptured' GROUP BY run
    """,
    """
    INSERT INTO output SELECT f.run, 0, 0, 0, NULL FROM fold_output f
    WHERE f.run NOT IN (SELECT run FROM output)
    """,
    """
    UPDATE output SET chunks = output.chunks + f.chunks, bytes = output.bytes + f.bytes,
                      lines = output.lines + f.lines
    FROM fold_output f WHERE output.run = f.run
    """,
]

_DROP_TEMP = ["fold_sourcecode", "fold_flags", "fold_artifacts", "fold_tags", "fold_output"]


def apply(con: Any, pos: int, blobs: BlobStore) -> None:
    """Fold events with seq > pos into the derived tables."""
    _upcast_events(con, pos)
    for sql in _STATEMENTS:
        con.execute(sql.replace("$pos", str(int(pos))))
    _fill_output_tails(con, blobs)
    _fold_scalar_batches(con, pos, blobs)
    for name in _DROP_TEMP:
        con.execute(f"DROP TABLE IF EXISTS temp.{name}")


def _upcast_events(con: Any, pos: int) -> None:
    """Bring events of an older schema version to the current one in
    `events`, so the statements above (and users' SQL) read one shape."""
    for name, cls in EVENT_TYPES.items():
        if cls.V == 1:
            continue
        old = con.execute(
            "SELECT seq, v, data FROM events WHERE seq > ? AND type = ? AND v < ?", [pos, name, cls.V]
        ).fetchall()
        if old:  # one statement: a row-by-row UPDATE scans the table once per event
            con.execute(
                "UPDATE events SET v = $v, data = u.data FROM (SELECT unnest($seqs) AS seq, unnest($datas) AS data) u"
                " WHERE events.seq = u.seq",
                {
                    "v": cls.V,
                    "seqs": [seq for seq, _, _ in old],
                    "datas": [json.dumps(upcast(cls, v, json.loads(data))) for _, v, data in old],
                },
            )


def _fill_output_tails(con: Any, blobs: BlobStore) -> None:
    """The last TAIL_LINES lines of each run whose output grew, read from the
    newest chunks back (bytes first: a chunk may end mid-line), then the
    previous tail when the new chunks hold too few lines."""
    rows = con.execute(
        "SELECT f.run, f.blobs, o.tail FROM fold_output f JOIN output o ON o.run = f.run"
    ).fetchall()
    updates = []
    for run, newest_first, old_tail in rows:
        buf = b""
        enough = False
        for sha in newest_first:
            data = blobs.intact(sha)
            if data is None:
                enough = True  # purged, lost or altered: the tail stops at the gap
                break
            buf = data + buf
            if buf.count(b"\n") > TAIL_LINES:
                enough = True
                break
        text = buf.decode("utf-8", "replace")
        if not enough and old_tail:
            text = old_tail + text
        tail = "".join(text.splitlines(keepends=True)[-TAIL_LINES:])
        updates.append((tail or None, run))
    if updates:  # one statement: a row-by-row UPDATE would scan the table once per run
        con.execute(
            "UPDATE output SET tail = u.tail FROM (SELECT unnest($tails) AS tail, unnest($runs) AS run) u"
            " WHERE output.run = u.run",
            {"tails": [tail for tail, _ in updates], "runs": [run for _, run in updates]},
        )


def _fold_scalar_batches(con, pos: int, blobs: BlobStore) -> None:
    """Rows of `scalars` from every `ScalarsLogged` batch after `pos`: the
    blob's columns go to DuckDB as NumPy arrays, without a Python object per
    point. A batch whose blob is gone (purged), altered or unreadable adds
    no rows: `verify` is what reports a damaged blob."""
    batches = con.execute(
        "SELECT seq, run, data->>'blob', data->'keys' FROM events"
        " WHERE seq > ? AND type = 'ScalarsLogged' ORDER BY seq",
        [int(pos)],
    ).fetchall()
    if not batches:
        return
    import json

    import numpy as np

    from ledger.scalar_columns import decode

    for seq, run, sha, keys_json in batches:
        data = blobs.intact(sha)
        if data is None:
            continue
        try:
            key_index, steps, values, times = decode(data)
        except ValueError:
            continue
        keys = json.loads(keys_json)
        batch_key = np.frombuffer(key_index, dtype=np.uint32)
        if len(batch_key) and int(batch_key.max()) >= len(keys):
            continue
        batch_value = np.frombuffer(values, dtype=np.float64)
        batch = {  # noqa: F841 -- read by name by the statement below
            "k": batch_key,
            "step": np.frombuffer(steps, dtype=np.int64),
            "value": batch_value,
            "is_nan": np.isnan(batch_value),  # DuckDB reads a NumPy NaN as NULL
            "t": np.frombuffer(times, dtype=np.int64),
        }
        con.execute(
            """INSERT INTO scalars
            SELECT $run, list_extract($keys, batch.k::INTEGER + 1), batch.step,
                   CASE WHEN batch.is_nan THEN 'nan'::DOUBLE ELSE batch.value END, make_timestamp(batch.t), $seq
            FROM batch""",
            {"run": run, "keys": keys, "seq": seq},
        )
