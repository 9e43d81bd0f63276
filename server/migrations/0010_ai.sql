-- AI gateway (module ai, namespace ai): per-tenant settings, prompt templates with versions,
-- the shared response cache, metered usage and monthly budgets. All tenant-scoped under RLS.
CREATE TABLE ai_settings (
  tenant_id        text PRIMARY KEY REFERENCES tenants(id),
  -- alias → { chain: [{ provider, model }] }
  aliases          jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- provider id → { kind, base_url, api_key_sealed, models }; keys sealed with SecretBox
  providers        jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- model → { input_per_mtok, output_per_mtok } (USD), overrides the built-in price table
  prices           jsonb NOT NULL DEFAULT '{}'::jsonb,
  store_prompts    boolean NOT NULL DEFAULT false,
  cache_ttl_seconds integer NOT NULL DEFAULT 86400 CHECK (cache_ttl_seconds BETWEEN 0 AND 2592000),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  version          integer NOT NULL DEFAULT 1
);
SELECT atrium_enable_tenancy('ai_settings');
GRANT SELECT, INSERT, UPDATE ON ai_settings TO atrium_app;

CREATE TABLE ai_prompts (
  id             text PRIMARY KEY,
  tenant_id      text NOT NULL REFERENCES tenants(id),
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description    text NOT NULL DEFAULT '',
  pinned_version integer,
  latest_version integer NOT NULL DEFAULT 1,
  created_by     text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  updated_at     timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  UNIQUE (tenant_id, name)
);
SELECT atrium_enable_tenancy('ai_prompts');
GRANT SELECT, INSERT, UPDATE ON ai_prompts TO atrium_app;

CREATE TABLE ai_prompt_versions (
  tenant_id  text NOT NULL REFERENCES tenants(id),
  prompt_id  text NOT NULL REFERENCES ai_prompts(id),
  version    integer NOT NULL CHECK (version >= 1),
  template   text NOT NULL,
  system     text,
  variables  text[] NOT NULL DEFAULT '{}',
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  PRIMARY KEY (prompt_id, version)
);
SELECT atrium_enable_tenancy('ai_prompt_versions');
GRANT SELECT, INSERT ON ai_prompt_versions TO atrium_app;

-- Exact-match response cache, shared by every serve process through the database.
CREATE TABLE ai_cache (
  tenant_id  text NOT NULL REFERENCES tenants(id),
  key        text NOT NULL,
  response   jsonb NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, key)
);
CREATE INDEX ai_cache_expiry ON ai_cache (expires_at);
SELECT atrium_enable_tenancy('ai_cache');
GRANT SELECT, INSERT, UPDATE, DELETE ON ai_cache TO atrium_app;

-- One row per gateway call (cache hits included): the fast path for usage and budgets;
-- the same facts are in the ledger as an `ai.call` diff.
CREATE TABLE ai_usage (
  id               text PRIMARY KEY,
  tenant_id        text NOT NULL REFERENCES tenants(id),
  created_at       timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  kind             text NOT NULL DEFAULT 'complete' CHECK (kind IN ('complete', 'embed')),
  alias            text NOT NULL,
  provider         text NOT NULL,
  model            text NOT NULL,
  feature          text NOT NULL DEFAULT 'api',
  input_tokens     integer NOT NULL DEFAULT 0,
  output_tokens    integer NOT NULL DEFAULT 0,
  cost_usd         numeric(14, 6) NOT NULL DEFAULT 0,
  latency_ms       integer NOT NULL DEFAULT 0,
  cached           boolean NOT NULL DEFAULT false,
  fallback_used    boolean NOT NULL DEFAULT false,
  prompt_id        text,
  prompt_version   integer
);
CREATE INDEX ai_usage_tenant_time ON ai_usage (tenant_id, created_at);
SELECT atrium_enable_tenancy('ai_usage');
GRANT SELECT, INSERT ON ai_usage TO atrium_app;

CREATE TABLE ai_budgets (
  tenant_id         text PRIMARY KEY REFERENCES tenants(id),
  monthly_tokens    bigint CHECK (monthly_tokens IS NULL OR monthly_tokens >= 0),
  monthly_cost_usd  numeric(14, 6) CHECK (monthly_cost_usd IS NULL OR monthly_cost_usd >= 0),
  allow_offline     boolean NOT NULL DEFAULT true,
  -- 'YYYY-MM' of the last 80 % warning, so it is sent once per month
  warned_month      text,
  -- running paid usage of `used_month`, bumped by each paid call in its own transaction:
  -- the budget check reads one row instead of summing the month's usage
  used_month        text,
  used_tokens       bigint NOT NULL DEFAULT 0,
  used_cost_usd     numeric(14, 6) NOT NULL DEFAULT 0,
  updated_at        timestamptz NOT NULL DEFAULT now()
);
SELECT atrium_enable_tenancy('ai_budgets');
GRANT SELECT, INSERT, UPDATE ON ai_budgets TO atrium_app;
