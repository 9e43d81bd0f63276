-- Circuit breaker states shared by every process (platform/shared-breakers.ts): one row per
-- target (`http:<host>` of flow steps…), written only when a breaker opens or closes. Platform
-- data, no tenant's: the tenant role has no access. (The AI gateway's provider breakers keep
-- their own table, ai_breakers, until they move onto this piece.)
CREATE TABLE breakers (
  key        text PRIMARY KEY,
  opened_at  timestamptz,
  changed_at timestamptz NOT NULL
);
GRANT SELECT, INSERT, UPDATE ON breakers TO atrium_system;
