// GET /v1/events, /v1/commands and /v1/rule-actions over the real server: what rules, flows and agents can use.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestTenant } from '../testing/harness.js';
import { expectError, expectOk } from '../testing/http.js';

let t: TestApp;
let a: TestTenant;
beforeAll(async () => {
  t = await startTestApp();
  a = await t.tenant('Catalogue');
});
afterAll(() => t.stop());

type Event = { module: string; namespace: string; event: string; fields: string[] };

describe('catalogues', () => {
  it('GET /v1/events lists every module event with its namespace and field paths', async () => {
    const res = await fetch(`${t.baseUrl}/v1/events`, { headers: { authorization: `Bearer ${a.token}` } });
    const { data } = await expectOk<Event[]>(res);
    const updated = data.find((e) => e.namespace === 'flow_os' && e.event === 'task.updated');
    expect(updated?.module).toBe('work');
    expect(updated?.fields).toEqual(expect.arrayContaining(['after.status', 'after.assignee_id', 'before.status']));
    for (const ns of ['identity', 'flow_os', 'rules', 'notifications', 'ai']) expect(data.some((e) => e.namespace === ns), ns).toBe(true);
  });

  it('GET /v1/commands lists the registered commands with their scope and input schema', async () => {
    const res = await fetch(`${t.baseUrl}/v1/commands`, { headers: { authorization: `Bearer ${a.token}` } });
    const { data } = await expectOk<{ name: string; module: string; scope: string; input: { properties?: Record<string, unknown> } }[]>(res);
    const update = data.find((c) => c.name === 'work.update_task');
    expect(update).toMatchObject({ module: 'work', scope: 'write' });
    expect(Object.keys(update!.input.properties ?? {})).toEqual(expect.arrayContaining(['id', 'status', 'priority', 'why']));
    for (const name of ['work.create_task', 'work.create_workflow', 'notifications.notify', 'ledger.record_event']) expect(data.some((c) => c.name === name), name).toBe(true);
  });

  it('GET /v1/rule-actions lists every action type with the module that registered it and the schema of its fields', async () => {
    const res = await fetch(`${t.baseUrl}/v1/rule-actions`, { headers: { authorization: `Bearer ${a.token}` } });
    const { data } = await expectOk<{ type: string; module: string; summary: string; schema: { properties?: Record<string, unknown>; required?: string[] } }[]>(res);
    expect(data.map((x) => [x.type, x.module])).toEqual([
      ['create_task', 'work'], ['guard', 'rules'], ['notify', 'notifications'], ['predict', 'work'],
      ['require_approval', 'rules'], ['start_flow', 'orchestration'], ['start_workflow', 'work'], ['tag', 'work'], ['wake_agent', 'agents'], ['webhook', 'rules'],
    ]);
    const notify = data.find((x) => x.type === 'notify')!;
    expect(notify.summary).not.toBe('');
    expect(Object.keys(notify.schema.properties ?? {})).toEqual(['type', 'to', 'title', 'message', 'email']);
    expect(notify.schema.required).toEqual(['type', 'to', 'message']);
  });

  it('needs authentication', async () => {
    await expectError(await fetch(`${t.baseUrl}/v1/events`), 401, 'UNAUTHENTICATED');
    await expectError(await fetch(`${t.baseUrl}/v1/commands`), 401, 'UNAUTHENTICATED');
    await expectError(await fetch(`${t.baseUrl}/v1/rule-actions`), 401, 'UNAUTHENTICATED');
  });
});
