// GET /v1/stream: each committed diff reaches its own tenant's subscribers once; a
// rolled-back one never; a reconnect with Last-Event-ID resumes exactly after that id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtriumClient, Diff } from '../../../../sdk/src/index.js';
import { inTenant } from '../../platform/context.js';
import { diffPublicId } from './model.js';
import { DIFF_CHANNEL } from './record.js';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { expectError, waitFor } from '../../testing/http.js';

let t: TestApp;
let a: TestTenant;
let b: TestTenant;

beforeAll(async () => {
  t = await startTestApp();
  a = await t.tenant('Stream A');
  b = await t.tenant('Stream B');
});
afterAll(() => t?.stop());

type Subscription = { got: Diff[]; close: () => void };
const open: Subscription[] = [];

/** Subscribes with the SDK and resolves once the server has answered (and so subscribed). */
async function subscribe(client: AtriumClient, lastEventId?: string): Promise<Subscription> {
  const got: Diff[] = [];
  let close: () => void = () => {};
  await new Promise<void>((resolve) => {
    close = client.stream((d) => got.push(d), { lastEventId, onOpen: resolve });
  });
  const sub = { got, close };
  open.push(sub);
  return sub;
}
afterAll(() => open.forEach((s) => s.close()));

const record = (x: TestTenant, namespace: string, entity_id: string, why?: string) =>
  x.client.diffs.record({ namespace, entity_type: 'ticket', entity_id, event: 'ticket.updated', after: { entity_id }, why });
const ids = (ds: readonly Diff[]) => ds.map((d) => d.id);
const arrived = (sub: Subscription, n: number, what: string) => waitFor(what, () => (sub.got.length >= n ? sub.got : undefined));
let fences = 0;
/**
 * Records a diff and waits for it on each subscription. A stream delivers in order (its
 * opening catch-up, then notices as they come), so whatever it would have sent before — a
 * duplicate, a stray replay — has arrived by then: "exactly" below means exactly.
 */
async function fence(x: TestTenant, ...subs: Subscription[]): Promise<string> {
  const d = await record(x, 'fence', `fence${++fences}`);
  for (const s of subs) await waitFor('the fence diff', () => (s.got.some((g) => g.id === d.id) ? true : undefined));
  return d.id;
}
/**
 * Resolves once the hub has routed every notice sent so far (a listener gets its notices in
 * the order they were sent, so a marker notice comes after them) and every stream has
 * finished what that queued (catch-ups, range loads): from then on nothing is on the way.
 */
async function quiescent(): Promise<void> {
  await t.app.hub.drain();
  const marker = `marker_${Date.now()}_${Math.random().toString(36).slice(2)}`;
  const routed = new Promise<void>((resolve) => {
    const off = t.app.hub.subscribe(DIFF_CHANNEL, marker, () => {
      off();
      resolve();
    });
  });
  await t.app.db.ownerExecutor.executeSql('select pg_notify($1, $2)', [DIFF_CHANNEL, JSON.stringify({ t: marker })]);
  await routed;
  await t.app.ledger.feed.idle();
}

describe('notices lost while the database connection was down', () => {
  it('a resync catches every stream up from where it stands, whether it had delivered anything or not', async () => {
    const sa = await subscribe(a.client);
    const first = await record(a, 'gap', 'g1');
    await arrived(sa, 1, 'the first diff');
    const quiet = await subscribe(a.client); // has delivered nothing yet
    await quiescent(); // its opening catch-up has run: what commits next can only come by notice
    const writtenBefore = t.app.ledger.feed.written;
    // Committed without its notice, as when the NOTIFY went out while nobody listened.
    const ctx = { tenantId: a.tenantId, actor: { type: 'system' as const, id: 'test' } };
    const lost = await inTenant(t.app.db, ctx, (c) =>
      t.app.ledger.record({ ...c, onCommit: () => {} }, { namespace: 'gap', entityType: 'ticket', entityId: 'g2', event: 'ticket.updated', after: { entity_id: 'g2' } }));
    await quiescent();
    expect(t.app.ledger.feed.written, 'no stream sent anything without a notice').toBe(writtenBefore);
    expect(ids(sa.got)).toEqual([first.id]);
    expect(quiet.got).toEqual([]);
    t.app.hub.resync(DIFF_CHANNEL);
    await arrived(sa, 2, 'the lost diff on the first stream');
    await arrived(quiet, 1, 'the lost diff on the quiet stream');
    const f = await fence(a, sa, quiet);
    expect(ids(sa.got)).toEqual([first.id, diffPublicId(lost.id), f]);
    expect(ids(quiet.got)).toEqual([diffPublicId(lost.id), f]);
  });
});

