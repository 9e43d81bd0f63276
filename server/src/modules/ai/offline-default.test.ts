// With no configuration at all, a new workspace gets useful offline completions, summaries,
// JSON and semantic embeddings; setting ATRIUM_OPENAI_BASE_URL is all it takes to route
// `smart` to a server; OpenAI-compatible embeddings work by configuration.
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { inTenant } from '../../platform/context.js';
import { keyFrom, SecretBox } from '../../platform/secrets.js';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { call, complete, completeStream } from './ai-testing.js';
import { cosine } from './embeddings.js';
import { fakeVector, startFakeProvider, type FakeProvider } from './fake-providers.js';
import { envProviders } from './providers.js';
import { loadSettings, routingOf } from './settings.js';

let t: TestApp;
let a: TestTenant;
let fake: FakeProvider;

beforeAll(async () => {
  t = await startTestApp({ config: { ai: loadConfig({}).ai } });
  a = await t.tenant('Offline');
  fake = await startFakeProvider('openai');
});
afterAll(async () => {
  await t?.stop();
  await fake?.close();
});

const DOC = `Northwind renewed its support contract for two more years. The renewal includes a 10% discount on the annual fee.
Northwind asked for faster response times on critical incidents. The account team agreed to a four-hour response target for critical incidents.
The office coffee machine was replaced. The next quarterly review with Northwind is on 2027-01-15.`;

describe('no configuration: offline', () => {
  it('lists offline as the only provider and every alias routes to it', async () => {
    const r = await call<{ providers: { id: string; configured: boolean }[]; aliases: Record<string, { provider: string }[]> }>(a, 'GET', '/v1/ai/providers');
    expect(r.data.providers).toEqual([expect.objectContaining({ id: 'offline', configured: true })]);
    for (const alias of ['fast', 'smart', 'cheap']) expect(r.data.aliases[alias]).toEqual([{ provider: 'offline', model: 'offline-extractive-1' }]);
    expect(r.data.aliases.embed).toEqual([{ provider: 'offline', model: 'use-lite-512' }]);
  });

  it('summarises, answers JSON for a schema, and streams — saying provider "offline"', async () => {
    const s = await complete(a, { prompt: `Summarise this:\n${DOC}` });
    expect(s.data).toMatchObject({ provider: 'offline', fallback_used: false, usage: { cost_usd: 0 } });
    expect(s.data.text).toContain('Northwind');
    expect(s.data.text).not.toContain('coffee');

    const schema = { type: 'object', required: ['customer', 'next_review', 'discount_percent', 'summary'], properties: { customer: { type: 'string' }, next_review: { type: 'string', format: 'date' }, discount_percent: { type: 'number' }, summary: { type: 'string' } } };
    const j = await complete(a, { prompt: DOC, schema });
    expect(new Ajv({ strict: false, logger: false }).validate({ ...schema, properties: { ...schema.properties, next_review: { type: 'string' } } }, j.data.json)).toBe(true);
    expect(j.data.json).toMatchObject({ customer: 'Northwind', next_review: '2027-01-15', discount_percent: 10 });

    const st = await completeStream(a, { prompt: `Summarise: ${DOC}` });
    expect(st.events.at(-1)).toMatchObject({ event: 'done', data: { provider: 'offline' } });
    expect(st.events.filter((e) => e.event === 'delta').map((e) => e.data.text).join('')).toBe(st.events.at(-1)!.data.text);
  });

  it('embeds offline with real semantic similarity (USE-lite, 512 dimensions)', async () => {
    const r = await call<{ embeddings: number[][]; provider: string; model: string; dimensions: number }>(a, 'POST', '/v1/ai/embed', { texts: ['The invoice is overdue', 'Payment is late', 'The cat sat on the mat'] });
    expect(r.data).toMatchObject({ provider: 'offline', model: 'use-lite-512', dimensions: 512 });
    const [inv, late, cat] = r.data.embeddings;
    expect(cosine(inv!, late!)).toBeGreaterThan(cosine(inv!, cat!) + 0.1);
    const usage = await call<{ rows: { key: string; calls: number }[] }>(a, 'GET', '/v1/ai/usage?group_by=feature');
    expect(usage.data.rows.find((x) => x.key === 'embed')).toMatchObject({ calls: 1 });
  });

  it('exports embed(ctx, texts) for other modules, metered inside their transaction', async () => {
    const out = await inTenant(t.app.db, { tenantId: a.tenantId, actor: { type: 'system', id: 'knowledge' } }, (ctx) => t.app.ai.embed(ctx, ['knowledge base article'], { feature: 'knowledge' }));
    expect(out.embeddings[0]!.length).toBe(512);
    const usage = await call<{ rows: { key: string; calls: number }[] }>(a, 'GET', '/v1/ai/usage?group_by=feature');
    expect(usage.data.rows.find((x) => x.key === 'knowledge')).toMatchObject({ calls: 1 });
  });

  it('embed(ctx) for a workspace this process has not loaded yet reads its settings in the caller’s transaction (no second connection: no deadlock)', async () => {
    const fresh = await t.tenant('Embeds first');
    const out = await inTenant(t.app.db, { tenantId: fresh.tenantId, actor: { type: 'system', id: 'knowledge' } }, (ctx) => t.app.ai.embed(ctx, ['first thing this workspace does'], { feature: 'knowledge' }));
    expect(out).toMatchObject({ provider: 'offline', dimensions: 512 });
  }, 20_000);
});

