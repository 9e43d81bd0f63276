-- Minimal identity core the foundation needs (tenants, users, memberships, tokens);
-- the identity issue builds sign-up, login, 2FA and API keys on these tables.
CREATE TABLE tenants (
  id         text PRIMARY KEY,
  name       text NOT NULL,
  plan       text NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'pro', 'enterprise')),
  is_demo    boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
SELECT atrium_enable_tenancy('tenants', 'id');
GRANT SELECT, UPDATE ON tenants TO atrium_app;
CREATE UNIQUE INDEX tenants_one_demo ON tenants (is_demo) WHERE is_demo;

-- Users are global (one person can belong to several tenants); only platform code reads them.
CREATE TABLE users (
  id            text PRIMARY KEY,
  email         text NOT NULL UNIQUE,
  name          text NOT NULL,
  password_hash text,
  created_at    timestamptz NOT NULL DEFAULT now()
);
GRANT ALL ON users TO atrium_system;

CREATE TABLE memberships (
  tenant_id  text NOT NULL REFERENCES tenants(id),
  user_id    text NOT NULL REFERENCES users(id),
  role       text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer', 'integration')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, user_id)
);
SELECT atrium_enable_tenancy('memberships');
GRANT SELECT, INSERT, UPDATE, DELETE ON memberships TO atrium_app;

-- Session tokens and API keys, stored as SHA-256 of the secret. Resolved by platform code
-- before the tenant is known, hence read through atrium_system.
CREATE TABLE auth_tokens (
  id           text PRIMARY KEY,
  tenant_id    text NOT NULL REFERENCES tenants(id),
  user_id      text REFERENCES users(id),
  kind         text NOT NULL CHECK (kind IN ('session', 'api_key')),
  name         text,
  token_hash   text NOT NULL UNIQUE,
  scopes       text[] NOT NULL,
  expires_at   timestamptz,
  revoked_at   timestamptz,
  last_used_at timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now()
);
SELECT atrium_enable_tenancy('auth_tokens');
GRANT SELECT ON auth_tokens TO atrium_app;
