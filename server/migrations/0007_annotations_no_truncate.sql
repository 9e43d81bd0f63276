-- Whys are append-only like the diffs they explain: 0003 refused UPDATE and DELETE on
-- annotations but not TRUNCATE (which row triggers do not see), unlike diffs.
CREATE TRIGGER annotations_no_truncate BEFORE TRUNCATE ON annotations
  FOR EACH STATEMENT EXECUTE FUNCTION atrium_refuse_change();
