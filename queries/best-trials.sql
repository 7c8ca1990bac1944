-- The best trial of each batch by its objective (the op's `objective`, else minimize loss), last value logged.
-- param batch=: id prefix of one batch (default: every batch)
WITH trial AS (
    SELECT t.batch, t.trial, t."index", t.flags,
           coalesce(r.opdef->'objective', b.opdef->'objective') AS objective
    FROM trials t
    JOIN runs r ON r.id = t.trial
    LEFT JOIN runs b ON b.id = t.batch
    WHERE starts_with(t.batch, $batch) AND NOT r.deleted
),
goal AS (
    SELECT *,
           CASE WHEN objective->>'maximize' IS NOT NULL THEN 'maximize' ELSE 'minimize' END AS direction,
           coalesce(objective->>'maximize', objective->>'minimize',
                    CASE WHEN json_type(objective) = 'VARCHAR' THEN objective->>'$' END, 'loss') AS objective_key
    FROM trial
),
scored AS (
    SELECT g.batch, g.trial, g."index", g.objective_key, g.direction, arg_max(s.value, (s.seq, s.ts, s.step)) AS value, g.flags
    FROM goal g
    JOIN scalars s ON s.run = g.trial AND s.key = g.objective_key
    GROUP BY ALL
)
SELECT batch, trial, "index", objective_key AS objective, direction, value, flags
FROM scored
QUALIFY row_number() OVER (
    PARTITION BY batch
    ORDER BY CASE WHEN direction = 'maximize' THEN -value ELSE value END, "index"
) = 1
ORDER BY batch;
