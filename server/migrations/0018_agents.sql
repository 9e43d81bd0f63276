-- Agents (module agents, namespace agents): personas with an operating manual and tools picked
-- from the command registry, heartbeats, a memory stack (working buffer, daily log, long-term
-- facts), proposals that wait for a reviewer agent and a person, and dialogue between agents
-- and people. Each loop of work is an orchestration run; these tables hold what is the agents'.

CREATE TABLE agents (
  id             text PRIMARY KEY,
  tenant_id      text NOT NULL REFERENCES tenants(id),
  -- the gallery template it came from (ops_coordinator, reviewer…), null for one made by hand
  template       text,
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  colour         text NOT NULL DEFAULT '#6366f1' CHECK (colour ~ '^#[0-9a-fA-F]{6}$'),
  avatar         text NOT NULL DEFAULT '' CHECK (length(avatar) <= 8),
  department     text,
  persona        text NOT NULL DEFAULT '' CHECK (length(persona) <= 20000),
  manual         text NOT NULL DEFAULT '' CHECK (length(manual) <= 40000),
  -- persona and manual are versioned (agent_versions keeps each one)
  version        integer NOT NULL DEFAULT 1,
  model_alias    text NOT NULL DEFAULT 'smart',
  -- [{command, mode: direct | approval, review?: boolean}]
  tools          jsonb NOT NULL DEFAULT '[]',
  reviewer_id    text REFERENCES agents(id),
  monthly_tokens bigint CHECK (monthly_tokens IS NULL OR monthly_tokens >= 0),
  monthly_cost_usd numeric(12, 4) CHECK (monthly_cost_usd IS NULL OR monthly_cost_usd >= 0),
  used_month     text,
  used_tokens    bigint NOT NULL DEFAULT 0,
  used_cost_usd  numeric(12, 6) NOT NULL DEFAULT 0,
  warned_month   text,
  status         text NOT NULL DEFAULT 'idle' CHECK (status IN ('idle', 'active', 'sleeping', 'error', 'paused')),
  enabled        boolean NOT NULL DEFAULT true,
  every_minutes  integer NOT NULL DEFAULT 15 CHECK (every_minutes BETWEEN 1 AND 10080),
  offset_minutes integer NOT NULL DEFAULT 0 CHECK (offset_minutes >= 0),
  next_wake_at   timestamptz,
  last_wake_at   timestamptz,
  last_outcome   jsonb,
  -- the person who configured it: an agent never has more rights than they do
  configured_by  text NOT NULL,
  archived_at    timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agents_due ON agents (next_wake_at) WHERE enabled AND archived_at IS NULL;
SELECT atrium_enable_tenancy('agents');
GRANT SELECT, INSERT, UPDATE ON agents TO atrium_app;

CREATE TABLE agent_versions (
  tenant_id  text NOT NULL REFERENCES tenants(id),
  agent_id   text NOT NULL REFERENCES agents(id),
  version    integer NOT NULL,
  persona    text NOT NULL,
  manual     text NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agent_id, version)
);
SELECT atrium_enable_tenancy('agent_versions');
GRANT SELECT, INSERT ON agent_versions TO atrium_app;
CREATE TRIGGER agent_versions_immutable BEFORE UPDATE OR DELETE ON agent_versions FOR EACH ROW EXECUTE FUNCTION atrium_refuse_change();

-- WORKING (the current work's buffer, cleared when it ends) and long-term MEMORY facts.
CREATE TABLE agent_memories (
  id             text PRIMARY KEY,
  tenant_id      text NOT NULL REFERENCES tenants(id),
  agent_id       text NOT NULL REFERENCES agents(id),
  tier           text NOT NULL CHECK (tier IN ('working', 'fact')),
  key            text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
  value          text NOT NULL CHECK (length(value) <= 8000),
  confidence     real NOT NULL DEFAULT 0.7 CHECK (confidence BETWEEN 0 AND 1),
  tokens         integer NOT NULL DEFAULT 0,
  source_diff_id bigint,
  -- active · contradicted (a person must choose) · archived (forgotten, kept for history)
  status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'contradicted', 'archived')),
  conflicts_with text,
  last_confirmed_at timestamptz NOT NULL DEFAULT now(),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agent_memories_agent ON agent_memories (agent_id, tier, status);
