// Prompt templates (versions, pin, render, calls recording their version, tenant isolation),
// bad input (unknown alias, invalid JSON Schema, prompt over the context window, missing key,
// link-local provider URLs) and provider keys that never leave the server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../../testing/http.js';
import type { TestTenant } from '../../testing/harness.js';
import { call, complete, startAiTestApp, type AiTestEnv } from './ai-testing.js';

let env: AiTestEnv;
let a: TestTenant;
let b: TestTenant;

beforeAll(async () => {
  env = await startAiTestApp();
  a = await env.t.tenant('Prompts A');
  b = await env.t.tenant('Prompts B');
});
afterAll(() => env?.stop());

describe('prompt templates', () => {
  let id: string;

  it('creates, versions, pins and renders; calls record the version they used', async () => {
    const created = await call(a, 'POST', '/v1/ai/prompts', { name: 'follow-up', template: 'Write a follow-up to {{client}} about {{topic}}.', system: 'You write for {{company}}.' });
    expect(created.status).toBe(201);
    id = created.data.id;
    expect(created.data).toMatchObject({ name: 'follow-up', latest_version: 1, pinned_version: null, active_version: 1, versions: [{ version: 1, variables: ['company', 'client', 'topic'] }] });
    expect((await call(a, 'POST', '/v1/ai/prompts', { name: 'follow-up', template: 'x' })).status).toBe(409);

    const v2 = await call(a, 'POST', `/v1/ai/prompts/${id}/versions`, { template: 'Short note to {{client}}: {{topic}}.' });
    expect(v2.data).toMatchObject({ version: 2, variables: ['client', 'topic'] });
    expect((await call(a, 'GET', `/v1/ai/prompts/${id}/versions`)).data.map((v: { version: number }) => v.version)).toEqual([2, 1]);

    const vars = { client: 'Acme', topic: 'the renewal', company: 'Atrium' };
    expect((await call(a, 'POST', `/v1/ai/prompts/${id}/render`, { variables: vars })).data).toEqual({ prompt_id: id, version: 2, text: 'Short note to Acme: the renewal.', system: null });
    expect((await call(a, 'POST', `/v1/ai/prompts/${id}/pin`, { version: 1 })).data).toMatchObject({ pinned_version: 1, active_version: 1 });

    env.openai.script({ text: 'Dear Acme…' });
    const r = await complete(a, { prompt_id: id, variables: vars, feature: 'follow-ups' });
    expect(r.data).toMatchObject({ text: 'Dear Acme…', prompt: { id, version: 1 } });
    expect(env.openai.seen.at(-1)!.body.messages).toEqual([
      { role: 'system', content: 'You write for Atrium.' },
      { role: 'user', content: 'Write a follow-up to Acme about the renewal.' },
    ]);
    await env.t.app.ai.settled(); // metered behind the answer
    const diffs = (await call<{ after: Record<string, unknown> }[]>(a, 'GET', '/v1/diffs?namespace=ai&event=ai.call')).data;
    expect(diffs[0]!.after).toMatchObject({ prompt_id: id, prompt_version: 1 });
  });

  it('a missing variable is a 400 naming it', async () => {
    const res = await a.client.raw('POST', `/v1/ai/prompts/${id}/render`, { body: { variables: { client: 'Acme' } } });
    const env400 = await expectError(res, 400, 'TEMPLATE_VARIABLES_MISSING');
    expect(env400.error.details.map((d) => d.path)).toEqual(['body.variables.company', 'body.variables.topic']);
  });

  it('another tenant cannot see, render, version, pin or use the template (404)', async () => {
    for (const [method, path, body] of [
      ['GET', `/v1/ai/prompts/${id}`, undefined], ['GET', `/v1/ai/prompts/${id}/versions`, undefined],
      ['POST', `/v1/ai/prompts/${id}/render`, { variables: { client: 'x', topic: 'y', company: 'z' } }],
      ['POST', `/v1/ai/prompts/${id}/versions`, { template: 'planted' }], ['POST', `/v1/ai/prompts/${id}/pin`, { version: 2 }],
      ['POST', '/v1/ai/complete', { prompt_id: id, variables: { client: 'x', topic: 'y', company: 'z' } }],
    ] as const) {
      const res = await b.client.raw(method, path, { body });
      const text = await res.clone().text();
      await expectError(res, 404, 'NOT_FOUND');
      expect(text).not.toContain('follow-up');
    }
    expect((await call(b, 'GET', '/v1/ai/prompts')).data).toEqual([]);
    expect((await call(a, 'GET', `/v1/ai/prompts/${id}`)).data).toMatchObject({ latest_version: 2, pinned_version: 1 });
  });
});

