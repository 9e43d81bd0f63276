// Cache, metering, usage and budgets — per tenant. Every call leaves a usage row and an
// `ai.call` diff; cache hits are marked and free; the budget warns once at 80 % (diff +
// notification) and stops paid calls at 100 % (offline only if the workspace allows it);
// two tenants calling at the same time never share a cache entry or a budget.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTenant } from '../../platform/context.js';
import type { TestTenant } from '../../testing/harness.js';
import { call, complete, startAiTestApp, type AiTestEnv } from './ai-testing.js';
import { createAi } from './index.js';

let env: AiTestEnv;
let a: TestTenant;

beforeAll(async () => {
  env = await startAiTestApp();
  a = await env.t.tenant('Metered');
});
afterAll(() => env?.stop());

// Calls are metered behind their answers: wait for this process's writes, then read.
const diffs = async (x: TestTenant, event: string) =>
  (await env.t.app.ai.settled(), await call<{ event: string; after: Record<string, unknown> }[]>(x, 'GET', `/v1/diffs?namespace=ai&event=${event}&limit=200`)).data;

describe('cache', () => {
  it('the same request again is a marked, free cache hit; the provider is not called', async () => {
    env.openai.script({ text: 'cached answer', usage: { input: 50, output: 10 } });
    const body = { prompt: 'What   is the capital of   France?', temperature: 0 };
    const first = await complete(a, body);
    const seen = env.openai.seen.length;
    const second = await complete(a, { ...body, prompt: ' What is the capital of France? ' });
    expect(second.data).toMatchObject({ text: 'cached answer', cached: true, provider: 'openai', usage: { cost_usd: 0 } });
    expect(first.data.cached).toBe(false);
    expect(env.openai.seen.length).toBe(seen);
    // Different parameters are a different entry; cache: false skips it.
    env.openai.script({ text: 'warmer' }, { text: 'fresh' });
    expect((await complete(a, { ...body, temperature: 0.7 })).data).toMatchObject({ text: 'warmer', cached: false });
    expect((await complete(a, { ...body, cache: false })).data).toMatchObject({ text: 'fresh', cached: false });
    await env.t.app.ai.settled(); // cache rows are written with the metering, behind the answers
    const rows = await inTenant(env.t.app.db, { tenantId: a.tenantId, actor: { type: 'system', id: 'test' } }, (ctx) => ctx.tx.selectFrom('ai_cache').select(['key', 'expires_at']).execute());
    expect(rows.length).toBe(2);
  });

  it('an entry expires after the workspace TTL', async () => {
    await call(a, 'PUT', '/v1/ai/settings', { cache_ttl_seconds: 60 });
    env.openai.script({ text: 'short-lived' }, { text: 'renewed' });
    await complete(a, { prompt: 'ttl question' });
    env.clock.advance(61_000);
    expect((await complete(a, { prompt: 'ttl question' })).data).toMatchObject({ text: 'renewed', cached: false });
  });
});

