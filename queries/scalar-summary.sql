-- Each scalar of a run summarised: how many values, the last one (and its step), min, max and mean.
-- param run=: id (or id prefix) of the run (default: every run)
SELECT run, key, count(*) AS count,
       arg_max(value, (seq, ts, step)) AS last, arg_max(step, (seq, ts, step)) AS last_step,
       min(value) AS min, max(value) AS max, avg(value) AS mean
FROM scalars
WHERE starts_with(run, $run)
GROUP BY run, key
ORDER BY run, key;
