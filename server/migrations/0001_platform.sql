-- Roles: the app runs tenant work as atrium_app (subject to RLS) and platform work
-- (auth lookup, maintenance across tenants) as atrium_system (BYPASSRLS). The
-- connecting user owns the tables and only switches into these roles.
-- Roles belong to the cluster, not the database: two databases migrating at once (parallel test
-- files, or staging and production on one server) can both see a role missing. The loser of that race gets
-- unique_violation / duplicate_object, which means "it exists now" and is fine.
DO $$
BEGIN
  BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'atrium_app') THEN
      CREATE ROLE atrium_app NOLOGIN NOBYPASSRLS;
    END IF;
  EXCEPTION WHEN unique_violation OR duplicate_object THEN NULL;
  END;
  BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'atrium_system') THEN
      CREATE ROLE atrium_system NOLOGIN BYPASSRLS;
    END IF;
  EXCEPTION WHEN unique_violation OR duplicate_object THEN NULL;
  END;
  BEGIN
    GRANT atrium_app TO CURRENT_USER;
    GRANT atrium_system TO CURRENT_USER;
  EXCEPTION WHEN unique_violation OR duplicate_object THEN NULL;
  END;
END $$;
GRANT USAGE ON SCHEMA public TO atrium_app, atrium_system;

-- Makes a table tenant-owned: RLS forced (even for the owner) and keyed on the
-- transaction-local setting app.tenant_id; missing setting → no rows.
CREATE OR REPLACE FUNCTION atrium_enable_tenancy(tbl regclass, tenant_column text DEFAULT 'tenant_id')
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
  EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %s', tbl);
  EXECUTE format(
    'CREATE POLICY tenant_isolation ON %s USING (%I = current_setting(''app.tenant_id'', true)) WITH CHECK (%I = current_setting(''app.tenant_id'', true))',
    tbl, tenant_column, tenant_column);
  EXECUTE format('GRANT ALL ON %s TO atrium_system', tbl);
END $$;

-- Refuses UPDATE/DELETE/TRUNCATE on append-only tables.
CREATE OR REPLACE FUNCTION atrium_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TABLE idempotency_keys (
  tenant_id    text NOT NULL,
  principal_id text NOT NULL,
  key          text NOT NULL,
  request_hash text NOT NULL,
  status_code  integer,
  response     jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, principal_id, key)
);
SELECT atrium_enable_tenancy('idempotency_keys');
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO atrium_app;
