-- The ledger: every change as a diff (before → after → who → why). Append-only.
CREATE TABLE diffs (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id      text NOT NULL,
  namespace      text NOT NULL,
  entity_type    text NOT NULL,
  entity_id      text NOT NULL,
  event          text NOT NULL,
  value_before   jsonb,
  value_after    jsonb,
  metadata       jsonb NOT NULL DEFAULT '{}'::jsonb,
  actor_type     text NOT NULL CHECK (actor_type IN ('user', 'agent', 'rule', 'system', 'api_key')),
  actor_id       text NOT NULL,
  causation_id   bigint,
  correlation_id text,
  -- millisecond precision so a timestamp read through the API round-trips exactly into `at=`
  created_at     timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
);
CREATE INDEX diffs_tenant_time ON diffs (tenant_id, created_at DESC, id DESC);
CREATE INDEX diffs_tenant_namespace_time ON diffs (tenant_id, namespace, created_at DESC, id DESC);
CREATE INDEX diffs_tenant_entity ON diffs (tenant_id, entity_type, entity_id, id);
CREATE INDEX diffs_tenant_actor ON diffs (tenant_id, actor_id, created_at DESC);
CREATE INDEX diffs_causation ON diffs (tenant_id, causation_id) WHERE causation_id IS NOT NULL;
SELECT atrium_enable_tenancy('diffs');
GRANT SELECT, INSERT ON diffs TO atrium_app;
CREATE TRIGGER diffs_append_only BEFORE UPDATE OR DELETE ON diffs
  FOR EACH ROW EXECUTE FUNCTION atrium_refuse_change();
CREATE TRIGGER diffs_no_truncate BEFORE TRUNCATE ON diffs
  FOR EACH STATEMENT EXECUTE FUNCTION atrium_refuse_change();

-- Whys: several per diff, from several authors, with sentiment; searchable across the tenant.
-- The vector holds English stems and the plain words, so French and Malagasy whys match too.
CREATE TABLE annotations (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL,
  diff_id     bigint NOT NULL REFERENCES diffs(id),
  author_type text NOT NULL,
  author_id   text NOT NULL,
  why         text NOT NULL CHECK (length(why) BETWEEN 1 AND 5000),
  sentiment   smallint NOT NULL DEFAULT 0 CHECK (sentiment IN (-1, 0, 1)),
  created_at  timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  search      tsvector GENERATED ALWAYS AS (to_tsvector('english', why) || to_tsvector('simple', why)) STORED
);
CREATE INDEX annotations_diff ON annotations (tenant_id, diff_id);
CREATE INDEX annotations_search ON annotations USING gin (search);
SELECT atrium_enable_tenancy('annotations');
GRANT SELECT, INSERT ON annotations TO atrium_app;
CREATE TRIGGER annotations_append_only BEFORE UPDATE OR DELETE ON annotations
  FOR EACH ROW EXECUTE FUNCTION atrium_refuse_change();

-- Replay snapshots: the folded state of an entity as of one of its diffs.
CREATE TABLE entity_snapshots (
  tenant_id   text NOT NULL,
  entity_type text NOT NULL,
  entity_id   text NOT NULL,
  diff_id     bigint NOT NULL,
  diff_count  integer NOT NULL,
  state       jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, entity_type, entity_id, diff_id)
);
SELECT atrium_enable_tenancy('entity_snapshots');
GRANT SELECT ON entity_snapshots TO atrium_app;
