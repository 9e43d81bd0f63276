-- Knowledge (module knowledge, namespace academy; issue 15): notebooks, their sources (the
-- original file in the blob store, parsed by a durable job), the chunks search reads (with
-- their document, page and section anchors), and generated outputs (brief, Q&A, …), versioned.
-- Chunks: `tsv` (full text, the 'simple' configuration: French and Malagasy are first languages
-- here, and an English stemmer would mangle them) and `embedding real[]` (unit-length, any
-- dimensions) always; where pgvector exists (embedded PGlite loads it) the DO block adds
-- `vec vector(512)` — the offline embedder's dimensions — kept equal by a trigger, with an
-- HNSW index. platform/vectors.ts picks the mode from whether `vec` exists.

CREATE TABLE notebooks (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants(id),
  name        text NOT NULL,
  description text NOT NULL DEFAULT '',
  tags        jsonb NOT NULL DEFAULT '[]',
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  archived_at timestamptz
);
CREATE INDEX notebooks_tenant ON notebooks (tenant_id, created_at);
SELECT atrium_enable_tenancy('notebooks');
GRANT SELECT, INSERT, UPDATE ON notebooks TO atrium_app;

CREATE TABLE knowledge_sources (
  id            text PRIMARY KEY,
  tenant_id     text NOT NULL REFERENCES tenants(id),
  notebook_id   text NOT NULL REFERENCES notebooks(id),
  origin        text NOT NULL CHECK (origin IN ('upload', 'url')),
  name          text NOT NULL,
  url           text,
  mime          text,
  type          text,
  size          bigint NOT NULL DEFAULT 0,
  blob_id       text REFERENCES blobs(id),
  sha256        text,
  status        text NOT NULL CHECK (status IN ('queued', 'parsing', 'parsed', 'failed')),
  progress      real NOT NULL DEFAULT 0,
  error_code    text,
  error_message text,
  title         text,
  pages         integer,
  chunks        integer NOT NULL DEFAULT 0,
  warnings      jsonb NOT NULL DEFAULT '[]',
  attempts      integer NOT NULL DEFAULT 0,
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  parsed_at     timestamptz,
  removed_at    timestamptz
);
CREATE INDEX knowledge_sources_notebook ON knowledge_sources (tenant_id, notebook_id, created_at);
SELECT atrium_enable_tenancy('knowledge_sources');
GRANT SELECT, INSERT, UPDATE ON knowledge_sources TO atrium_app;

CREATE TABLE knowledge_chunks (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants(id),
  notebook_id text NOT NULL,
  source_id   text NOT NULL REFERENCES knowledge_sources(id),
  ord         integer NOT NULL,
  page        integer,
  section     text,
  anchor      text NOT NULL,
  kind        text NOT NULL,
  text        text NOT NULL,
  tsv         tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce(section, '') || ' ' || text)) STORED,
  embedding   real[] CHECK (embedding IS NULL OR (cardinality(embedding) BETWEEN 1 AND 4096 AND array_ndims(embedding) = 1))
);
CREATE INDEX knowledge_chunks_source ON knowledge_chunks (source_id, ord);
CREATE INDEX knowledge_chunks_notebook ON knowledge_chunks (tenant_id, notebook_id);
CREATE INDEX knowledge_chunks_tsv ON knowledge_chunks USING gin (tsv);
SELECT atrium_enable_tenancy('knowledge_chunks');
GRANT SELECT, INSERT, UPDATE, DELETE ON knowledge_chunks TO atrium_app;

CREATE TABLE knowledge_outputs (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants(id),
  notebook_id text NOT NULL REFERENCES notebooks(id),
  kind        text NOT NULL CHECK (kind IN ('brief', 'qa', 'source_map', 'podcast')),
  version     integer NOT NULL,
  status      text NOT NULL CHECK (status IN ('queued', 'running', 'ready', 'failed')),
  progress    real NOT NULL DEFAULT 0,
  content     jsonb,
  provider    text,
  model       text,
  cost_usd    numeric(12, 6) NOT NULL DEFAULT 0,
  ms          integer,
  error       text,
  why         text,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  UNIQUE (notebook_id, kind, version)
);
CREATE INDEX knowledge_outputs_notebook ON knowledge_outputs (tenant_id, notebook_id, kind, version DESC);
SELECT atrium_enable_tenancy('knowledge_outputs');
GRANT SELECT, INSERT, UPDATE ON knowledge_outputs TO atrium_app;

DO $do$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
    CREATE EXTENSION IF NOT EXISTS vector;
    ALTER TABLE knowledge_chunks ADD COLUMN vec vector(512);
    CREATE FUNCTION knowledge_chunks_vec() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      NEW.vec := CASE WHEN cardinality(NEW.embedding) = 512 THEN NEW.embedding::vector(512) END;
      RETURN NEW;
    END
    $fn$;
    CREATE TRIGGER knowledge_chunks_vec BEFORE INSERT OR UPDATE OF embedding ON knowledge_chunks
      FOR EACH ROW EXECUTE FUNCTION knowledge_chunks_vec();
    CREATE INDEX knowledge_chunks_vec_hnsw ON knowledge_chunks USING hnsw (vec vector_cosine_ops);
  END IF;
END
$do$;
