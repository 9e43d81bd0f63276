// The blob store: originals of uploaded files (knowledge sources; later task attachments) behind
// one interface, in Postgres by default (works on PGlite and server Postgres) or in a directory
// on disk (ATRIUM_BLOB_DIR). Writes stream: each part of at most PART_BYTES is written in its
// own short tenant transaction as it arrives, so an upload is never buffered whole in memory and
// never holds a transaction (PGlite has one connection) open while the client sends. A blob is
// `writing` until its last byte is in; whoever references it does so in its own transaction, and
// `sweep` deletes blobs left `writing` by an interrupted upload. Tenancy: every row carries its
// tenant and RLS applies; directory files live under the tenant's folder.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ColumnType } from 'kysely';
import type { Db, Tx } from './db/index.js';
import { AppError } from './errors.js';
import { newId } from './ids.js';
import type { CreatedAt } from './schema.js';

export interface BlobTables {
  blobs: {
    id: string; tenant_id: string; status: ColumnType<'writing' | 'ready', 'writing' | 'ready' | undefined, 'ready'>;
    storage: 'postgres' | 'directory'; mime: string | null; size: ColumnType<string, number | undefined, number>;
    sha256: string | null; created_at: CreatedAt;
  };
  blob_parts: { tenant_id: string; blob_id: string; seq: number; data: Uint8Array };
}

declare module './db/database.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Database extends BlobTables {}
}

/** Largest part written in one statement (and read back in one row). */
export const PART_BYTES = 256 * 1024;
/** A blob still `writing` after this long was abandoned (the client went away mid-upload). */
const ABANDONED_AFTER_MS = 60 * 60 * 1000;

export type StoredBlob = { id: string; size: number; sha256: string; mime: string | null };
export type BlobHead = StoredBlob & { status: 'writing' | 'ready'; storage: 'postgres' | 'directory' };

/** The stream ran past `maxBytes` (nothing of it is kept). */
export class BlobTooLarge extends AppError {
  constructor(readonly maxBytes: number) {
    super('PAYLOAD_TOO_LARGE', 413, `The file is larger than the limit of ${formatBytes(maxBytes)}.`, [{ message: 'too large', max_bytes: maxBytes }]);
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}

export interface BlobStore {
  readonly mode: 'postgres' | 'directory';
  /** Streams `source` into a new blob; refuses (and removes what was written) past `maxBytes`. */
  put(tenantId: string, source: AsyncIterable<Uint8Array>, opts: { mime?: string | null; maxBytes: number }): Promise<StoredBlob>;
  head(tenantId: string, id: string): Promise<BlobHead | null>;
  /** The blob's bytes in order, part by part (never the whole blob at once). */
  read(tenantId: string, id: string): AsyncIterable<Uint8Array>;
  /** A ready blob of the transaction's tenant with its first bytes (what a type detector reads), or null; inside the caller's transaction. */
  peek(tx: Tx, id: string, maxBytes: number): Promise<(StoredBlob & { head: Uint8Array }) | null>;
  /** The whole blob in memory (parsers need it), refused past `maxBytes`. */
  readAll(tenantId: string, id: string, maxBytes: number): Promise<Uint8Array>;
  delete(tenantId: string, id: string): Promise<void>;
  /** Deletes blobs abandoned while writing (older than an hour); returns how many. */
  sweep(now: Date): Promise<number>;
}

/** A bytea value as a plain Uint8Array view (pg hands out Buffers, PGlite Uint8Arrays). */
const plain = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** Re-chunks any stream of bytes into parts of exactly PART_BYTES (the last one shorter). */
async function* parts(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let buf = new Uint8Array(PART_BYTES);
  let used = 0;
  for await (const chunk of source) {
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(PART_BYTES - used, chunk.length - at);
      buf.set(chunk.subarray(at, at + n), used);
      used += n;
      at += n;
      if (used === PART_BYTES) {
        yield buf;
        buf = new Uint8Array(PART_BYTES);
        used = 0;
      }
    }
  }
  if (used > 0) yield buf.subarray(0, used);
}

