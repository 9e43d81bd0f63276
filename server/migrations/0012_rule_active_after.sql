-- A rule applies to changes made after it was switched on (or its trigger/actions last
-- changed), never to a backlog the evaluator had not reached yet. The boundary is the id of
-- the diff that switched it on: diff ids come from one sequence, so "later" does not depend
-- on clocks or on how far behind the evaluator is.
ALTER TABLE rules ADD COLUMN active_after_diff bigint NOT NULL DEFAULT 0;
UPDATE rules r SET active_after_diff = coalesce(
  (SELECT max(d.id) FROM diffs d WHERE d.tenant_id = r.tenant_id AND d.entity_type = 'rule' AND d.entity_id = r.id), 0);
