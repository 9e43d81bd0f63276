// The gateway driven through real wire protocols: loopback servers speaking OpenAI chat
// completions and Anthropic Messages, called by the AI SDK clients the gateway uses.
// Success, SSE streaming, tool calls, JSON-schema output, retries (429 + Retry-After, 500),
// timeouts and invalid output falling back, and the circuit breaker opening and recovering.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestTenant } from '../../testing/harness.js';
import { call, complete, completeStream, startAiTestApp, type AiTestEnv } from './ai-testing.js';
import { startFakeProvider, type FakeProvider } from './fake-providers.js';
import { STREAM_LIMIT_FACTOR } from './gateway.js';

let env: AiTestEnv;
let a: TestTenant;
const schema = { type: 'object', required: ['title', 'priority'], additionalProperties: false, properties: { title: { type: 'string' }, priority: { enum: ['low', 'high'] } } };
// Each test asks something different so the exact-match cache never answers for the fakes.
let n = 0;
const ask = (extra: Record<string, unknown> = {}) => ({ prompt: `Question ${++n}: what is next for the launch?`, ...extra });
const outcomes = (r: { data: { attempts: { outcome: string }[] } }) => r.data.attempts.map((x) => x.outcome);

beforeAll(async () => {
  env = await startAiTestApp();
  a = await env.t.tenant('AI A');
});
afterAll(() => env?.stop());

