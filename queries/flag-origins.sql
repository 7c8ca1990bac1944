-- How each flag of a run got its value: who chose it, and the proto's event and run it was replayed from.
-- param run: id (or id prefix) of the run
SELECT f.run, f.name, f.value_text AS value, f.origin, f.seq,
       f.cause, c.run AS cause_run, c.data->>'origin' AS cause_origin
FROM flags f
LEFT JOIN events c ON c.seq = f.cause
WHERE starts_with(f.run, $run)
ORDER BY f.run, f.name;
