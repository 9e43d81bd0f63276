-- Reflex Arc (module rules) and in-app notifications.

-- The rule evaluator reads the ledger in commit order, not id order: identity values are
-- taken at INSERT and a transaction that took a lower id may commit after a higher one.
-- Each diff carries its transaction id; the evaluator only reads diffs of transactions older
-- than the oldest still running (pg_snapshot_xmin), ordered by (xact_id, id), so a durable
-- cursor over that order never skips a late commit.
ALTER TABLE diffs ADD COLUMN xact_id xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX diffs_commit_order ON diffs (xact_id, id);

-- One global cursor: where the evaluator has got to (the row lock makes it single-reader).
CREATE TABLE rule_cursor (
  id       integer PRIMARY KEY CHECK (id = 1),
  xact_id  xid8 NOT NULL,
  diff_id  bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO rule_cursor (id, xact_id, diff_id) VALUES (1, pg_current_xact_id(), 0);
GRANT ALL ON rule_cursor TO atrium_system;

CREATE TABLE rules (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants(id),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '',
  enabled     boolean NOT NULL DEFAULT true,
  -- reactive: after commit, through jobs · precommit: guard / require_approval · scheduled: cron sweep
  kind        text NOT NULL CHECK (kind IN ('reactive', 'precommit', 'scheduled')),
  trigger     jsonb NOT NULL,
  -- webhook secrets inside are sealed (AES-GCM) and stripped from every read
  actions     jsonb NOT NULL,
  pack_id     text,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  updated_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  deleted_at  timestamptz,
  version     integer NOT NULL DEFAULT 1
);
CREATE INDEX rules_tenant_live ON rules (tenant_id) WHERE deleted_at IS NULL;
CREATE INDEX rules_updated ON rules (updated_at);
CREATE UNIQUE INDEX rules_pack_once ON rules (tenant_id, pack_id) WHERE pack_id IS NOT NULL AND deleted_at IS NULL;
SELECT atrium_enable_tenancy('rules');
GRANT SELECT, INSERT, UPDATE ON rules TO atrium_app;

-- Each match of a rule on a diff, per action: the idempotency key of its effect.
CREATE TABLE rule_runs (
  id            text PRIMARY KEY,
  tenant_id     text NOT NULL REFERENCES tenants(id),
  rule_id       text NOT NULL REFERENCES rules(id),
  diff_id       bigint NOT NULL,
  action_index  integer NOT NULL,
  action_type   text NOT NULL,
  entity_type   text NOT NULL,
  entity_id     text NOT NULL,
  status        text NOT NULL CHECK (status IN ('queued', 'succeeded', 'failed', 'loop_cut', 'skipped')),
  effect        jsonb,
  effect_diff_id bigint,
  error         text,
  attempts      integer NOT NULL DEFAULT 0,
  duration_ms   double precision,
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at   timestamptz,
  UNIQUE (rule_id, diff_id, action_index)
);
CREATE INDEX rule_runs_tenant_time ON rule_runs (tenant_id, created_at DESC, id DESC);
CREATE INDEX rule_runs_tenant_entity ON rule_runs (tenant_id, entity_type, entity_id);
SELECT atrium_enable_tenancy('rule_runs');
GRANT SELECT, INSERT, UPDATE ON rule_runs TO atrium_app;

-- Every webhook attempt, with what the receiver answered.
CREATE TABLE webhook_deliveries (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants(id),
  run_id      text NOT NULL REFERENCES rule_runs(id),
  attempt     integer NOT NULL,
  url         text NOT NULL,
  status_code integer,
  error       text,
  duration_ms double precision NOT NULL,
  next_retry_at timestamptz,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX webhook_deliveries_run ON webhook_deliveries (tenant_id, run_id, attempt);
SELECT atrium_enable_tenancy('webhook_deliveries');
GRANT SELECT, INSERT ON webhook_deliveries TO atrium_app;

-- Changes held by a require_approval rule until a person decides.
CREATE TABLE approvals (
  id            text PRIMARY KEY,
  tenant_id     text NOT NULL REFERENCES tenants(id),
  rule_id       text NOT NULL REFERENCES rules(id),
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  requested_by  text NOT NULL,
  requester_type text NOT NULL,
  namespace     text NOT NULL,
  entity_type   text NOT NULL,
  entity_id     text NOT NULL,
  event         text NOT NULL,
  proposed_before jsonb,
  proposed_after  jsonb,
  -- the command exactly as asked, re-applied on approval
  request       jsonb NOT NULL,
  summary       text NOT NULL,
  decided_by    text,
  decision_why  text,
  decided_at    timestamptz,
  created_at    timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
);
CREATE INDEX approvals_tenant_status ON approvals (tenant_id, status, created_at DESC);
SELECT atrium_enable_tenancy('approvals');
GRANT SELECT, INSERT, UPDATE ON approvals TO atrium_app;

CREATE TABLE notifications (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants(id),
  user_id     text NOT NULL,
  title       text NOT NULL,
  body        text NOT NULL DEFAULT '',
  link        text,
  entity_type text,
  entity_id   text,
  source_diff_id bigint,
  read_at     timestamptz,
  created_at  timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
);
CREATE INDEX notifications_user ON notifications (tenant_id, user_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread ON notifications (tenant_id, user_id) WHERE read_at IS NULL;
SELECT atrium_enable_tenancy('notifications');
GRANT SELECT, INSERT, UPDATE ON notifications TO atrium_app;