describe('metering', () => {
  it('records every call as an ai.call diff and a usage row, with prices overridable per model', async () => {
    await call(a, 'PUT', '/v1/ai/settings', { prices: { 'fake-gpt': { input_per_mtok: 1000, output_per_mtok: 2000 } } });
    env.openai.script({ text: 'priced', usage: { input: 11, output: 7 } });
    const r = await complete(a, { prompt: 'priced question', feature: 'chat' });
    expect(r.data.usage).toEqual({ input_tokens: 11, output_tokens: 7, cost_usd: 0.025 });
    const d = (await diffs(a, 'ai.call')).find((x) => x.after.feature === 'chat')!;
    expect(d.after).toMatchObject({ provider: 'openai', model: 'fake-gpt', alias: 'smart', input_tokens: 11, output_tokens: 7, cost_usd: 0.025, cached: false, fallback_used: false, feature: 'chat' });
    expect(typeof d.after.latency_ms).toBe('number');
    expect(d.after.content).toBeUndefined();
  });

  it('a price override set to null is removed: the model costs what the built-in table says again', async () => {
    await call(a, 'PUT', '/v1/ai/settings', { aliases: { removable: { chain: [{ provider: 'openai', model: 'house-model' }] } }, prices: { 'house-model': { input_per_mtok: 1000, output_per_mtok: 1000 } } });
    const priced = await complete(a, { prompt: 'house question 1', alias: 'removable', cache: false });
    expect(priced.data.usage.cost_usd).toBeGreaterThan(0);
    const put = await call<{ prices: Record<string, unknown> }>(a, 'PUT', '/v1/ai/settings', { prices: { 'house-model': null }, why: 'Back to list prices' });
    expect(put.data.prices).not.toHaveProperty('house-model');
    expect(put.data.prices).toHaveProperty('fake-gpt'); // the other overrides stay
    const unpriced = await complete(a, { prompt: 'house question 2', alias: 'removable', cache: false });
    expect(unpriced.data.usage.cost_usd).toBe(0); // not in the built-in table
    await call(a, 'PUT', '/v1/ai/settings', { aliases: { removable: null } });
  });

  it('keeps prompts and outputs in the diff only when the workspace enables it', async () => {
    await call(a, 'PUT', '/v1/ai/settings', { store_prompts: true });
    env.openai.script({ text: 'kept output' });
    await complete(a, { prompt: 'keep this prompt', feature: 'kept' });
    const d = (await diffs(a, 'ai.call')).find((x) => x.after.feature === 'kept')!;
    expect(d.after.content).toMatchObject({ messages: [{ role: 'user', content: 'keep this prompt' }], output: 'kept output' });
    await call(a, 'PUT', '/v1/ai/settings', { store_prompts: false });
  });

  it('GET /v1/ai/usage aggregates by day, model and feature', async () => {
    const byModel = await call<{ rows: { key: string; calls: number; cache_hits: number; cost_usd: number }[]; totals: { calls: number } }>(a, 'GET', '/v1/ai/usage?group_by=model');
    const gpt = byModel.data.rows.find((r) => r.key === 'fake-gpt')!;
    expect(gpt.calls).toBeGreaterThanOrEqual(6);
    expect(gpt.cache_hits).toBe(1);
    expect(gpt.cost_usd).toBeGreaterThanOrEqual(0.025);
    const byFeature = await call<{ rows: { key: string; calls: number }[] }>(a, 'GET', '/v1/ai/usage?group_by=feature');
    expect(byFeature.data.rows.find((r) => r.key === 'chat')).toMatchObject({ calls: 1 });
    const byDay = await call<{ rows: { key: string; calls: number }[]; totals: { calls: number } }>(a, 'GET', '/v1/ai/usage');
    expect(byDay.data.rows.length).toBeGreaterThanOrEqual(1);
    expect(byDay.data.rows[0]!.key).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(byDay.data.totals.calls).toBe(byModel.data.totals.calls);
  });
});

