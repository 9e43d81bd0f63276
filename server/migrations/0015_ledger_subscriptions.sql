-- Durable subscriptions on the ledger (module ledger): one cursor per subscriber over the
-- commit order (xact_id, id) — the technique the rule evaluator used with its own cursor,
-- which becomes the subscription `rules` here, exactly where it had got to.
CREATE TABLE ledger_subscriptions (
  name       text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_.-]{0,99}$'),
  xact_id    xid8 NOT NULL,
  diff_id    bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
GRANT ALL ON ledger_subscriptions TO atrium_system;
INSERT INTO ledger_subscriptions (name, xact_id, diff_id, updated_at)
  SELECT 'rules', xact_id, diff_id, updated_at FROM rule_cursor WHERE id = 1;
DROP TABLE rule_cursor;
