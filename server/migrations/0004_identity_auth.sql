-- Identity: passwords, platform operators, 2FA, invitations, brute-force and rate-limit state.
ALTER TABLE users ADD COLUMN platform_role text CHECK (platform_role IN ('operator'));
ALTER TABLE users ADD COLUMN email_verified boolean NOT NULL DEFAULT false;

-- Sessions remember the last strong authentication (TOTP) for step-up checks.
ALTER TABLE auth_tokens ADD COLUMN step_up_at timestamptz;
ALTER TABLE auth_tokens ADD COLUMN created_by text;
CREATE INDEX auth_tokens_tenant_kind ON auth_tokens (tenant_id, kind, created_at DESC);
GRANT INSERT, UPDATE ON auth_tokens TO atrium_app;

-- TOTP secrets are encrypted at rest (AES-256-GCM with ATRIUM_SECRET_KEY); platform-only.
CREATE TABLE user_totp (
  user_id        text PRIMARY KEY REFERENCES users(id),
  secret_enc     text NOT NULL,
  enabled_at     timestamptz,
  last_time_step bigint,
  created_at     timestamptz NOT NULL DEFAULT now()
);
GRANT ALL ON user_totp TO atrium_system;

CREATE TABLE recovery_codes (
  id        text PRIMARY KEY,
  user_id   text NOT NULL REFERENCES users(id),
  code_hash text NOT NULL,
  used_at   timestamptz
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);
GRANT ALL ON recovery_codes TO atrium_system;

CREATE TABLE invitations (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants(id),
  email       text NOT NULL,
  role        text NOT NULL CHECK (role IN ('admin', 'member', 'viewer', 'integration')),
  token_hash  text NOT NULL UNIQUE,
  invited_by  text NOT NULL,
  expires_at  timestamptz NOT NULL,
  accepted_at timestamptz,
  revoked_at  timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invitations_tenant ON invitations (tenant_id, created_at DESC);
SELECT atrium_enable_tenancy('invitations');
GRANT SELECT, INSERT, UPDATE ON invitations TO atrium_app;

-- Failed logins per account and per IP: exponential backoff, temporary lockout.
CREATE TABLE auth_failures (
  key          text PRIMARY KEY,
  failures     integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  updated_at   timestamptz NOT NULL DEFAULT now()
);
GRANT ALL ON auth_failures TO atrium_system;

-- Fixed-window request counters shared by every serve process.
CREATE UNLOGGED TABLE rate_limit_windows (
  key          text NOT NULL,
  window_start timestamptz NOT NULL,
  hits         integer NOT NULL,
  PRIMARY KEY (key, window_start)
);
GRANT ALL ON rate_limit_windows TO atrium_system;

-- Tenant code may read the people of its own tenant (never their secrets), nobody else.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_of_tenant ON users FOR SELECT TO atrium_app USING (
  EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id
          AND m.tenant_id = current_setting('app.tenant_id', true)));
GRANT SELECT (id, email, name, created_at) ON users TO atrium_app;

-- Fallback encryption key when ATRIUM_SECRET_KEY is not set (development convenience).
CREATE TABLE platform_secrets (name text PRIMARY KEY, value text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
GRANT ALL ON platform_secrets TO atrium_system;
