-- Stream tickets: EventSource cannot send an Authorization header, and a session token in a URL
-- ends up in access logs and browser history. A client trades its token for a ticket that opens
-- one stream, once, within a minute (identity/stream-tickets.ts). Stored hashed, like tokens.
CREATE TABLE stream_tickets (
  ticket_hash text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants(id),
  token_id    text NOT NULL REFERENCES auth_tokens(id) ON DELETE CASCADE,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);
CREATE INDEX stream_tickets_expiry ON stream_tickets (expires_at);
SELECT atrium_enable_tenancy('stream_tickets');
GRANT SELECT, INSERT, DELETE ON stream_tickets TO atrium_app;
