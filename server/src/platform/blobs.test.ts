// The blob store on the real database, in both modes: bytes come back exactly, in parts (never
// whole), an over-limit stream leaves nothing behind, tenants cannot read each other's blobs,
// and an upload abandoned mid-way is swept.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestTenant } from '../testing/harness.js';
import { BlobTooLarge, createBlobStore, PART_BYTES, type BlobStore } from './blobs.js';

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let dir: string;

/** Deterministic bytes, delivered in odd-sized chunks (as a network would). */
function bytes(n: number, seed = 7): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) out[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return out;
}
async function* chunked(data: Uint8Array, size = 70_001): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

beforeAll(async () => {
  t = await startTestApp();
  a = await t.tenant('Blobs A');
  b = await t.tenant('Blobs B');
  dir = await mkdtemp(join(tmpdir(), 'atrium-blobs-'));
});
afterAll(async () => {
  await t?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe.each(['postgres', 'directory'] as const)('the blob store in %s mode', (mode) => {
  let store: BlobStore;
  beforeAll(() => {
    store = createBlobStore(t.app.db, mode === 'directory' ? { dir } : {});
  });

  it('gives back exactly what was streamed in, part by part, with its size and hash', async () => {
    const data = bytes(PART_BYTES * 2 + 12_345);
    const put = await store.put(a.tenantId, chunked(data), { mime: 'application/pdf', maxBytes: 10 * PART_BYTES });
    expect(put.size).toBe(data.length);
    expect(put.sha256).toMatch(/^[0-9a-f]{64}$/);
    const parts: number[] = [];
    for await (const p of store.read(a.tenantId, put.id)) parts.push(p.length);
    expect(Math.max(...parts)).toBeLessThanOrEqual(PART_BYTES);
    expect(await store.readAll(a.tenantId, put.id, data.length)).toEqual(data);
    const peeked = await t.app.db.tenantTx(a.tenantId, (tx) => store.peek(tx, put.id, 16));
    expect(peeked).toMatchObject({ id: put.id, size: data.length, mime: 'application/pdf' });
    expect(peeked!.head).toEqual(data.subarray(0, 16));
    await expect(store.readAll(a.tenantId, put.id, data.length - 1)).rejects.toBeInstanceOf(BlobTooLarge);
  });

  it('refuses a stream past the limit and keeps nothing of it', async () => {
    const before = await t.app.db.tenantTx(a.tenantId, (tx) => tx.selectFrom('blobs').select('id').execute());
    await expect(store.put(a.tenantId, chunked(bytes(PART_BYTES * 3)), { maxBytes: PART_BYTES * 2 })).rejects.toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    const after = await t.app.db.tenantTx(a.tenantId, (tx) => tx.selectFrom('blobs').select('id').execute());
    expect(after).toEqual(before);
    const parts = await t.app.db.tenantTx(a.tenantId, (tx) => tx.selectFrom('blob_parts').select('blob_id').where('blob_id', 'not in', before.length ? before.map((x) => x.id) : ['-']).execute());
    expect(parts).toEqual([]);
    // No file left on disk that no row knows of.
    if (mode === 'directory') for (const f of await readdir(join(dir, a.tenantId))) expect(after.map((x) => x.id)).toContain(f);
  });

  it('is another tenant’s to read only', async () => {
    const put = await store.put(a.tenantId, chunked(bytes(1000)), { maxBytes: 10_000 });
    expect(await store.head(b.tenantId, put.id)).toBeNull();
    await expect(store.readAll(b.tenantId, put.id, 10_000)).rejects.toMatchObject({ status: 404 });
    expect(await t.app.db.tenantTx(b.tenantId, (tx) => store.peek(tx, put.id, 10))).toBeNull();
  });

  it('sweeps an upload abandoned mid-way (an hour later), not a finished one', async () => {
    let fail = false;
    async function* dies(): AsyncGenerator<Uint8Array> {
      yield bytes(PART_BYTES + 10);
      fail = true;
      await new Promise<never>(() => {}); // the client never sends the rest
    }
    void store.put(a.tenantId, dies(), { maxBytes: 10 * PART_BYTES });
    const writing = await (async () => {
      for (;;) {
        const rows = await t.app.db.tenantTx(a.tenantId, (tx) => tx.selectFrom('blobs').select('id').where('status', '=', 'writing').execute());
        if (rows.length > 0 && fail) return rows;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const done = await store.put(a.tenantId, chunked(bytes(10)), { maxBytes: 100 });
    expect(await store.sweep(new Date())).toBe(0);
    expect(await store.sweep(new Date(Date.now() + 61 * 60 * 1000))).toBe(writing.length);
    expect(await store.head(a.tenantId, writing[0]!.id)).toBeNull();
    expect(await store.head(a.tenantId, done.id)).toMatchObject({ status: 'ready', size: 10 });
  });
});
