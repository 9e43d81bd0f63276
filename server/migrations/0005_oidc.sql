-- OIDC sign-in: the PKCE verifier and nonce of each authorization request, kept server-side
-- between /v1/auth/oidc/start and the callback. Rows are single use (deleted when the
-- callback consumes them) and refused after 10 minutes. Platform-only, like user_totp:
-- the flow runs before any tenant is known.
CREATE TABLE oidc_login_states (
  state         text PRIMARY KEY,
  code_verifier text NOT NULL,
  nonce         text NOT NULL,
  redirect_path text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX oidc_login_states_created ON oidc_login_states (created_at);
GRANT ALL ON oidc_login_states TO atrium_system;