describe('live delivery', () => {
  it('delivers each committed diff, with its whys, to its own tenant only, once', async () => {
    const sa = await subscribe(a.client);
    const sb = await subscribe(b.client);
    const mine = [await record(a, 'live', 't1', 'Customer called'), await record(a, 'live', 't2'), await record(a, 'live', 't3')];
    const theirs = await record(b, 'live', 't1');
    await arrived(sa, 3, 'A’s diffs');
    await arrived(sb, 1, 'B’s diff');
    const [fa, fb] = [await fence(a, sa), await fence(b, sb)];
    expect(sa.got.slice(0, -1)).toEqual(mine);
    expect(ids(sa.got)).toEqual([...ids(mine), fa]);
    expect(sa.got[0]!.annotations.map((x) => x.why)).toEqual(['Customer called']);
    expect(ids(sb.got)).toEqual([theirs.id, fb]);
  });

  it('a diff in a rolled-back transaction is never delivered; a committed batch arrives whole, in order', async () => {
    const sa = await subscribe(a.client);
    const ctx = { tenantId: a.tenantId, actor: { type: 'system' as const, id: 'test' } };
    const rollback = inTenant(t.app.db, ctx, async (c) => {
      await t.app.ledger.record(c, { namespace: 'ghost', entityType: 'ticket', entityId: 'ghost', event: 'ticket.updated' });
      throw new Error('abort');
    });
    await expect(rollback).rejects.toThrow('abort');
    const batch = await inTenant(t.app.db, ctx, (c) =>
      t.app.ledger.recordBatch(c, ['b1', 'b2', 'b3'].map((id) => ({ namespace: 'real', entityType: 'ticket', entityId: id, event: 'ticket.updated' }))),
    );
    const last = await record(a, 'real', 'after_ghost');
    await arrived(sa, 4, 'the batch and the diff after the rollback');
    const f = await fence(a, sa);
    expect(ids(sa.got)).toEqual([...batch.map((r) => `dif_${r.id}`), last.id, f]);
    expect(sa.got.some((d) => d.namespace === 'ghost')).toBe(false);
    expect((await a.client.diffs.list({ namespace: 'ghost' })).items).toEqual([]);
  });

  it('several subscribers of one tenant each get every diff', async () => {
    const subs = await Promise.all([subscribe(a.client), subscribe(a.client), subscribe(a.client)]);
    const d = await record(a, 'fanout', 'f1');
    for (const s of subs) await arrived(s, 1, 'fan-out');
    const f = await fence(a, ...subs);
    for (const s of subs) expect(ids(s.got)).toEqual([d.id, f]);
  });
});

