// Replay without the job engine (ATRIUM_JOBS=false): a long fold cannot ask for
// snapshots, but the state must still be answered — correctly — not fail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diff } from '../../../../sdk/src/index.js';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';

let t: TestApp;
let a: TestTenant;
const recorded: Diff[] = [];

beforeAll(async () => {
  t = await startTestApp({ config: { jobs: false, snapshotEvery: 10, snapshotLagSeconds: 0 } });
  a = await t.tenant('No jobs');
  for (let i = 0; i < 15; i++) {
    recorded.push(await a.client.diffs.record({ namespace: 'nojobs', entity_type: 'gauge', entity_id: 'g1', event: i ? 'gauge.updated' : 'gauge.created', after: { [`k${i % 3}`]: i } }));
  }
});
afterAll(() => t?.stop());

describe('state replay with jobs disabled', () => {
  it('answers a fold longer than snapshotEvery', async () => {
    expect(await a.client.entities.stateAt('gauge', 'g1')).toMatchObject({ state: { k0: 12, k1: 13, k2: 14 }, as_of_diff_id: recorded.at(-1)!.id });
    expect(await a.client.entities.stateAt('gauge', 'g1', recorded[10]!.created_at)).toMatchObject({ state: { k0: 9, k1: 10, k2: 8 } });
  });

  it('an explicit snapshot still works, and the replay is unchanged by it', async () => {
    expect(await t.app.ledger.snapshotNow(a.tenantId, { entityType: 'gauge', entityId: 'g1' })).toBe(1);
    const direct = await t.app.ledger.stateAt(a.tenantId, { entityType: 'gauge', entityId: 'g1' }, new Date());
    expect(direct).toMatchObject({ state: { k0: 12, k1: 13, k2: 14 }, folded: 5 });
  });
});