describe('budget', () => {
  it('warns once at 80 % (diff + notify), hard-stops at 100 %, then offline only if allowed', async () => {
    const x = await env.t.tenant('Budgeted');
    const notes: { tenant: string; to: string; title: string }[] = [];
    // The module as other code gets it, with the notify dependency the app wires to notifications.
    const ai = createAi({ db: env.t.app.db, hub: env.t.app.hub, log: env.t.app.log, ledger: env.t.app.ledger, config: env.t.app.config, secrets: env.t.app.identity.secrets, now: env.clock.now, notify: async (ctx, n) => void notes.push({ tenant: ctx.tenantId, to: n.to, title: n.title }) });
    const source = { tenantId: x.tenantId, actor: { type: 'user' as const, id: x.userId } };
    const put = await call(x, 'PUT', '/v1/ai/budget', { monthly_tokens: 100, allow_offline: false, why: 'pilot month' });
    expect(put.data).toMatchObject({ monthly_tokens: 100, state: 'ok', used: { tokens: 0 } });

    for (let i = 1; i <= 3; i++) env.openai.script({ text: `paid ${i}`, usage: { input: 30, output: 10 } });
    await ai.complete(source, { prompt: 'budget call 1' });
    await ai.settled();
    expect(notes).toEqual([]);
    await ai.complete(source, { prompt: 'budget call 2' });
    await ai.settled();
    expect(notes).toEqual([{ tenant: x.tenantId, to: 'role:owner', title: 'AI budget 80 % used' }]);
    expect((await call(x, 'GET', '/v1/ai/budget')).data).toMatchObject({ state: 'warning', percent: 80, used: { tokens: 80, calls: 2 } });
    await ai.complete(source, { prompt: 'budget call 3' });
    await ai.settled();
    expect(notes.length).toBe(1);
    expect((await diffs(x, 'ai.budget_warning')).length).toBe(1);

    const stopped = await complete(x, { prompt: 'budget call 4' });
    expect(stopped.status).toBe(429);
    expect(stopped.error).toMatchObject({ code: 'BUDGET_EXCEEDED' });
    await call(x, 'PUT', '/v1/ai/budget', { allow_offline: true });
    const free = await complete(x, { prompt: 'Summarise: budgets stop paid calls. Offline still answers.' });
    expect(free.data).toMatchObject({ provider: 'offline', fallback_used: true, usage: { cost_usd: 0 } });
    expect((await call(x, 'GET', '/v1/ai/budget')).data).toMatchObject({ state: 'exceeded', percent: 120, used: { tokens: 120, calls: 3 } });
  });

  it('in the app, the 80 % warning reaches the owner as an in-app notification', async () => {
    const y = await env.t.tenant('Budget notified');
    await call(y, 'PUT', '/v1/ai/budget', { monthly_tokens: 100, allow_offline: false });
    for (let i = 1; i <= 2; i++) env.openai.script({ text: `paid ${i}`, usage: { input: 30, output: 10 } });
    const source = { tenantId: y.tenantId, actor: { type: 'user' as const, id: y.userId } };
    await env.t.app.ai.complete(source, { prompt: 'wired call 1' });
    await env.t.app.ai.complete(source, { prompt: 'wired call 2' });
    await env.t.app.ai.settled();
    const inbox = (await call(y, 'GET', '/v1/notifications')).data as { title: string }[];
    expect(inbox.map((n) => n.title)).toEqual(['AI budget 80 % used']);
  });

  it('a cost budget counts dollars from the price table', async () => {
    const x = await env.t.tenant('Cost budget');
    await call(x, 'PUT', '/v1/ai/settings', { prices: { 'fake-gpt': { input_per_mtok: 10_000, output_per_mtok: 10_000 } } });
    await call(x, 'PUT', '/v1/ai/budget', { monthly_cost_usd: 0.5, allow_offline: false });
    env.openai.script({ text: 'expensive', usage: { input: 40, output: 10 } });
    expect((await complete(x, { prompt: 'costly' })).data.usage.cost_usd).toBe(0.5);
    expect((await complete(x, { prompt: 'costly again' })).error).toMatchObject({ code: 'BUDGET_EXCEEDED' });
  });
});

describe('two tenants at the same time', () => {
  it('never share cache entries, usage or budgets', async () => {
    const [b, c] = [await env.t.tenant('Tenant B'), await env.t.tenant('Tenant C')];
    await call(b, 'PUT', '/v1/ai/budget', { monthly_tokens: 1, allow_offline: false });
    env.openai.fallback = { text: 'shared question answer', usage: { input: 5, output: 5 } };
    const body = { prompt: 'The same question from two workspaces' };
    const first = await Promise.all([complete(b, body), complete(c, body)]);
    expect(first.map((r) => r.data.cached)).toEqual([false, false]);
    // B is now over its 1-token budget; C is unaffected and gets its own cache hits.
    const rounds = await Promise.all([...Array.from({ length: 3 }, () => complete(b, { prompt: 'B asks something new' })), ...Array.from({ length: 3 }, () => complete(c, body))]);
    expect(rounds.slice(0, 3).map((r) => r.error?.code)).toEqual(['BUDGET_EXCEEDED', 'BUDGET_EXCEEDED', 'BUDGET_EXCEEDED']);
    expect(rounds.slice(3).map((r) => r.data.cached)).toEqual([true, true, true]);
    const usage = async (x: TestTenant) => (await call<{ totals: { calls: number; cache_hits: number } }>(x, 'GET', '/v1/ai/usage')).data.totals;
    expect(await usage(b)).toMatchObject({ calls: 1, cache_hits: 0 });
    expect(await usage(c)).toMatchObject({ calls: 4, cache_hits: 3 });
    expect((await call(c, 'GET', '/v1/ai/budget')).data).toMatchObject({ state: 'unlimited' });
    env.openai.fallback = {};
  });
});
