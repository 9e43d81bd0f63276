// Two serve processes over one server-Postgres database: A is the test's own app, B a child
// process of its own (testing/app-process.ts: no memory, no module-level cache shared with A —
// providers, URL guard, embeddings), reached over HTTP like any client, with the same loopback
// providers and on A's clock (the test hands B the clock's offset over IPC when it moves). Each
// keeps its own view of a workspace's AI settings and budget; a change made through one reaches
// the other by the `atrium_ai` NOTIFY — well within the polls below, far sooner than the 30 s
// backstop reload — and an answer cached by one is a cache hit in the other (its memory misses;
// the shared Postgres tier answers). A breaker opened or closed by one is open or closed in the
// other. Embedded PGlite is one process: there is no second one to tell.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtriumClient } from '../../../../sdk/src/index.js';
import type { CtxSource } from '../../platform/context.js';
import { serverDatabaseUrl, type TestTenant } from '../../testing/harness.js';
import { waitFor } from '../../testing/http.js';
import { killAllChildren, runTestApp, type TestAppProcess } from '../../testing/processes.js';
import { call, startAiTestApp, type AiTestEnv } from './ai-testing.js';
import { startFakeProvider } from './fake-providers.js';
import type { Completion } from './gateway.js';

const userOf = (x: TestTenant): CtxSource => ({ tenantId: x.tenantId, actor: { type: 'user', id: x.userId } });
/** B notices within a NOTIFY's time; the bound is generous for a loaded machine, yet below the 30 s backstop reload. */
const NOTICE_MS = 20_000;

type BreakerView = { state: string; consecutive_failures: number };

