// Defect 11: the causation links the schema promises. A rule's notification names the diff that
// caused it (`notifications.source_diff_id`), and a rule run names the diff its effect recorded
// (`rule_runs.effect_diff_id`) — for notify actions (run in batches) and for other actions (run
// one by one). Both were NULL on every row before the fix.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { expectOk, waitFor } from '../../testing/http.js';
import { workApi } from '../work/testing.js';

let t: TestApp;
let a: TestTenant;
beforeAll(async () => {
  t = await startTestApp();
  a = await t.tenant('Causes');
});
afterAll(() => t?.stop());

type Run = { id: string; diff_id: number; status: string; effect_diff_id: number | null; action_type: string };
const runsOf = (ruleId: string) => t.app.db.tenantTx(a.tenantId, async (tx) =>
  (await sql<Run>`select id, diff_id::int as diff_id, status, effect_diff_id::int as effect_diff_id, action_type from rule_runs where rule_id = ${ruleId} order by diff_id`.execute(tx)).rows);
const settled = (ruleId: string, n: number) => waitFor(`${n} settled runs`, async () => {
  const runs = await runsOf(ruleId);
  return runs.length === n && runs.every((r) => r.status !== 'queued') ? runs : undefined;
}, 30_000);
const createRule = async (body: unknown) => (await expectOk<{ rule: { id: string } }>(await a.client.raw('POST', '/v1/rules', { body }), 201)).data.rule;

describe('causation links of rule effects', () => {
  it('a notification names its trigger; the notify run names the notification.sent diff', async () => {
    const rule = await createRule({ name: 'Every order', trigger: { namespace: 'shop', event: 'order.placed' }, actions: [{ type: 'notify', to: 'role:owner', message: 'Order {{after.n}}' }] });
    for (let n = 0; n < 3; n++) {
      await expectOk(await a.client.raw('POST', '/v1/diffs', { body: { namespace: 'shop', entity_type: 'order', entity_id: `o${n}`, event: 'order.placed', after: { n } } }), 201);
    }
    const runs = await settled(rule.id, 3);
    const rows = await t.app.db.tenantTx(a.tenantId, async (tx) => ({
      notes: (await sql<{ id: string; source_diff_id: number | null; body: string }>`select id, source_diff_id::int as source_diff_id, body from notifications order by body`.execute(tx)).rows,
      sent: (await sql<{ id: number; entity_id: string; causation_id: number }>`select id::int as id, entity_id, causation_id::int as causation_id from diffs where event = 'notification.sent'`.execute(tx)).rows,
    }));
    expect(rows.notes).toHaveLength(3);
    for (const run of runs) {
      expect(run.status).toBe('succeeded');
      const sent = rows.sent.find((s) => s.causation_id === run.diff_id);
      expect(sent, `a notification.sent diff caused by ${run.diff_id}`).toBeDefined();
      expect(run.effect_diff_id).toBe(sent!.id);
      const note = rows.notes.find((x) => x.id === sent!.entity_id)!;
      expect(note.source_diff_id).toBe(run.diff_id);
    }
  });

  it('a tag run names the task.updated diff the rule recorded', async () => {
    const api = workApi(a.client);
    const rule = await createRule({
      name: 'Failed → review', trigger: { namespace: 'flow_os', entity_type: 'task', event: 'task.updated', when: { path: 'after.status', op: 'changed_to', value: 'failed' } },
      actions: [{ type: 'tag', add: ['needs-review'] }],
    });
    const w = await api.create({ name: 'Tagged' });
    const task = await api.addTask(w.id, { name: 'Render' });
    await api.patchTask(task.id, { status: 'failed', why: 'render farm down' });
    const [run] = await settled(rule.id, 1);
    expect(run!.status).toBe('succeeded');
    const tagged = await t.app.db.tenantTx(a.tenantId, async (tx) =>
      (await sql<{ id: number }>`select id::int as id from diffs where entity_id = ${task.id} and causation_id = ${run!.diff_id} and actor_type = 'rule'`.execute(tx)).rows);
    expect(tagged).toHaveLength(1);
    expect(run!.effect_diff_id).toBe(tagged[0]!.id);
  });
});
