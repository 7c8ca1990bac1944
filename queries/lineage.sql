-- Every ancestor of a run, nearest first: the protos it was started from and the batches that spawned it.
-- param run: id (or id prefix) of the run
SELECT l.run, l.depth, l.relation, l.ancestor, a.op, a.status, a.label, a.created
FROM lineage l
JOIN runs a ON a.id = l.ancestor
WHERE starts_with(l.run, $run)
ORDER BY l.run, l.depth;