describe('configuration switches providers, no code change', () => {
  it('ATRIUM_OPENAI_BASE_URL alone routes smart (then offline) to that server', () => {
    const ai = loadConfig({ ATRIUM_OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1', ATRIUM_OPENAI_MODEL: 'llama3.2' }).ai;
    const routing = routingOf({ providers: {}, aliases: {}, prices: {}, storePrompts: false, cacheTtlSeconds: 0, version: 0 }, envProviders(ai), new SecretBox(keyFrom('x'.repeat(16))));
    expect(routing.aliases.smart!.map((l) => `${l.provider.id}:${l.model}`)).toEqual(['openai:llama3.2', 'offline:offline-extractive-1']);
  });

  it('OpenAI-compatible embeddings by configuration (a workspace provider with an embedding model)', async () => {
    const put = await call(a, 'PUT', '/v1/ai/settings', { providers: { local: { kind: 'openai-compatible', base_url: fake.baseUrl, model: 'chat-1', embed_model: 'embed-1' } } });
    expect(put.status, JSON.stringify(put.error)).toBe(200);
    expect(put.data.version).toBe(1); // the workspace's first save (0 = never saved)
    const r = await call<{ embeddings: number[][]; provider: string; model: string; dimensions: number }>(a, 'POST', '/v1/ai/embed', { texts: ['alpha', 'beta'] });
    expect(r.data).toMatchObject({ provider: 'local', model: 'embed-1', dimensions: 8 });
    expect(r.data.embeddings[0]!.map((x) => x.toFixed(6))).toEqual(fakeVector('alpha').map((x) => x.toFixed(6)));
    expect(fake.seen.at(-1)).toMatchObject({ path: '/v1/embeddings', body: { model: 'embed-1', input: ['alpha', 'beta'] } });
    const settings = await t.app.db.tenantTx(a.tenantId, (tx) => loadSettings(tx));
    expect(settings.providers.local).toMatchObject({ embed_model: 'embed-1' });
  });

  it('embeddings never fall back to another model: `embed` takes one step, and any alias used to embed runs only its first', async () => {
    const two = await call(a, 'PUT', '/v1/ai/settings', { aliases: { embed: { chain: [{ provider: 'local' }, { provider: 'offline' }] } } });
    expect(two.status).toBe(400);
    expect(two.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'body.aliases.embed.chain' }] });
    // A completion alias has offline appended; used to embed, its failing first model must not give way to it.
    await call(a, 'PUT', '/v1/ai/settings', { aliases: { vectors: { chain: [{ provider: 'local', model: 'embed-1' }] } } });
    fake.script({ status: 400 });
    const r = await call(a, 'POST', '/v1/ai/embed', { texts: ['alpha'], alias: 'vectors' });
    expect(r.status, JSON.stringify(r.data)).toBeGreaterThanOrEqual(500);
    expect(r.error).toMatchObject({ code: 'AI_UNAVAILABLE' });
    await call(a, 'PUT', '/v1/ai/settings', { aliases: { vectors: null } });
  });
});
