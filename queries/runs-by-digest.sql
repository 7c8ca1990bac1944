-- Runs that share their source code, grouped by source code digest (most shared first), one row per run.
-- param digest=: prefix of a source code digest (default: every digest shared by two runs or more)
WITH shared AS (
    SELECT sourcecode_digest AS digest, count(*) AS runs_sharing
    FROM runs
    WHERE sourcecode_digest IS NOT NULL AND NOT deleted
    GROUP BY 1
    HAVING count(*) > 1 OR $digest <> ''
)
SELECT s.digest, s.runs_sharing, r.id AS run, r.op, r.status, r.label, r.created
FROM shared s
JOIN runs r ON r.sourcecode_digest = s.digest AND NOT r.deleted
WHERE starts_with(s.digest, $digest)
ORDER BY s.runs_sharing DESC, s.digest, r.seq;
