// LISTEN on server Postgres that survives its connection: when the dedicated client drops
// (database restart, failover, an idle-connection killer), it reconnects with backoff, listens
// again, and calls `onReconnect` — notifications sent while it was away are lost, so the
// subscriber must resynchronise (forget its caches, let clients catch up).
import pg from 'pg';

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

export type Listening = {
  close(): Promise<void>;
  /** A reconnect is scheduled or under way (observable, so a test can tell none is coming). */
  readonly reconnecting: boolean;
};

export async function listenResilient(
  url: string,
  channel: string,
  onPayload: (payload: string) => void,
  onReconnect: () => void = () => {},
): Promise<Listening> {
  let client: pg.Client | null = null;
  let closed = false;
  let retryMs = FIRST_RETRY_MS;
  let timer: NodeJS.Timeout | undefined;
  let reconnecting = false;

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString: url });
    c.on('notification', (n) => n.channel === channel && n.payload !== undefined && onPayload(n.payload));
    c.on('error', () => lost(c));
    c.on('end', () => lost(c));
    try {
      await c.connect();
      await c.query(`listen ${pg.escapeIdentifier(channel)}`);
    } catch (err) {
      // Not listening (the server refused, or went away again in between): drop this client.
      await c.end().catch(() => {});
      throw err;
    }
    if (closed) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
  }

  function lost(c: pg.Client): void {
    if (closed || client !== c) return;
    client = null;
    void c.end().catch(() => {});
    retry();
  }

  function retry(): void {
    if (closed) return;
    reconnecting = true;
    timer = setTimeout(() => {
      connect().then(
        () => {
          retryMs = FIRST_RETRY_MS;
          reconnecting = false;
          if (!closed) onReconnect();
        },
        () => {
          retryMs = Math.min(MAX_RETRY_MS, retryMs * 2);
          retry();
        },
      );
    }, retryMs);
  }

  await connect();
  return {
    get reconnecting() {
      return reconnecting;
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      reconnecting = false; // a connect under way ends its client itself once it sees `closed`
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
