// A held change's secrets (a provider key, a webhook secret) are sealed in the approval row and
// shown by no approval; approving runs the command with the values that were asked for. A row
// stored before secrets were sealed (its input in plain text) still runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestTenant } from '../../testing/harness.js';
import { expectOk } from '../../testing/http.js';
import { call, complete, startAiTestApp, type AiTestEnv } from '../ai/ai-testing.js';

type Approval = { id: string; status: string; command: string | null };

let env: AiTestEnv;
let a: TestTenant;

/** The approval rows as stored, read past row-level security. */
const storedRequests = async (): Promise<string> =>
  JSON.stringify((await env.t.app.db.ownerExecutor.executeSql('select request::text as r from approvals', [])).rows);

/** Asks for a change; a require_approval rule holds it. The answer itself shows no secret. */
async function held(method: 'PUT' | 'POST' | 'PATCH', url: string, body: unknown, secret: string): Promise<Approval> {
  const res = await a.client.raw(method, url, { body });
  const text = await res.clone().text();
  const { data } = await expectOk<Approval>(res, 202);
  expect(text).not.toContain(secret);
  return data;
}

async function approve(id: string) {
  return (await expectOk<{ approval: Approval; result: Record<string, unknown> }>(await a.client.raw('POST', `/v1/approvals/${id}/approve`, { body: { why: 'checked' } }))).data;
}

/** The webhook secret a stored rule signs with, opened as the runner opens it. */
async function webhookSecretOf(ruleId: string): Promise<string> {
  const { rows } = await env.t.app.db.ownerExecutor.executeSql('select actions::text as a from rules where id = $1', [ruleId]);
  const actions = JSON.parse((rows[0] as { a: string }).a) as { type: string; secret_sealed?: string }[];
  return env.t.app.identity.secrets().open(actions.find((x) => x.type === 'webhook')!.secret_sealed!);
}

beforeAll(async () => {
  env = await startAiTestApp();
  a = await env.t.tenant('Held secrets');
  for (const trigger of [{ namespace: 'ai', event: 'ai.settings_updated' }, { namespace: 'rules', entity_type: 'rule' }]) {
    await expectOk(await a.client.raw('POST', '/v1/rules', { body: { name: `Hold ${trigger.namespace}`, trigger, actions: [{ type: 'require_approval' }] } }), 201);
  }
});
afterAll(() => env?.stop());

describe('secrets in held changes', () => {
  it('a provider key is sealed while held, shown nowhere, and works once approved', async () => {
    const secret = 'sk-held-provider-key-0123456789';
    const approval = await held('PUT', '/v1/ai/settings', {
      providers: { router: { kind: 'openai-compatible', base_url: env.openai.baseUrl, api_key: secret, model: 'router-1' } },
      aliases: { routed: { chain: [{ provider: 'router' }] } },
    }, secret);
    expect(approval.command).toBe('ai.update_settings');
    const stored = await storedRequests();
    expect(stored).toContain('router-1'); // the row is there, with its input…
    expect(stored).not.toContain(secret); // …but not the key
    for (const path of ['/v1/approvals', `/v1/approvals/${approval.id}`, '/v1/diffs?namespace=ai', '/v1/diffs?namespace=rules']) {
      expect(await (await a.client.raw('GET', path)).text(), path).not.toContain(secret);
    }

    const done = await approve(approval.id);
    expect(done.approval.status).toBe('approved');
    expect(JSON.stringify(done)).not.toContain(secret);
    env.openai.script({ text: 'via router' });
    expect((await complete(a, { alias: 'routed', prompt: 'router?' })).data).toMatchObject({ provider: 'router', model: 'router-1' });
    expect(env.openai.seen.at(-1)!.headers.authorization).toBe(`Bearer ${secret}`);
  });

  it('a webhook secret of a created or changed rule is sealed while held and is the rule’s secret once approved', async () => {
    const secret = 'whsec-held-create-0123456789';
    const hook = (s: string) => ({ type: 'webhook', url: 'https://hooks.example.com/atrium', secret: s });
    const create = await held('POST', '/v1/rules', { name: 'Push deals', trigger: { namespace: 'crm' }, actions: [hook(secret)] }, secret);
    expect(create.command).toBe('rules.create_rule');
    expect(await storedRequests()).not.toContain(secret);
    expect(await (await a.client.raw('GET', '/v1/approvals')).text()).not.toContain(secret);
    const made = (await approve(create.id)).result as { rule: { id: string } };
    expect(await webhookSecretOf(made.rule.id)).toBe(secret);

    const next = 'whsec-held-update-9876543210';
    const update = await held('PATCH', `/v1/rules/${made.rule.id}`, { actions: [hook(next)] }, next);
    expect(update.command).toBe('rules.update_rule');
    expect(await storedRequests()).not.toContain(next);
    await approve(update.id);
    expect(await webhookSecretOf(made.rule.id)).toBe(next);
  });

  it('a row stored before secrets were sealed (plain input, no sealed paths) still runs as stored', async () => {
    const secret = 'sk-legacy-plain-key-0123456789';
    const legacy = { kind: 'openai-compatible', base_url: env.openai.baseUrl, api_key: secret, model: 'legacy-1' };
    const approval = await held('PUT', '/v1/ai/settings', { providers: { legacy } }, secret);
    // What an older process wrote for the same change: the key in the input itself, nothing marked sealed.
    const { rows } = await env.t.app.db.ownerExecutor.executeSql('select request::text as r from approvals where id = $1', [approval.id]);
    const { sealed, ...request } = JSON.parse((rows[0] as { r: string }).r) as Record<string, unknown>;
    expect(sealed).toEqual([['providers', 'legacy', 'api_key']]);
    const plain = { ...request, input: { providers: { legacy } } };
    await env.t.app.db.ownerExecutor.executeSql('update approvals set request = $1::jsonb where id = $2', [JSON.stringify(plain), approval.id]);
    expect((await approve(approval.id)).approval.status).toBe('approved');
    const settings = await call<{ providers: Record<string, { api_key_set: boolean }> }>(a, 'GET', '/v1/ai/settings');
    expect(settings.data.providers.legacy).toMatchObject({ api_key_set: true });
    const stored = await env.t.app.db.ownerExecutor.executeSql('select providers::text as p from ai_settings where tenant_id = $1', [a.tenantId]);
    const { legacy: saved } = JSON.parse((stored.rows[0] as { p: string }).p) as Record<string, { api_key_sealed: string }>;
    expect(env.t.app.identity.secrets().open(saved!.api_key_sealed)).toBe(secret); // the key itself, sealed once
  });
});
