import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';

let t: TestApp;
let a: TestTenant;
let b: TestTenant;

beforeAll(async () => {
  t = await startTestApp();
  a = await t.tenant('Agency A');
  b = await t.tenant('Startup B');
});
afterAll(() => t?.stop());

describe('ledger over HTTP', () => {
  it('records a custom event with its why and reads it back', async () => {
    const diff = await a.client.diffs.record({
      namespace: 'crm_import', entity_type: 'lead', entity_id: 'lead_1', event: 'lead.created',
      after: { name: 'Rakoto', stage: 'new' }, why: 'Imported from the fair', sentiment: 1,
    });
    expect(diff.id).toMatch(/^dif_\d+$/);
    expect(diff.actor).toEqual({ type: 'user', id: a.userId });
    expect(diff.annotations.map((x) => [x.why, x.sentiment])).toEqual([['Imported from the fair', 1]]);
    const again = await a.client.diffs.get(diff.id);
    expect(again).toEqual(diff);
  });

  it('keeps each tenant to its own diffs: another tenant gets 404, not the data', async () => {
    const diff = await a.client.diffs.record({ namespace: 'crm_import', entity_type: 'lead', entity_id: 'lead_2', event: 'lead.created', after: { x: 1 } });
    await expect(b.client.diffs.get(diff.id)).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
    const listed = await b.client.diffs.list({ entity_id: 'lead_2' });
    expect(listed.items).toEqual([]);
  });

  it('refuses reserved namespaces for API clients', async () => {
    await expect(
      a.client.diffs.record({ namespace: 'flow_os', entity_type: 'task', entity_id: 't', event: 'task.updated' }),
    ).rejects.toMatchObject({ status: 400, code: 'RESERVED_NAMESPACE' });
  });
});
