-- Runs that ended in error, newest first, with their exit status and last lines of output.
-- param lines=5: how many of the last output lines to show
SELECT r.id AS run, r.op, r.label, r.exit_status, r.stopped,
       array_to_string(
           list_slice(string_split(rtrim(o.tail, chr(10)), chr(10)), -($lines::INTEGER), -1), chr(10)
       ) AS last_output
FROM runs r
LEFT JOIN output o ON o.run = r.id
WHERE r.status = 'error' AND NOT r.deleted
ORDER BY r.seq DESC;