describe('OpenAI-compatible through the AI SDK', () => {
  it('answers `smart` from the server ATRIUM_OPENAI_BASE_URL points at, with its usage and cost', async () => {
    env.openai.script({ text: 'Ship on Friday.', usage: { input: 120, output: 30 } });
    const r = await complete(a, ask());
    expect(r.status).toBe(200);
    expect(r.data).toMatchObject({ text: 'Ship on Friday.', provider: 'openai', model: 'fake-gpt', alias: 'smart', cached: false, fallback_used: false, usage: { input_tokens: 120, output_tokens: 30, cost_usd: 0 } });
    const seen = env.openai.seen.at(-1)!;
    expect(seen.path).toBe('/v1/chat/completions');
    expect(seen.headers.authorization).toBe('Bearer sk-test-openai');
    expect(seen.body.model).toBe('fake-gpt');
  });

  it('streams Server-Sent Events: deltas, then the completion', async () => {
    env.openai.script({ text: 'A streamed answer in several pieces.' });
    const s = await completeStream(a, ask());
    expect(s.status).toBe(200);
    expect(s.contentType).toMatch(/^text\/event-stream/);
    const deltas = s.events.filter((e) => e.event === 'delta');
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas.map((e) => e.data.text).join('')).toBe('A streamed answer in several pieces.');
    const done = s.events.at(-1)!;
    expect(done.event).toBe('done');
    expect(done.data).toMatchObject({ text: 'A streamed answer in several pieces.', provider: 'openai', usage: { input_tokens: 11, output_tokens: 7 } });
    expect(env.openai.seen.at(-1)!.body.stream).toBe(true);
  });

  it('passes tools and returns the tool calls (JSON and streamed)', async () => {
    const tools = [{ name: 'create_task', description: 'Create a task', parameters: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } }];
    env.openai.script({ toolCalls: [{ name: 'create_task', input: { name: 'Call the supplier' } }] });
    const r = await complete(a, ask({ tools }));
    expect(r.data.tool_calls).toEqual([{ id: 'call_1', name: 'create_task', input: { name: 'Call the supplier' } }]);
    const sent = env.openai.seen.at(-1)!.body.tools as { function: { name: string; parameters: unknown } }[];
    expect(sent[0]!.function).toMatchObject({ name: 'create_task', parameters: tools[0]!.parameters });

    env.openai.script({ toolCalls: [{ name: 'create_task', input: { name: 'Streamed' } }] });
    const s = await completeStream(a, ask({ tools }));
    expect(s.events.at(-1)!.data.tool_calls).toEqual([{ id: 'call_1', name: 'create_task', input: { name: 'Streamed' } }]);
  });

  it('round-trips tool results: the assistant’s call and the tool’s answer go back in the protocol’s shape', async () => {
    const messages = [
      { role: 'user', content: `Round trip ${++n}: how many open tasks?` },
      { role: 'assistant', content: '', tool_calls: [{ id: 'call_9', name: 'count_tasks', input: { status: 'open' } }] },
      { role: 'tool', tool_call_id: 'call_9', name: 'count_tasks', content: '{"count":4}' },
    ];
    const tools = [{ name: 'count_tasks', parameters: { type: 'object', properties: { status: { type: 'string' } } } }];
    env.openai.script({ text: 'There are 4 open tasks.' });
    expect((await complete(a, { messages, tools })).data.text).toBe('There are 4 open tasks.');
    const sent = env.openai.seen.at(-1)!.body.messages as Record<string, unknown>[];
    expect(sent[1]).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'count_tasks', arguments: '{"status":"open"}' } }] });
    expect(sent[2]).toMatchObject({ role: 'tool', tool_call_id: 'call_9', content: '{"count":4}' });

    await call(a, 'PUT', '/v1/ai/settings', { aliases: { claude: { chain: [{ provider: 'anthropic' }] } } });
    env.anthropic.script({ text: 'Four.' });
    expect((await complete(a, { alias: 'claude', messages, tools })).data).toMatchObject({ text: 'Four.', provider: 'anthropic' });
    const claude = env.anthropic.seen.at(-1)!.body.messages as { role: string; content: Record<string, unknown>[] }[];
    expect(claude[1]!.content).toEqual([expect.objectContaining({ type: 'tool_use', id: 'call_9', name: 'count_tasks', input: { status: 'open' } })]);
    expect(claude[2]).toMatchObject({ role: 'user', content: [expect.objectContaining({ type: 'tool_result', tool_use_id: 'call_9' })] });
  });

  it('asks for JSON-schema output and returns the validated object', async () => {
    env.openai.script({ text: '{"title":"Launch","priority":"high"}' });
    const r = await complete(a, ask({ schema }));
    expect(r.data.json).toEqual({ title: 'Launch', priority: 'high' });
    expect(env.openai.seen.at(-1)!.body.response_format).toMatchObject({ type: 'json_schema' });
  });

  it('invalid JSON for the schema: retried once, then the next provider', async () => {
    env.openai.script({ text: 'not json' }, { text: '{"title":"Second try","priority":"low"}' });
    const retried = await complete(a, ask({ schema }));
    expect(retried.data).toMatchObject({ provider: 'openai', json: { title: 'Second try', priority: 'low' }, fallback_used: false });
    expect(outcomes(retried)).toEqual(['invalid_output', 'ok']);

    env.openai.script({ text: '{"title":"wrong"}' }, { text: '{"priority":"nope"}' });
    env.anthropic.script({ text: '{"title":"From Claude","priority":"high"}' });
    const fell = await complete(a, ask({ schema }));
    expect(fell.data).toMatchObject({ provider: 'anthropic', model: 'fake-claude', json: { title: 'From Claude', priority: 'high' }, fallback_used: true });
    expect(outcomes(fell)).toEqual(['invalid_output', 'invalid_output', 'ok']);
  });
});