describe('bad input', () => {
  it('unknown alias: 400 with the valid ones', async () => {
    const e = await expectError(await a.client.raw('POST', '/v1/ai/complete', { body: { alias: 'genius', prompt: 'hi' } }), 400, 'UNKNOWN_ALIAS');
    expect(e.error.details[0]).toMatchObject({ path: 'body.alias', valid: expect.arrayContaining(['fast', 'smart', 'cheap']) });
  });

  it('a schema that is not valid JSON Schema, for output or tool parameters: 400', async () => {
    const e = await expectError(await a.client.raw('POST', '/v1/ai/complete', { body: { prompt: 'hi', schema: { type: 'strin' } } }), 400, 'INVALID_SCHEMA');
    expect(e.error.details[0]!.path).toBe('body.schema');
    const t = await expectError(await a.client.raw('POST', '/v1/ai/complete', { body: { prompt: 'hi', tools: [{ name: 'x', parameters: { type: 'object', required: 'name' } }] } }), 400, 'INVALID_SCHEMA');
    expect(t.error.details[0]!.path).toBe('body.tools.0.parameters');
  });

  it('over the context window: 400 PROMPT_TOO_LONG with counts, or truncation when asked', async () => {
    await call(a, 'PUT', '/v1/ai/settings', { prices: { 'tiny-model': { input_per_mtok: 0, output_per_mtok: 0, context: 50 } }, aliases: { tiny: { chain: [{ provider: 'openai', model: 'tiny-model' }] } } });
    const long = 'word '.repeat(200);
    const e = await expectError(await a.client.raw('POST', '/v1/ai/complete', { body: { alias: 'tiny', messages: [{ role: 'user', content: 'old turn' }, { role: 'user', content: long }] } }), 400, 'PROMPT_TOO_LONG');
    expect(e.error.details[0]).toMatchObject({ input_tokens: 253, context_tokens: 50, model: 'tiny-model' });
    env.openai.script({ text: 'fits now' });
    const ok = await complete(a, { alias: 'tiny', truncate: true, messages: [{ role: 'user', content: 'old turn' }, { role: 'user', content: long }] });
    expect(ok.data).toMatchObject({ text: 'fits now', truncated: true });
    const sent = env.openai.seen.at(-1)!.body.messages as { content: string }[];
    expect(sent.length).toBe(1);
    expect(sent[0]!.content.length).toBeLessThanOrEqual(200);
  });

  it('a provider without a key shows as unconfigured and calls fall back', async () => {
    const put = await call(a, 'PUT', '/v1/ai/settings', { providers: { claude2: { kind: 'anthropic', model: 'claude-x' } }, aliases: { keyless: { chain: [{ provider: 'claude2' }] } } });
    expect(put.status).toBe(200);
    const providers = (await call<{ providers: { id: string; configured: boolean; unconfigured_reason: string | null }[] }>(a, 'GET', '/v1/ai/providers')).data.providers;
    expect(providers.find((p) => p.id === 'claude2')).toMatchObject({ configured: false, unconfigured_reason: 'no API key' });
    const r = await complete(a, { alias: 'keyless', prompt: 'Plan the launch of the new website' });
    expect(r.data).toMatchObject({ provider: 'offline', fallback_used: true });
    expect(r.data.attempts[0]).toMatchObject({ provider: 'claude2', outcome: 'unconfigured' });
  });

  it('provider URLs on link-local or metadata addresses are refused; loopback is allowed', async () => {
    for (const url of ['http://169.254.169.254/v1', 'http://[fe80::1]/v1', 'http://metadata.google.internal/v1', 'http://[::ffff:169.254.169.254]/v1', 'file:///etc/passwd']) {
      const res = await a.client.raw('PUT', '/v1/ai/settings', { body: { providers: { evil: { kind: 'openai-compatible', base_url: url, model: 'm' } } } });
      await expectError(res, 400, 'UNSAFE_PROVIDER_URL');
    }
    expect((await call(a, 'PUT', '/v1/ai/settings', { providers: { ollama: { kind: 'openai-compatible', base_url: 'http://127.0.0.1:11434/v1', model: 'llama3' } } })).status).toBe(200);
  });
});

describe('provider keys', () => {
  it('are sealed at rest and never returned', async () => {
    const secret = 'sk-live-very-secret-1234567890';
    const put = await a.client.raw('PUT', '/v1/ai/settings', { body: { providers: { router: { kind: 'openai-compatible', base_url: env.openai.baseUrl, api_key: secret, model: 'router-1' } } } });
    const text = await put.text();
    expect(put.status).toBe(200);
    expect(text).not.toContain(secret);
    expect(JSON.parse(text).data.providers.router).toMatchObject({ api_key_set: true });
    for (const path of ['/v1/ai/settings', '/v1/ai/providers', '/v1/diffs?namespace=ai']) expect(await (await a.client.raw('GET', path)).text()).not.toContain(secret);
    const raw = await env.t.app.db.ownerExecutor.executeSql('select providers::text as p from ai_settings', []);
    expect(JSON.stringify(raw.rows)).not.toContain(secret);
    // …and used: the router provider sends it.
    await call(a, 'PUT', '/v1/ai/settings', { aliases: { routed: { chain: [{ provider: 'router' }] } } });
    env.openai.script({ text: 'via router' });
    expect((await complete(a, { alias: 'routed', prompt: 'router?' })).data).toMatchObject({ provider: 'router', model: 'router-1' });
    expect(env.openai.seen.at(-1)!.headers.authorization).toBe(`Bearer ${secret}`);
  });

  it('settings and budget writes need the admin scope', async () => {
    const key = await env.t.app.identity.issueToken({ tenantId: a.tenantId, userId: null, kind: 'api_key', scopes: ['write'] });
    const writer = env.t.client(key.token);
    await expectError(await writer.raw('PUT', '/v1/ai/settings', { body: { store_prompts: true } }), 403, 'FORBIDDEN');
    await expectError(await writer.raw('PUT', '/v1/ai/budget', { body: { monthly_tokens: 1 } }), 403, 'FORBIDDEN');
  });
});
