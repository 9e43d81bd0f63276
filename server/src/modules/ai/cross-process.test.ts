// Two serve processes (two apps) over one server-Postgres database. Each keeps its own view of
// a workspace's AI settings and budget; a change made through one reaches the other by the
// `atrium_ai` NOTIFY — well within the polls below, far sooner than the 30 s backstop reload —
// and an answer cached by one is a cache hit in the other (its memory misses; the shared
// Postgres tier answers). A breaker opened or closed by one is open or closed in the other. Embedded PGlite is one process: there is no second one to tell.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../app.js';
import { loadConfig } from '../../platform/config.js';
import type { CtxSource } from '../../platform/context.js';
import { serverDatabaseUrl, type TestTenant } from '../../testing/harness.js';
import { waitFor } from '../../testing/http.js';
import { call, startAiTestApp, type AiTestEnv } from './ai-testing.js';
import { startFakeProvider } from './fake-providers.js';

const userOf = (x: TestTenant): CtxSource => ({ tenantId: x.tenantId, actor: { type: 'user', id: x.userId } });

describe.runIf(serverDatabaseUrl())('two processes on one database (server Postgres)', () => {
  let env: AiTestEnv; // process A: the test app, with the loopback providers
  let b: App; // process B: another app over the same database, same providers and clock

  beforeAll(async () => {
    env = await startAiTestApp();
    b = await createApp(
      loadConfig({}, { port: 0, host: '127.0.0.1', databaseUrl: env.t.databaseUrl!, logLevel: 'silent', seedDemo: false, ai: env.t.app.config.ai }),
      { now: env.clock.now },
    );
    await b.start('serve', { listen: false });
  });
  afterAll(async () => {
    await b?.stop();
    await env?.stop();
  });

  it('settings changed through A: B’s next calls use the new routing', async () => {
    const x = await env.t.tenant('Rerouted');
    // B loads and keeps the workspace's routing: `smart` starts with the openai provider.
    expect((await b.ai.complete(userOf(x), { prompt: 'Which provider answers?', cache: false })).provider).toBe('openai');

    const put = await call(x, 'PUT', '/v1/ai/settings', { aliases: { smart: { chain: [{ provider: 'anthropic' }] } } });
    expect(put.status, JSON.stringify(put.error)).toBe(200);
    // A forgot its view when the change committed.
    expect((await env.t.app.ai.complete(userOf(x), { prompt: 'And in A?', cache: false })).provider).toBe('anthropic');

    let n = 0;
    const rerouted = await waitFor('B to route smart to anthropic', async () => {
      const r = await b.ai.complete(userOf(x), { prompt: `And in B, now? (${++n})`, cache: false });
      return r.provider === 'anthropic' ? r : undefined;
    });
    expect(rerouted).toMatchObject({ provider: 'anthropic', model: 'fake-claude', fallback_used: false });
  });

  it('a budget set through A (usage already over it, no offline): B refuses with 429 BUDGET_EXCEEDED', async () => {
    const y = await env.t.tenant('Over budget');
    const question = { prompt: 'A paid question, asked again later' };
    env.openai.script({ text: 'paid answer', usage: { input: 30, output: 10 } });
    expect((await b.ai.complete(userOf(y), question)).cached).toBe(false);
    await b.ai.settled(); // A reseeds the counter from the usage rows: B's row must be there

    const put = await call(y, 'PUT', '/v1/ai/budget', { monthly_tokens: 10, allow_offline: false });
    expect(put.data).toMatchObject({ state: 'exceeded', used: { tokens: 40 } });
    await expect(env.t.app.ai.complete(userOf(y), { prompt: 'Something new in A' })).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED', status: 429 });

    // B probes with a cache hit: free, so its own metering never brings the budget row back —
    // only the notice can make B forget its view in which the workspace has no budget.
    const refused = await waitFor('B to refuse', async () => {
      const r = await b.ai.complete(userOf(y), question).then((answer) => ({ answer }), (err: unknown) => ({ err }));
      if ('err' in r) return r.err;
      expect(r.answer.cached).toBe(true);
      return undefined;
    });
    expect(refused).toMatchObject({ code: 'BUDGET_EXCEEDED', status: 429 });
  });

  it('a breaker opened by failures in A is open in B, which then skips the provider; A’s good probe closes it in B too', async () => {
    const w = await env.t.tenant('Shared breaker');
    const flaky = await startFakeProvider('openai');
    try {
      flaky.fallback = { status: 500 };
      const put = await call(w, 'PUT', '/v1/ai/settings', {
        providers: { flaky: { kind: 'openai-compatible', base_url: flaky.baseUrl, model: 'flaky-1' } },
        aliases: { cheap: { chain: [{ provider: 'flaky' }] } },
      });
      expect(put.status, JSON.stringify(put.error)).toBe(200);
      const key = `openai-compatible:${flaky.baseUrl}`;
      const ask = (n: number) => ({ alias: 'cheap', prompt: `Cheap question ${n}`, cache: false });
      expect(b.ai.breakers.peek(key).state).toBe('closed');

      await env.t.app.ai.complete(userOf(w), ask(1)); // 3 failures (1 + 2 retries)
      await env.t.app.ai.complete(userOf(w), ask(2)); // 2 more: open
      expect(env.t.app.ai.breakers.peek(key)).toMatchObject({ state: 'open', consecutive_failures: 5 });
      await waitFor('B to see the breaker open', () => (b.ai.breakers.peek(key).state === 'open' ? true : undefined));
      // A process started now reads the states at start.
      const c = await createApp(loadConfig({}, { port: 0, host: '127.0.0.1', databaseUrl: env.t.databaseUrl!, logLevel: 'silent', seedDemo: false, ai: env.t.app.config.ai }), { now: env.clock.now });
      try {
        await c.start('serve', { listen: false });
        expect(c.ai.breakers.peek(key).state).toBe('open');
      } finally {
        await c.stop();
      }
      const hits = flaky.seen.length;
      const inB = await b.ai.complete(userOf(w), ask(3));
      expect(inB).toMatchObject({ provider: 'offline', fallback_used: true });
      expect(flaky.seen.length).toBe(hits); // B never called the failing provider

      env.clock.advance(61_000);
      flaky.fallback = { text: 'Back again.' };
      expect(await env.t.app.ai.complete(userOf(w), ask(4))).toMatchObject({ provider: 'flaky', text: 'Back again.' });
      await waitFor('B to see the breaker closed', () => (b.ai.breakers.peek(key).state === 'closed' ? true : undefined));
      expect(await b.ai.complete(userOf(w), ask(5))).toMatchObject({ provider: 'flaky', fallback_used: false });
    } finally {
      await flaky.close();
    }
  });

  it('an answer cached in A is a cache hit in B (Postgres tier); the provider is not called again', async () => {
    const z = await env.t.tenant('Shared cache');
    const question = { prompt: 'Asked in A first, then in B' };
    env.openai.script({ text: 'answered once, in A', usage: { input: 20, output: 5 } });
    const first = await env.t.app.ai.complete(userOf(z), question);
    expect(first).toMatchObject({ cached: false, text: 'answered once, in A' });
    await env.t.app.ai.settled(); // the shared entry is written with A's metering

    const calls = env.openai.seen.length;
    const second = await b.ai.complete(userOf(z), question);
    expect(second).toMatchObject({ cached: true, text: 'answered once, in A', provider: 'openai', model: 'fake-gpt', usage: { input_tokens: 20, output_tokens: 5, cost_usd: 0 } });
    expect(env.openai.seen.length).toBe(calls);

    // Both calls are metered, each by the process that served it.
    await b.ai.settled();
    const usage = await call<{ totals: { calls: number; cache_hits: number } }>(z, 'GET', '/v1/ai/usage');
    expect(usage.data.totals).toMatchObject({ calls: 2, cache_hits: 1 });
  });
});
