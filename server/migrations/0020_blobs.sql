-- The blob store (platform/blobs.ts): originals of uploaded documents (knowledge sources, and
-- later task attachments), kept behind one interface. In Postgres (the default, on PGlite and
-- server) a blob is a row plus its parts of at most 256 KiB, written as they stream in, each part
-- in its own short transaction — an upload never holds a transaction open, nor is it buffered
-- whole in memory. In directory mode (ATRIUM_BLOB_DIR) the row stays here and the bytes go to
-- <dir>/<tenant>/<blob id>. A blob is `writing` until its last part is in, then `ready`; what
-- references it commits in its own transaction, and a sweep removes writing or unreferenced
-- blobs left by an interrupted upload.
CREATE TABLE blobs (
  id         text PRIMARY KEY,
  tenant_id  text NOT NULL REFERENCES tenants(id),
  status     text NOT NULL DEFAULT 'writing' CHECK (status IN ('writing', 'ready')),
  storage    text NOT NULL CHECK (storage IN ('postgres', 'directory')),
  mime       text,
  size       bigint NOT NULL DEFAULT 0,
  sha256     text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX blobs_writing ON blobs (created_at) WHERE status = 'writing';
SELECT atrium_enable_tenancy('blobs');
GRANT SELECT, INSERT, UPDATE, DELETE ON blobs TO atrium_app;

CREATE TABLE blob_parts (
  tenant_id text NOT NULL REFERENCES tenants(id),
  blob_id   text NOT NULL REFERENCES blobs(id) ON DELETE CASCADE,
  seq       integer NOT NULL,
  data      bytea NOT NULL,
  PRIMARY KEY (blob_id, seq)
);
SELECT atrium_enable_tenancy('blob_parts');
GRANT SELECT, INSERT, DELETE ON blob_parts TO atrium_app;
