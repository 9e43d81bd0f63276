-- Circuit breaker states shared by every process (see ai/breaker-sync.ts): one row per
-- provider endpoint, written only when a breaker opens or closes. Platform data, not a
-- tenant's: the tenant role has no access; the system role reads and writes it.
CREATE TABLE ai_breakers (
  key        text PRIMARY KEY,
  opened_at  timestamptz,
  changed_at timestamptz NOT NULL
);
GRANT SELECT, INSERT, UPDATE ON ai_breakers TO atrium_system;