describe.runIf(serverDatabaseUrl())('two processes on one database (server Postgres)', { timeout: 180_000 }, () => {
  let env: AiTestEnv; // process A: the test app, with the loopback providers
  let b: TestAppProcess; // process B: a child process over the same database, same providers and clock
  let aheadMs = 0; // how far A's clock (and so B's) runs ahead of wall time

  /** Another serve process like B, on A's clock. */
  const serveProcess = () =>
    runTestApp('serve', {
      config: { port: 0, host: '127.0.0.1', databaseUrl: env.t.databaseUrl!, logLevel: 'warn', seedDemo: false, ai: env.t.app.config.ai },
      clockOffsetMs: aheadMs,
    });
  const advance = async (ms: number) => {
    env.clock.advance(ms);
    aheadMs += ms;
    await b.setClockOffset(aheadMs);
  };
  /** The tenant's token, against another process. */
  const at = (p: TestAppProcess, x: TestTenant): TestTenant => ({ ...x, client: new AtriumClient({ baseUrl: p.baseUrl, token: x.token }) });
  /** A completion answered by process `p` over HTTP; an error envelope is thrown as `{ code, status, message }`. */
  const completeIn = async (p: TestAppProcess, x: TestTenant, body: Record<string, unknown>): Promise<Completion> => {
    const r = await call<Completion>(at(p, x), 'POST', '/v1/ai/complete', body);
    if (r.error) throw Object.assign(new Error(r.error.message), { code: r.error.code, status: r.status });
    return r.data;
  };
  /** The breaker of the provider at `baseUrl` as process `p` sees it (GET /v1/ai/providers). */
  const breakerIn = async (p: TestAppProcess, x: TestTenant, baseUrl: string): Promise<BreakerView> => {
    const r = await call<{ providers: { base_url: string | null; breaker: BreakerView | null }[] }>(at(p, x), 'GET', '/v1/ai/providers');
    expect(r.status, JSON.stringify(r.error)).toBe(200);
    const found = r.data.providers.find((pr) => pr.base_url === baseUrl);
    expect(found?.breaker, `provider at ${baseUrl} in ${JSON.stringify(r.data.providers)}`).toBeTruthy();
    return found!.breaker!;
  };

  beforeAll(async () => {
    env = await startAiTestApp();
    b = await serveProcess();
  });
  afterAll(async () => {
    await b?.stop('SIGTERM', 30_000);
    await killAllChildren();
    await env?.stop();
  });

  it('settings changed through A: B’s next calls use the new routing', async () => {
    const x = await env.t.tenant('Rerouted');
    // B loads and keeps the workspace's routing: `smart` starts with the openai provider.
    expect((await completeIn(b, x, { prompt: 'Which provider answers?', cache: false })).provider).toBe('openai');

    const put = await call(x, 'PUT', '/v1/ai/settings', { aliases: { smart: { chain: [{ provider: 'anthropic' }] } } });
    expect(put.status, JSON.stringify(put.error)).toBe(200);
    // A forgot its view when the change committed.
    expect((await env.t.app.ai.complete(userOf(x), { prompt: 'And in A?', cache: false })).provider).toBe('anthropic');

    let n = 0;
    const rerouted = await waitFor('B to route smart to anthropic', async () => {
      const r = await completeIn(b, x, { prompt: `And in B, now? (${++n})`, cache: false });
      return r.provider === 'anthropic' ? r : undefined;
    }, NOTICE_MS);
    expect(rerouted).toMatchObject({ provider: 'anthropic', model: 'fake-claude', fallback_used: false });
  });

  it('a budget set through A (usage already over it, no offline): B refuses with 429 BUDGET_EXCEEDED', async () => {
    const y = await env.t.tenant('Over budget');
    const question = { prompt: 'A paid question, asked again later' };
    env.openai.script({ text: 'paid answer', usage: { input: 30, output: 10 } });
    expect((await completeIn(b, y, question)).cached).toBe(false);
    await b.aiSettled(); // A reseeds the counter from the usage rows: B's row must be there

    const put = await call(y, 'PUT', '/v1/ai/budget', { monthly_tokens: 10, allow_offline: false });
    expect(put.data).toMatchObject({ state: 'exceeded', used: { tokens: 40 } });
    await expect(env.t.app.ai.complete(userOf(y), { prompt: 'Something new in A' })).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED', status: 429 });

    // B probes with a cache hit: free, so its own metering never brings the budget row back —
    // only the notice can make B forget its view in which the workspace has no budget.
    const refused = await waitFor('B to refuse', async () => {
      const r = await completeIn(b, y, question).then((answer) => ({ answer }), (err: unknown) => ({ err }));
      if ('err' in r) return r.err;
      expect(r.answer.cached).toBe(true);
      return undefined;
    }, NOTICE_MS);
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
      expect((await breakerIn(b, w, flaky.baseUrl)).state).toBe('closed');

      await env.t.app.ai.complete(userOf(w), ask(1)); // 3 failures (1 + 2 retries)
      await env.t.app.ai.complete(userOf(w), ask(2)); // 2 more: open
      expect(env.t.app.ai.breakers.peek(key)).toMatchObject({ state: 'open', consecutive_failures: 5 });
      await waitFor('B to see the breaker open', async () => ((await breakerIn(b, w, flaky.baseUrl)).state === 'open' ? true : undefined), NOTICE_MS);
      // A process started now reads the states at start.
      const c = await serveProcess();
      try {
        expect((await breakerIn(c, w, flaky.baseUrl)).state).toBe('open');
      } finally {
        await c.stop('SIGTERM', 30_000);
      }
      const hits = flaky.seen.length;
      const inB = await completeIn(b, w, ask(3));
      expect(inB).toMatchObject({ provider: 'offline', fallback_used: true });
      expect(flaky.seen.length).toBe(hits); // B never called the failing provider

      await advance(61_000);
      flaky.fallback = { text: 'Back again.' };
      expect(await env.t.app.ai.complete(userOf(w), ask(4))).toMatchObject({ provider: 'flaky', text: 'Back again.' });
      await waitFor('B to see the breaker closed', async () => ((await breakerIn(b, w, flaky.baseUrl)).state === 'closed' ? true : undefined), NOTICE_MS);
      expect(await completeIn(b, w, ask(5))).toMatchObject({ provider: 'flaky', fallback_used: false });
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
    const second = await completeIn(b, z, question);
    expect(second).toMatchObject({ cached: true, text: 'answered once, in A', provider: 'openai', model: 'fake-gpt', usage: { input_tokens: 20, output_tokens: 5, cost_usd: 0 } });
    expect(env.openai.seen.length).toBe(calls);

    // Both calls are metered, each by the process that served it.
    await b.aiSettled();
    const usage = await call<{ totals: { calls: number; cache_hits: number } }>(z, 'GET', '/v1/ai/usage');
    expect(usage.data.totals).toMatchObject({ calls: 2, cache_hits: 1 });
  });
});
