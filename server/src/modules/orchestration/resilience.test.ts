// What keeps runs going when the world fails them, against real loopback servers: retries
// with backoff and an idempotency key per attempt, errors that are not retried, the circuit
// breaker per target, saga compensations in reverse order; a replay that calls no model; and
// what starts runs from outside — events, schedules, rules — with concurrency limits per key.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { expectOk, waitFor } from '../../testing/http.js';
import { startFakeProvider, type FakeProvider } from '../ai/ai-testing.js';

type Run = { id: string; status: string; input: unknown; output: unknown; error: unknown; trigger: string; steps: { key: string; status: string; attempt: number; type: string; error: unknown }[] };
type Hit = { key: string | undefined; signature: string | undefined; body: string };

let t: TestApp;
let a: TestTenant;

const post = async <T>(url: string, body: unknown, status = 200) => (await expectOk<T>(await a.client.raw('POST', url, { body }), status)).data;
const get = async <T>(url: string) => (await expectOk<T>(await a.client.raw('GET', url))).data;
const settled = (id: string) => waitFor(`run ${id} settled`, async () => {
  const r = await get<Run>(`/v1/runs/${id}`);
  return ['completed', 'failed', 'compensated', 'compensation_failed', 'cancelled'].includes(r.status) ? r : undefined;
});
const start = async (flow: string, input: Record<string, unknown> = {}) => post<Run>(`/v1/flows/${flow}/runs`, { input }, 201);

