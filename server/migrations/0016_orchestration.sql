-- Durable orchestration (module orchestration): flows (definitions, versioned) and runs (one
-- execution each), with a journal row per step attempt written in the transaction of that
-- step's effects. A "flow" is not a Flow OS "workflow" (a checklist people work through).

CREATE TABLE flows (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants(id),
  key         text NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9_-]{0,79}$'),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '',
  -- active: runs start · paused: starts refused, queued runs wait · archived: read-only
  status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'archived')),
  latest_version text NOT NULL,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX flows_key ON flows (tenant_id, key);
SELECT atrium_enable_tenancy('flows');
GRANT SELECT, INSERT, UPDATE ON flows TO atrium_app;

-- Immutable: a run pins the version it started on, so publishing another never changes it.
CREATE TABLE flow_versions (
  tenant_id   text NOT NULL REFERENCES tenants(id),
  flow_id     text NOT NULL REFERENCES flows(id),
  version     text NOT NULL CHECK (version ~ '^\d{1,6}\.\d{1,6}\.\d{1,6}$'),
  definition  jsonb NOT NULL,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (flow_id, version)
);
SELECT atrium_enable_tenancy('flow_versions');
GRANT SELECT, INSERT ON flow_versions TO atrium_app;
CREATE TRIGGER flow_versions_immutable BEFORE UPDATE OR DELETE ON flow_versions FOR EACH ROW EXECUTE FUNCTION atrium_refuse_change();

CREATE TABLE flow_runs (
  id             text PRIMARY KEY,
  tenant_id      text NOT NULL REFERENCES tenants(id),
  flow_id        text NOT NULL REFERENCES flows(id),
  version        text NOT NULL,
  status         text NOT NULL CHECK (status IN ('queued', 'running', 'waiting', 'compensating', 'completed', 'failed', 'compensated', 'compensation_failed', 'cancelled')),
  input          jsonb NOT NULL,
  output         jsonb,
  error          jsonb,
  -- who it acts as: its command steps write diffs as this actor, within these scopes
  actor_type     text NOT NULL,
  actor_id       text NOT NULL,
  scopes         text[] NOT NULL,
  trigger        text NOT NULL CHECK (trigger IN ('api', 'rule', 'schedule', 'event', 'sub_flow', 'replay', 'fork', 'cli')),
  idempotency_key text,
  concurrency_key text,
  priority       integer NOT NULL DEFAULT 0,
  cause_diff_id  bigint,
  started_diff_id bigint,
  parent_run_id  text,
  parent_step    text,
  -- replay: every step's output comes from this run's journal · fork: those before fork_step do
  source_run_id  text,
  fork_step      text,
  -- when a waiting/retrying run is due again (a timer, a retry, a deadline)
  wake_at        timestamptz,
  deadline_at    timestamptz,
  -- bumped by whatever wakes the run (an event, a decision, a child, a cancel): an executor that
  -- read an older value does not put it back to sleep
  wakes          integer NOT NULL DEFAULT 0,
  lease_owner    text,
  lease_until    timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  started_at     timestamptz,
  finished_at    timestamptz,
  pruned_at      timestamptz
);
CREATE UNIQUE INDEX flow_runs_idempotency ON flow_runs (flow_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX flow_runs_tenant_recent ON flow_runs (tenant_id, created_at DESC);
CREATE INDEX flow_runs_flow_status ON flow_runs (flow_id, status);
-- What the executors claim: live runs, by priority then age (a small partial index).
CREATE INDEX flow_runs_claimable ON flow_runs (priority DESC, created_at) WHERE status IN ('queued', 'running', 'waiting', 'compensating');
CREATE INDEX flow_runs_parent ON flow_runs (parent_run_id) WHERE parent_run_id IS NOT NULL;
SELECT atrium_enable_tenancy('flow_runs');
GRANT SELECT, INSERT, UPDATE, DELETE ON flow_runs TO atrium_app;

-- The journal: one row per step attempt (and per compensation), written with the step's effects.
CREATE TABLE flow_steps (
  tenant_id   text NOT NULL REFERENCES tenants(id),
  run_id      text NOT NULL REFERENCES flow_runs(id) ON DELETE CASCADE,
  step_key    text NOT NULL,
  attempt     integer NOT NULL,
  step_type   text NOT NULL,
  status      text NOT NULL CHECK (status IN ('completed', 'failed', 'skipped', 'waiting', 'compensated', 'compensation_failed')),
  branch      text,
  input       jsonb,
  output      jsonb,
  error       jsonb,
  retry_at    timestamptz,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz,
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  -- a second executor of the same attempt (a lost lease) fails here and rolls its effects back
  PRIMARY KEY (run_id, step_key, attempt)
);
SELECT atrium_enable_tenancy('flow_steps');
GRANT SELECT, INSERT, UPDATE, DELETE ON flow_steps TO atrium_app;

-- What waiting runs wait for: an event (a diff filter), a person's decision, a child run.
CREATE TABLE flow_waits (
  tenant_id   text NOT NULL REFERENCES tenants(id),
  run_id      text NOT NULL REFERENCES flow_runs(id) ON DELETE CASCADE,
  step_key    text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('event', 'approval', 'child', 'timer')),
  -- event waits: which diffs can match (the filter narrows further)
  namespace   text,
  event       text,
  entity_id   text,
  spec        jsonb NOT NULL,
  decisions   jsonb NOT NULL DEFAULT '[]',
  until       timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, step_key)
);
CREATE INDEX flow_waits_event ON flow_waits (tenant_id, event) WHERE kind = 'event';
CREATE INDEX flow_waits_kind ON flow_waits (tenant_id, kind);
SELECT atrium_enable_tenancy('flow_waits');
GRANT SELECT, INSERT, UPDATE, DELETE ON flow_waits TO atrium_app;

-- Schedules and event triggers of the latest version of each active flow.
CREATE TABLE flow_triggers (
  tenant_id   text NOT NULL REFERENCES tenants(id),
  flow_id     text NOT NULL REFERENCES flows(id),
  idx         integer NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('schedule', 'event')),
  spec        jsonb NOT NULL,
  next_at     timestamptz,
  PRIMARY KEY (flow_id, idx)
);
CREATE INDEX flow_triggers_due ON flow_triggers (next_at) WHERE kind = 'schedule';
SELECT atrium_enable_tenancy('flow_triggers');
GRANT SELECT, INSERT, UPDATE, DELETE ON flow_triggers TO atrium_app;

-- Per-tenant journal retention (defaults when absent: 30 days, no run-count limit).
CREATE TABLE flow_settings (
  tenant_id      text PRIMARY KEY REFERENCES tenants(id),
  retention_days integer NOT NULL DEFAULT 30 CHECK (retention_days BETWEEN 1 AND 3650),
  keep_runs      integer CHECK (keep_runs BETWEEN 1 AND 1000000),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
SELECT atrium_enable_tenancy('flow_settings');
GRANT SELECT, INSERT, UPDATE ON flow_settings TO atrium_app;