export function createBlobStore(db: Db, opts: { dir?: string } = {}): BlobStore {
  const dir = opts.dir;
  const mode = dir ? 'directory' : 'postgres';
  const fileOf = (tenantId: string, id: string) => join(dir!, tenantId.replace(/[^A-Za-z0-9_-]/g, '_'), id);

  async function remove(tenantId: string, id: string): Promise<void> {
    await db.tenantTx(tenantId, (tx) => tx.deleteFrom('blobs').where('id', '=', id).execute());
    if (dir) await rm(fileOf(tenantId, id), { force: true });
  }

  async function writeParts(tenantId: string, id: string, source: AsyncIterable<Uint8Array>, maxBytes: number, hash: ReturnType<typeof createHash>): Promise<number> {
    let size = 0;
    let seq = 0;
    const out = dir ? createWriteStream(fileOf(tenantId, id), { flags: 'wx' }) : null;
    try {
      for await (const part of parts(source)) {
        size += part.length;
        if (size > maxBytes) throw new BlobTooLarge(maxBytes);
        hash.update(part);
        if (out) {
          if (!out.write(part)) await new Promise<void>((resolve, reject) => { out.once('drain', resolve); out.once('error', reject); });
        } else {
          const data = Buffer.from(part.buffer, part.byteOffset, part.length);
          const n = seq++;
          await db.tenantTx(tenantId, (tx) => tx.insertInto('blob_parts').values({ tenant_id: tenantId, blob_id: id, seq: n, data }).execute());
        }
      }
    } finally {
      if (out) await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    }
    return size;
  }

  return {
    mode,
    async put(tenantId, source, { mime = null, maxBytes }) {
      const id = newId('blob');
      await db.tenantTx(tenantId, (tx) => tx.insertInto('blobs').values({ id, tenant_id: tenantId, storage: mode, mime }).execute());
      if (dir) await mkdir(join(dir, tenantId.replace(/[^A-Za-z0-9_-]/g, '_')), { recursive: true });
      const hash = createHash('sha256');
      let size: number;
      try {
        size = await writeParts(tenantId, id, source, maxBytes, hash);
      } catch (err) {
        await remove(tenantId, id).catch(() => {});
        throw err;
      }
      const sha256 = hash.digest('hex');
      await db.tenantTx(tenantId, (tx) => tx.updateTable('blobs').set({ status: 'ready', size, sha256 }).where('id', '=', id).execute());
      return { id, size, sha256, mime };
    },
    async head(tenantId, id) {
      const row = await db.tenantTx(tenantId, (tx) => tx.selectFrom('blobs').selectAll().where('id', '=', id).executeTakeFirst());
      return row ? { id: row.id, size: Number(row.size), sha256: row.sha256 ?? '', mime: row.mime, status: row.status, storage: row.storage } : null;
    },
    async *read(tenantId, id) {
      const head = await db.tenantTx(tenantId, (tx) => tx.selectFrom('blobs').select(['storage', 'status']).where('id', '=', id).executeTakeFirst());
      if (!head || head.status !== 'ready') throw new AppError('NOT_FOUND', 404, 'No such file.');
      if (head.storage === 'directory') {
        if (!dir) throw new Error('blob stored in a directory, but ATRIUM_BLOB_DIR is not set');
        for await (const chunk of createReadStream(fileOf(tenantId, id), { highWaterMark: PART_BYTES })) yield chunk as Buffer;
        return;
      }
      // One part per statement: a large blob is never read whole.
      for (let seq = 0; ; seq++) {
        const part = await db.tenantTx(tenantId, (tx) => tx.selectFrom('blob_parts').select('data').where('blob_id', '=', id).where('seq', '=', seq).executeTakeFirst());
        if (!part) return;
        yield plain(part.data);
      }
    },
    async peek(tx, id, maxBytes) {
      const head = await tx.selectFrom('blobs').selectAll().where('id', '=', id).executeTakeFirst();
      if (!head || head.status !== 'ready') return null;
      const stored = { id, size: Number(head.size), sha256: head.sha256 ?? '', mime: head.mime };
      if (head.storage === 'directory') {
        if (!dir) throw new Error('blob stored in a directory, but ATRIUM_BLOB_DIR is not set');
        const f = await open(fileOf(head.tenant_id, id), 'r');
        try {
          const buf = new Uint8Array(maxBytes);
          const { bytesRead } = await f.read(buf, 0, maxBytes, 0);
          return { ...stored, head: buf.subarray(0, bytesRead) };
        } finally {
          await f.close();
        }
      }
      const part = await tx.selectFrom('blob_parts').select('data').where('blob_id', '=', id).where('seq', '=', 0).executeTakeFirst();
      return { ...stored, head: part ? plain(part.data).subarray(0, maxBytes) : new Uint8Array(0) };
    },
    async readAll(tenantId, id, maxBytes) {
      const head = await this.head(tenantId, id);
      if (!head || head.status !== 'ready') throw new AppError('NOT_FOUND', 404, 'No such file.');
      if (head.size > maxBytes) throw new BlobTooLarge(maxBytes);
      const all = new Uint8Array(head.size);
      let at = 0;
      for await (const chunk of this.read(tenantId, id)) {
        all.set(chunk, at);
        at += chunk.length;
      }
      return all.subarray(0, at);
    },
    delete: remove,
    async sweep(now) {
      const before = new Date(now.getTime() - ABANDONED_AFTER_MS);
      // system: abandoned uploads of every tenant are swept at once (platform maintenance, no tenant's request).
      const gone = await db.systemTx((tx) => tx.deleteFrom('blobs').where('status', '=', 'writing').where('created_at', '<', before).returning(['id', 'tenant_id']).execute());
      if (dir) for (const b of gone) await rm(fileOf(b.tenant_id, b.id), { force: true });
      return gone.length;
    },
  };
}