CREATE UNIQUE INDEX agent_memories_key ON agent_memories (agent_id, tier, key) WHERE status = 'active';
SELECT atrium_enable_tenancy('agent_memories');
GRANT SELECT, INSERT, UPDATE, DELETE ON agent_memories TO atrium_app;

-- The daily log: append-only, everything the agent did and saw.
CREATE TABLE agent_log (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id  text NOT NULL REFERENCES tenants(id),
  agent_id   text NOT NULL REFERENCES agents(id),
  day        date NOT NULL,
  at         timestamptz NOT NULL,
  kind       text NOT NULL,
  text       text NOT NULL CHECK (length(text) <= 8000),
  run_id     text,
  diff_id    bigint
);
CREATE INDEX agent_log_day ON agent_log (agent_id, day, id);
SELECT atrium_enable_tenancy('agent_log');
GRANT SELECT, INSERT ON agent_log TO atrium_app;
CREATE TRIGGER agent_log_append_only BEFORE UPDATE OR DELETE ON agent_log FOR EACH ROW EXECUTE FUNCTION atrium_refuse_change();

-- A tool call that needs approval: first the reviewer agent (praise | refute), then a person.
CREATE TABLE agent_proposals (
  id             text PRIMARY KEY,
  tenant_id      text NOT NULL REFERENCES tenants(id),
  agent_id       text NOT NULL REFERENCES agents(id),
  run_id         text,
  iteration      integer NOT NULL DEFAULT 1,
  command        text NOT NULL,
  input          jsonb NOT NULL,
  summary        text NOT NULL,
  why            text NOT NULL,
  priority       integer NOT NULL DEFAULT 2 CHECK (priority BETWEEN 0 AND 4),
  -- reviewing (its reviewer agent) · pending (a person) · revising · approved · rejected · superseded
  status         text NOT NULL CHECK (status IN ('reviewing', 'pending', 'revising', 'approved', 'rejected', 'superseded')),
  reviews        jsonb NOT NULL DEFAULT '[]',
  disputed       boolean NOT NULL DEFAULT false,
  entity_type    text,
  entity_id      text,
  -- the entity's last diff when proposed: approving after it changed is refused (stale)
  entity_diff_id bigint,
  proposed_diff_id bigint,
  edited_input   jsonb,
  decided_by     text,
  decision_why   text,
  decided_at     timestamptz,
  result         jsonb,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agent_proposals_open ON agent_proposals (tenant_id, status, created_at);
CREATE INDEX agent_proposals_agent ON agent_proposals (agent_id, created_at);
SELECT atrium_enable_tenancy('agent_proposals');
GRANT SELECT, INSERT, UPDATE ON agent_proposals TO atrium_app;

-- Dialogue between agents and people, in threads tied to a task or a run; handoffs too.
CREATE TABLE agent_messages (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants(id),
  thread      text NOT NULL CHECK (thread ~ '^(task|run|agent):[A-Za-z0-9_-]{1,100}$'),
  from_type   text NOT NULL,
  from_id     text NOT NULL,
  to_type     text NOT NULL,
  to_id       text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('message', 'handoff')),
  body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 8000),
  context     jsonb,
  diff_id     bigint,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agent_messages_thread ON agent_messages (thread, created_at);
CREATE INDEX agent_messages_to ON agent_messages (to_type, to_id, created_at);
SELECT atrium_enable_tenancy('agent_messages');
GRANT SELECT, INSERT ON agent_messages TO atrium_app;

-- Work waiting for an agent's next wake: a rule's wake_agent, a mention, a handoff, "wake now".
CREATE TABLE agent_wakes (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants(id),
  agent_id    text NOT NULL REFERENCES agents(id),
  reason      text NOT NULL CHECK (reason IN ('manual', 'rule', 'mention', 'handoff', 'message')),
  detail      jsonb NOT NULL DEFAULT '{}',
  cause_diff_id bigint,
  taken_at    timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agent_wakes_open ON agent_wakes (agent_id) WHERE taken_at IS NULL;
SELECT atrium_enable_tenancy('agent_wakes');
GRANT SELECT, INSERT, UPDATE ON agent_wakes TO atrium_app;