/** A loopback server answering from a script (then `fallback`), recording what it was sent. */
async function target(script: number[], fallback: number, headers: Record<string, string> = {}) {
  const hits: Hit[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hits.push({ key: req.headers['idempotency-key'] as string | undefined, signature: req.headers['atrium-signature'] as string | undefined, body });
      const status = script.shift() ?? fallback;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify({ ok: status < 400, n: hits.length }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, hits, close: () => new Promise<void>((r) => server.close(() => r())) };
}

let provider: FakeProvider;
beforeAll(async () => {
  t = await startTestApp({ config: { flowHttpAllowPrivate: true } });
  a = await t.tenant('Resilient');
  provider = await startFakeProvider('openai');
});
afterAll(async () => {
  await provider?.close();
  await t?.stop();
});

const fast = { max_attempts: 3, initial_ms: 10, max_ms: 50, factor: 2, jitter: true };

describe('retries, breakers and compensations', () => {
  it('retries a failing http step with backoff and a key per attempt, then succeeds', async () => {
    const srv = await target([503, 503], 200, { 'retry-after': '0' });
    try {
      await post('/v1/flows', { key: 'retrying', name: 'Retrying', steps: [{ id: 'call', type: 'http', url: srv.url, body: { hello: 'world' }, secret: 'a-long-signing-secret', retry: fast }] }, 201);
      const run = await settled((await start('retrying')).id);
      expect(run.status).toBe('completed');
      expect(run.steps.map((s) => `${s.attempt}:${s.status}`)).toEqual(['1:failed', '2:failed', '3:completed']);
      expect(srv.hits.map((h) => h.key)).toEqual([`${run.id}:call:1`, `${run.id}:call:2`, `${run.id}:call:3`]);
      expect(srv.hits.every((h) => /^t=\d+,v1=[0-9a-f]{64}$/.test(h.signature ?? ''))).toBe(true);
      expect(JSON.parse(srv.hits[0]!.body)).toEqual({ hello: 'world' });
      const retried = await get<{ event: string }[]>(`/v1/diffs?namespace=orchestration&entity_id=${run.id}`);
      expect(retried.filter((d) => d.event === 'step.retried')).toHaveLength(2);
    } finally {
      await srv.close();
    }
  });

  it('does not retry an error a retry cannot fix (a 400)', async () => {
    const srv = await target([], 400);
    try {
      await post('/v1/flows', { key: 'bad-request', name: 'Bad request', steps: [{ id: 'call', type: 'http', url: srv.url, retry: fast }] }, 201);
      const run = await settled((await start('bad-request')).id);
      expect(run.status).toBe('failed');
      expect(srv.hits).toHaveLength(1);
    } finally {
      await srv.close();
    }
  });

  it('opens the breaker after 5 failures of a target: the next call is not sent', async () => {
    const srv = await target([], 500);
    try {
      await post('/v1/flows', { key: 'breaking', name: 'Breaking', steps: [{ id: 'call', type: 'http', url: srv.url, retry: { max_attempts: 1 } }] }, 201);
      for (let i = 0; i < 5; i += 1) expect((await settled((await start('breaking')).id)).status).toBe('failed');
      expect(srv.hits).toHaveLength(5);
      const sixth = await settled((await start('breaking')).id);
      expect(JSON.stringify(sixth.error)).toMatch(/CIRCUIT_OPEN/);
      expect(srv.hits).toHaveLength(5);
    } finally {
      await srv.close();
    }
  });

  it('compensates the completed steps in reverse order when a later step fails for good', async () => {
    const srv = await target([], 500);
    const record = (event: string) => ({ type: 'command', command: 'ledger.record_event', input: { namespace: 'saga', entity_type: 'order', entity_id: '{{ run.id }}', event } });
    try {
      await post('/v1/flows', {
        key: 'saga', name: 'Saga',
        steps: [
          { id: 'reserve', ...record('stock.reserved'), compensate: record('stock.released') },
          { id: 'charge', ...record('card.charged'), compensate: record('card.refunded'), after: ['reserve'] },
          { id: 'ship', type: 'http', url: srv.url, retry: { max_attempts: 2, initial_ms: 10, max_ms: 20 }, after: ['charge'] },
        ],
      }, 201);
      const run = await settled((await start('saga')).id);
      expect(run.status).toBe('compensated');
      const events = (await get<{ event: string; entity_id: string }[]>('/v1/diffs?namespace=saga')).filter((d) => d.entity_id === run.id).map((d) => d.event).reverse();
      expect(events, JSON.stringify(run.steps)).toEqual(['stock.reserved', 'card.charged', 'card.refunded', 'stock.released']);
      expect(run.steps.filter((s) => s.key.endsWith('#compensate')).map((s) => `${s.key}:${s.status}`)).toEqual(['charge#compensate:compensated', 'reserve#compensate:compensated']);
    } finally {
      await srv.close();
    }
  });
});

describe('replay calls no model', () => {
  it('serves the llm step’s output from the journal: zero provider calls, the same result', async () => {
    await expectOk(await a.client.raw('PUT', '/v1/ai/settings', { body: { providers: { fake: { kind: 'openai-compatible', base_url: provider.baseUrl, api_key: 'sk-fake', model: 'fake-1' } }, aliases: { writer: { chain: [{ provider: 'fake' }] } } } }));
    provider.fallback = { text: 'A weekly report: all good.' };
    await post('/v1/flows', { key: 'report', name: 'Report', steps: [{ id: 'write', type: 'llm', alias: 'writer', prompt: 'Write the weekly report for {{ input.team }}' }, { id: 'title', type: 'transform', value: '{{ upper(steps.write.output.text) }}', after: ['write'] }] }, 201);
    const first = await settled((await start('report', { team: 'Ops' })).id);
    expect(first.status).toBe('completed');
    expect(first.output).toBe('A WEEKLY REPORT: ALL GOOD.');
    const calls = provider.seen.length;
    await t.app.ai.settled(); // calls are metered write-behind
    const aiCalls = (await get<unknown[]>('/v1/diffs?namespace=ai&event=ai.call')).length;
    expect(calls).toBeGreaterThan(0);
    provider.fallback = { text: 'Something else entirely.' };
    const replay = await settled((await post<Run>(`/v1/runs/${first.id}/replay`, {}, 201)).id);
    expect(replay.output).toEqual(first.output);
    expect(provider.seen.length).toBe(calls);
    await t.app.ai.settled();
    expect((await get<unknown[]>('/v1/diffs?namespace=ai&event=ai.call')).length).toBe(aiCalls);
  });
});

describe('starting runs from outside', () => {
  it('starts a run on a matching event, with input from the diff', async () => {
    await post('/v1/flows', { key: 'on-deal', name: 'On deal', input: { type: 'object', properties: { amount: { type: 'number' } } }, triggers: [{ event: { namespace: 'crm', event: 'deal.won', filter: { path: 'after.amount', op: 'gte', value: 100 }, input: { amount: '{{ trigger.after.amount }}' } } }], steps: [{ id: 'x', type: 'transform', value: '{{ input.amount * 2 }}' }] }, 201);
    await post('/v1/diffs', { namespace: 'crm', entity_type: 'deal', entity_id: 'small', event: 'deal.won', after: { amount: 5 } }, 201);
    await post('/v1/diffs', { namespace: 'crm', entity_type: 'deal', entity_id: 'big', event: 'deal.won', after: { amount: 500 } }, 201);
    const runs = await waitFor('event run', async () => { const r = await get<Run[]>('/v1/runs?flow=on-deal'); return r.length > 0 ? r : undefined; });
    const run = await settled(runs[0]!.id);
    expect(run).toMatchObject({ trigger: 'event', input: { amount: 500 }, output: 1000 });
    expect((await get<Run[]>('/v1/runs?flow=on-deal')).length).toBe(1);
  });

  it('fires a schedule once per fire time', async () => {
    await post('/v1/flows', { key: 'hourly', name: 'Hourly', triggers: [{ schedule: { cron: '0 * * * *', timezone: 'Indian/Antananarivo' } }], steps: [{ id: 'x', type: 'transform', value: 'tick' }] }, 201);
    const later = new Date(Date.now() + 2 * 3_600_000);
    expect(await t.app.orchestration.fireSchedules(later)).toBeGreaterThanOrEqual(1);
    await t.app.orchestration.fireSchedules(later);
    const runs = await waitFor('scheduled run', async () => { const r = await get<Run[]>('/v1/runs?flow=hourly'); return r.length > 0 ? r : undefined; });
    expect(runs).toHaveLength(1);
    expect(runs[0]!.trigger).toBe('schedule');
  });

  it('starts a run from a rule (start_flow)', async () => {
    await post('/v1/flows', { key: 'greet-lead', name: 'Greet lead', input: { type: 'object', properties: { who: { type: 'string' } } }, steps: [{ id: 'x', type: 'transform', value: 'Hi {{ input.who }}' }] }, 201);
    await post('/v1/rules', { name: 'Greet new leads', trigger: { namespace: 'crm', event: 'lead.created' }, actions: [{ type: 'start_flow', flow: 'greet-lead', input: { who: '{{after.name}}' } }] }, 201);
    await post('/v1/diffs', { namespace: 'crm', entity_type: 'lead', entity_id: 'l1', event: 'lead.created', after: { name: 'Voahirana' } }, 201);
    const runs = await waitFor('rule run', async () => { const r = await get<Run[]>('/v1/runs?flow=greet-lead'); return r.length > 0 ? r : undefined; });
    const run = await settled(runs[0]!.id);
    expect(run).toMatchObject({ trigger: 'rule', output: 'Hi Voahirana' });
  });

  it('runs one at a time per key when the flow says so', async () => {
    await post('/v1/flows', {
      key: 'one-per-customer', name: 'One per customer', input: { type: 'object', properties: { customer: { type: 'string' } } },
      control: { concurrency: { limit: 1, key: 'input.customer' } },
      steps: [{ id: 'w', type: 'wait', event: { namespace: 'crm', event: 'go', entity_id: '{{ input.customer }}' } }, { id: 'x', type: 'transform', value: 'done', after: ['w:event'] }],
    }, 201);
    const r1 = await start('one-per-customer', { customer: 'c1' });
    const r2 = await start('one-per-customer', { customer: 'c1' });
    const r3 = await start('one-per-customer', { customer: 'c2' });
    await waitFor('c1 and c2 waiting', async () => ((await get<Run>(`/v1/runs/${r1.id}`)).status === 'waiting' && (await get<Run>(`/v1/runs/${r3.id}`)).status === 'waiting' ? true : undefined));
    expect((await get<Run>(`/v1/runs/${r2.id}`)).status).toBe('queued');
    await post('/v1/diffs', { namespace: 'crm', entity_type: 'customer', entity_id: 'c1', event: 'go' }, 201);
    expect((await settled(r1.id)).status).toBe('completed');
    await waitFor('second c1 run waiting', async () => ((await get<Run>(`/v1/runs/${r2.id}`)).status === 'waiting' ? true : undefined));
  });
});