describe('resuming with Last-Event-ID', () => {
  it('a reconnect receives exactly the diffs after that id — none missed, none repeated — then live ones', async () => {
    const first = await subscribe(a.client);
    const before = [];
    for (let i = 1; i <= 5; i++) before.push(await record(a, 'resume', `r${i}`));
    await arrived(first, 5, 'first five');
    first.close();
    const whileAway = [];
    for (let i = 6; i <= 8; i++) whileAway.push(await record(a, 'resume', `r${i}`));

    const resumed = await subscribe(a.client, before[2]!.id);
    await arrived(resumed, 5, 'the backlog');
    const live = await record(a, 'resume', 'r9');
    await arrived(resumed, 6, 'the live diff');
    const f = await fence(a, resumed);
    expect(ids(resumed.got)).toEqual([...[...before.slice(3), ...whileAway, live].map((d) => d.id), f]);
  });

  it('a backlog longer than one page (1000 diffs) arrives whole and in order', async () => {
    const mark = await record(a, 'bulk', 'start');
    const ctx = { tenantId: a.tenantId, actor: { type: 'system' as const, id: 'test' } };
    const rows = await inTenant(t.app.db, ctx, (c) =>
      t.app.ledger.recordBatch(c, Array.from({ length: 1005 }, (_, i) => ({ namespace: 'bulk', entityType: 'ticket', entityId: `b${i}`, event: 'ticket.updated' }))),
    );
    const sub = await subscribe(a.client, mark.id);
    await arrived(sub, 1005, 'the long backlog');
    const f = await fence(a, sub);
    expect(ids(sub.got)).toEqual([...rows.map((r) => `dif_${r.id}`), f]);
  });

  it('resuming from the newest id replays nothing; an unknown id format resumes nothing', async () => {
    await quiescent(); // the streams of earlier tests have nothing on the way
    const written = t.app.ledger.feed.written;
    const newest = (await a.client.diffs.list({ limit: 1 })).items[0]!;
    const fromNewest = await subscribe(a.client, newest.id);
    const garbage = await subscribe(a.client, 'not-an-id');
    await quiescent(); // their opening catch-ups have run
    expect(t.app.ledger.feed.written, 'the opening catch-ups sent nothing').toBe(written);
    expect(fromNewest.got).toEqual([]);
    expect(garbage.got).toEqual([]);
    const d = await record(a, 'resume', 'r10');
    await arrived(fromNewest, 1, 'live after resume');
    await arrived(garbage, 1, 'live without resume');
    expect(ids(fromNewest.got)).toEqual([d.id]);
    expect(ids(garbage.got)).toEqual([d.id]);
  });

  it('EventSource style: ?ticket= (one-time) and ?last_event_id= work without headers', async () => {
    const mark = await record(a, 'es', 'e1');
    const next = await record(a, 'es', 'e2');
    const { ticket } = await a.client.auth.streamTicket();
    const res = await t.client().raw('GET', '/v1/stream', { query: { ticket, last_event_id: mark.id }, headers: { accept: 'text/event-stream' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const reader = res.body!.getReader();
    let text = '';
    const decoder = new TextDecoder();
    await waitFor('the replayed event', async () => {
      const { value } = await reader.read();
      text += decoder.decode(value, { stream: true });
      return text.includes(`id: ${next.id}\n`) ? true : undefined;
    });
    await reader.cancel();
    expect(text.startsWith('retry: ')).toBe(true);
    expect(text).not.toContain(`id: ${mark.id}\n`);
    const block = text.split('\n\n').find((blk) => blk.includes(`id: ${next.id}`))!;
    expect(block.split('\n').slice(0, 2)).toEqual([`id: ${next.id}`, 'event: diff']);
    expect(JSON.parse(block.split('\n').find((l) => l.startsWith('data: '))!.slice(6))).toEqual(next);
  });
});

describe('stream access', () => {
  it('401 envelope without or with a bad token; a read-only key may listen', async () => {
    await expectError(await t.client().raw('GET', '/v1/stream'), 401, 'UNAUTHENTICATED');
    await expectError(await t.client('atr_bogus_bogus_bogus_bogus_bogus').raw('GET', '/v1/stream'), 401, 'UNAUTHENTICATED');
    await expectError(await t.client().raw('GET', '/v1/stream', { query: { ticket: 'stt_bogus_bogus_bogus_bogus_bogus' } }), 401, 'UNAUTHENTICATED');
    await expectError(await t.client().raw('GET', '/v1/stream', { query: { access_token: a.token } }), 401, 'UNAUTHENTICATED');
    const key = await t.app.identity.issueToken({ tenantId: a.tenantId, userId: null, kind: 'api_key', scopes: ['read'] });
    const reader = await subscribe(t.client(key.token));
    const d = await record(a, 'ro', 'x');
    await arrived(reader, 1, 'read-only listener');
    expect(ids(reader.got)).toEqual([d.id]);
  });
});