describe('retries and fallback', () => {
  it('429 with Retry-After: waits that long, then succeeds on the same provider', async () => {
    env.openai.script({ status: 429, headers: { 'retry-after': '1' } }, { text: 'after the wait' });
    const before = env.openai.seen.length;
    const t0 = Date.now();
    const r = await complete(a, ask());
    expect(r.data).toMatchObject({ text: 'after the wait', provider: 'openai', fallback_used: false });
    expect(outcomes(r)).toEqual(['rate_limited', 'ok']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(env.openai.seen.length - before).toBe(2);
  });

  it('500 then success: retried with backoff', async () => {
    env.openai.script({ status: 500 }, { text: 'recovered' });
    const r = await complete(a, ask());
    expect(r.data).toMatchObject({ text: 'recovered', provider: 'openai' });
    expect(r.data.attempts).toEqual([expect.objectContaining({ outcome: 'server', status: 500 }), expect.objectContaining({ outcome: 'ok' })]);
  });

  it('a timeout moves on to the next provider (no retry of a hung call)', async () => {
    env.openai.script({ delayMs: 3000, text: 'too late' });
    env.anthropic.script({ text: 'Claude was quicker.' });
    const t0 = Date.now();
    const r = await complete(a, ask({ timeout_ms: 300 }));
    expect(r.data).toMatchObject({ text: 'Claude was quicker.', provider: 'anthropic', fallback_used: true });
    expect(outcomes(r)).toEqual(['timeout', 'ok']);
    expect(Date.now() - t0).toBeLessThan(2500);
  });

  it('streamed, the timeout is a silence limit on the wire: a slow stream with keep-alives outlives it, up to a total cap; one silent before its first words moves on', async () => {
    // A model thinking first (keep-alive comments, which the SDK turns into no part), then its
    // words: events 100 ms apart, over 2.5 s in all, never 1.5 s without a byte.
    const text = 'A slow but steady answer.';
    env.openai.script({ text, gapMs: 100, keepAlives: 20 });
    const t0 = Date.now();
    const slow = await completeStream(a, ask({ timeout_ms: 1500 }));
    expect(Date.now() - t0).toBeGreaterThan(2500);
    expect(slow.events.at(-1)).toMatchObject({ event: 'done', data: { text, provider: 'openai' } });
    expect(slow.events.at(-1)!.data.attempts.map((x: { outcome: string }) => x.outcome)).toEqual(['ok']);

    env.openai.script({ text: 'Never heard.', gapMs: 2000 });
    env.anthropic.script({ text: 'Claude streamed instead.' });
    const stalled = await completeStream(a, ask({ timeout_ms: 300 }));
    expect(stalled.events.at(-1)).toMatchObject({ event: 'done', data: { text: 'Claude streamed instead.', provider: 'anthropic', fallback_used: true } });
    expect(stalled.events.at(-1)!.data.attempts.map((x: { outcome: string }) => x.outcome)).toEqual(['timeout', 'ok']);
    expect(stalled.events.filter((e) => e.event === 'delta').map((e) => e.data.text).join('')).toBe('Claude streamed instead.');

    // Keep-alives alone cannot hold a call open: at most STREAM_LIMIT_FACTOR timeouts in all.
    // The silence limit is 8 × the keep-alive gap, so a busy event loop cannot fake a silence.
    env.openai.script({ text: 'Never said.', gapMs: 50, keepAlives: 300 });
    env.anthropic.script({ text: 'Claude again.' });
    const t1 = Date.now();
    const endless = await completeStream(a, ask({ timeout_ms: 400 }));
    expect(endless.events.at(-1)).toMatchObject({ event: 'done', data: { provider: 'anthropic', fallback_used: true } });
    expect(Date.now() - t1).toBeLessThan(400 * (STREAM_LIMIT_FACTOR + 1) + 2000);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(400 * STREAM_LIMIT_FACTOR);
  });

  it('every remote provider failing ends at offline, which always answers', async () => {
    env.openai.script({ status: 503 }, { status: 503 }, { status: 503 });
    env.anthropic.script({ status: 500 }, { status: 500 }, { status: 500 });
    const r = await complete(a, { prompt: 'Summarise: The supplier is late. The launch moves to March. Marketing must update the site.' });
    expect(r.data).toMatchObject({ provider: 'offline', fallback_used: true });
    expect(r.data.text.length).toBeGreaterThan(0);
    expect(outcomes(r)).toEqual(['server', 'server', 'server', 'server', 'server', 'server', 'ok']);
  });

  it('Anthropic Messages: JSON and streamed, through an alias the workspace points at it', async () => {
    const put = await call(a, 'PUT', '/v1/ai/settings', { aliases: { fast: { chain: [{ provider: 'anthropic', model: 'fake-haiku' }] } } });
    expect(put.status, JSON.stringify(put.error)).toBe(200);
    env.anthropic.script({ text: 'Quick answer.' });
    const r = await complete(a, ask({ alias: 'fast' }));
    expect(r.data).toMatchObject({ text: 'Quick answer.', provider: 'anthropic', model: 'fake-haiku', usage: { input_tokens: 13, output_tokens: 5 } });
    const seen = env.anthropic.seen.at(-1)!;
    expect(seen.path).toBe('/v1/messages');
    expect(seen.headers['x-api-key']).toBe('sk-test-anthropic');
    env.anthropic.script({ text: 'Streamed from Claude.' });
    const s = await completeStream(a, ask({ alias: 'fast' }));
    expect(s.events.filter((e) => e.event === 'delta').map((e) => e.data.text).join('')).toBe('Streamed from Claude.');
    expect(s.events.at(-1)!.data.provider).toBe('anthropic');
    env.anthropic.script({ toolCalls: [{ name: 'create_task', input: { name: 'From Claude' } }] });
    const tools = [{ name: 'create_task', parameters: { type: 'object', properties: { name: { type: 'string' } } } }];
    expect((await complete(a, ask({ alias: 'fast', tools }))).data.tool_calls).toEqual([{ id: 'toolu_1', name: 'create_task', input: { name: 'From Claude' } }]);
  });
});

describe('circuit breaker (per provider endpoint)', () => {
  let flaky: FakeProvider;
  beforeAll(async () => {
    flaky = await startFakeProvider('openai');
    flaky.fallback = { status: 500 };
    const put = await call(a, 'PUT', '/v1/ai/settings', {
      providers: { flaky: { kind: 'openai-compatible', base_url: flaky.baseUrl, api_key: 'sk-flaky', model: 'flaky-1' } },
      aliases: { cheap: { chain: [{ provider: 'flaky' }] } },
    });
    expect(put.status, JSON.stringify(put.error)).toBe(200);
  });
  afterAll(() => flaky?.close());

  const breaker = async () => {
    const r = await call<{ providers: { id: string; breaker: { state: string; consecutive_failures: number } | null }[] }>(a, 'GET', '/v1/ai/providers');
    return r.data.providers.find((p) => p.id === 'flaky')!.breaker!;
  };

  it('opens after 5 consecutive failures; then calls skip the provider without touching it', async () => {
    const first = await complete(a, ask({ alias: 'cheap' }));
    expect(first.data.provider).toBe('offline');
    expect(outcomes(first)).toEqual(['server', 'server', 'server', 'ok']);
    expect(await breaker()).toMatchObject({ state: 'closed', consecutive_failures: 3 });

    const second = await complete(a, ask({ alias: 'cheap' }));
    expect(outcomes(second)).toEqual(['server', 'server', 'circuit_open', 'ok']);
    expect(await breaker()).toMatchObject({ state: 'open', consecutive_failures: 5 });

    const hits = flaky.seen.length;
    const third = await complete(a, ask({ alias: 'cheap' }));
    expect(outcomes(third)).toEqual(['circuit_open', 'ok']);
    expect(third.data).toMatchObject({ provider: 'offline', fallback_used: true });
    expect(flaky.seen.length).toBe(hits);
  });

  it('after 60 s one probe goes through: a failure reopens it, a success closes it', async () => {
    env.clock.advance(61_000);
    expect((await breaker()).state).toBe('half_open');
    const hits = flaky.seen.length;
    const failed = await complete(a, ask({ alias: 'cheap' }));
    expect(outcomes(failed)).toEqual(['server', 'circuit_open', 'ok']);
    expect(flaky.seen.length).toBe(hits + 1);
    expect((await breaker()).state).toBe('open');

    env.clock.advance(61_000);
    flaky.fallback = { text: 'I am back.' };
    const probe = await complete(a, ask({ alias: 'cheap' }));
    expect(probe.data).toMatchObject({ provider: 'flaky', text: 'I am back.', fallback_used: false });
    expect(await breaker()).toMatchObject({ state: 'closed', consecutive_failures: 0 });
  });
});
