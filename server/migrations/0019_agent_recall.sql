-- Semantic recall for agent memories (module agents, issue 14; decision 0070): one row per
-- memory with its embedding, searched by cosine similarity within one agent's store.
-- `embedding` (real[], stored unit-length by recall.ts) is always there, so the store works on
-- any Postgres; where the pgvector extension is available (embedded PGlite loads it; Debian's
-- Postgres 15 here has no package) the DO block below adds `vec vector(512)` — the offline
-- embedder's dimensions (OFFLINE_EMBED_DIMENSIONS) — kept equal to `embedding` by a trigger,
-- with an HNSW index for cosine distance. recall.ts picks the mode from whether `vec` exists.
-- Embeddings of other dimensions (another provider's model) get vec NULL and are searched exactly.
-- agent_id has no foreign key to agents (0018): the two were built side by side.

CREATE TABLE agent_recall (
  memory_id  text PRIMARY KEY,
  tenant_id  text NOT NULL REFERENCES tenants(id),
  agent_id   text NOT NULL,
  text       text NOT NULL,
  embedding  real[] NOT NULL CHECK (cardinality(embedding) BETWEEN 1 AND 4096 AND array_ndims(embedding) = 1),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agent_recall_agent ON agent_recall (tenant_id, agent_id);
SELECT atrium_enable_tenancy('agent_recall');
GRANT SELECT, INSERT, UPDATE, DELETE ON agent_recall TO atrium_app;

DO $do$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
    CREATE EXTENSION IF NOT EXISTS vector;
    ALTER TABLE agent_recall ADD COLUMN vec vector(512);
    CREATE FUNCTION agent_recall_vec() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      NEW.vec := CASE WHEN cardinality(NEW.embedding) = 512 THEN NEW.embedding::vector(512) END;
      RETURN NEW;
    END
    $fn$;
    CREATE TRIGGER agent_recall_vec BEFORE INSERT OR UPDATE OF embedding ON agent_recall
      FOR EACH ROW EXECUTE FUNCTION agent_recall_vec();
    CREATE INDEX agent_recall_vec_hnsw ON agent_recall USING hnsw (vec vector_cosine_ops);
  END IF;
END
$do$;
