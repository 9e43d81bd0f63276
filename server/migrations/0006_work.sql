-- Flow OS (module work, namespace flow_os): workflows, tasks, tenant templates.
CREATE TABLE workflows (
  id               text PRIMARY KEY,
  tenant_id        text NOT NULL REFERENCES tenants(id),
  name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description      text NOT NULL DEFAULT '',
  status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
  department       text NOT NULL DEFAULT 'ops' CHECK (department ~ '^[a-z][a-z0-9_-]{0,39}$'),
  owner_id         text,
  template_id      text,
  template_version text,
  cloned_from      text,
  settings         jsonb NOT NULL DEFAULT '{}'::jsonb,
  start_date       date,
  -- the workflow whose handoff started this one (department canvas edges)
  started_from     text,
  -- last recorded heartbeat health (a diff is recorded whenever it changes)
  health           text NOT NULL DEFAULT 'green' CHECK (health IN ('green', 'yellow', 'red')),
  archived_at      timestamptz,
  created_at       timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  updated_at       timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  version          integer NOT NULL DEFAULT 1
);
CREATE INDEX workflows_tenant_updated ON workflows (tenant_id, updated_at DESC);
CREATE INDEX workflows_tenant_department ON workflows (tenant_id, department);
SELECT atrium_enable_tenancy('workflows');
GRANT SELECT, INSERT, UPDATE ON workflows TO atrium_app;

CREATE TABLE tasks (
  id           text PRIMARY KEY,
  tenant_id    text NOT NULL REFERENCES tenants(id),
  workflow_id  text NOT NULL REFERENCES workflows(id),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
  description  text NOT NULL DEFAULT '',
  status       text NOT NULL DEFAULT 'todo' CHECK (status IN ('todo', 'in_progress', 'blocked', 'done', 'failed')),
  assignee_id  text,
  due_date     date,
  priority     text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  -- fractional index: moving one task writes one row
  rank         text COLLATE "C" NOT NULL,
  tags         text[] NOT NULL DEFAULT '{}',
  blocked_at   timestamptz,
  completed_at timestamptz,
  created_at   timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  updated_at   timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  version      integer NOT NULL DEFAULT 1
);
CREATE INDEX tasks_workflow_rank ON tasks (tenant_id, workflow_id, rank);
CREATE INDEX tasks_open ON tasks (tenant_id, status, due_date) WHERE status NOT IN ('done', 'failed');
CREATE INDEX tasks_assignee ON tasks (tenant_id, assignee_id) WHERE assignee_id IS NOT NULL;
SELECT atrium_enable_tenancy('tasks');
GRANT SELECT, INSERT, UPDATE, DELETE ON tasks TO atrium_app;

CREATE TABLE workflow_templates (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants(id),
  name        text NOT NULL,
  description text NOT NULL DEFAULT '',
  department  text NOT NULL DEFAULT 'ops',
  version     text NOT NULL DEFAULT '1.0.0',
  tasks       jsonb NOT NULL,
  source_workflow_id text,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
SELECT atrium_enable_tenancy('workflow_templates');
GRANT SELECT, INSERT, UPDATE, DELETE ON workflow_templates TO atrium_app;

-- The ledger learns which aggregate an entity belongs to (a task's workflow), so a
-- workflow's version history is one indexed query.
ALTER TABLE diffs ADD COLUMN scope_id text;
CREATE INDEX diffs_tenant_scope ON diffs (tenant_id, scope_id, id) WHERE scope_id IS NOT NULL;
