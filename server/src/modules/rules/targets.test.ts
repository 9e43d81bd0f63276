// A rule names people by `user:<id>`: only members of the rule's own workspace can be named.
// Another workspace's user was accepted before (harmless, but wrong): now 400 at the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { detailPaths, expectError, expectOk } from '../../testing/http.js';

let t: TestApp;
let a: TestTenant;
let b: TestTenant;

beforeAll(async () => {
  t = await startTestApp();
  a = await t.tenant('Targets A');
  b = await t.tenant('Targets B');
});
afterAll(() => t?.stop());

const trigger = { namespace: 'flow_os', event: 'task.updated' };

describe('user targets of rule actions', () => {
  it('a user of another workspace is refused at the field it was named in, and no rule is saved', async () => {
    const stranger = `user:${a.userId}`;
    const res = await b.client.raw('POST', '/v1/rules', {
      body: {
        name: 'Tell a stranger', trigger,
        actions: [{ type: 'notify', to: ['owner', stranger], message: 'x' }, { type: 'create_task', name: 'y', assignee: stranger }],
      },
    });
    const env = await expectError(res, 400, 'VALIDATION_FAILED');
    expect(detailPaths(env)).toEqual(['body.actions.0.to.1', 'body.actions.1.assignee']);
    expect((await expectOk<unknown[]>(await b.client.raw('GET', '/v1/rules'))).data).toEqual([]);
    const single = await b.client.raw('POST', '/v1/rules', { body: { name: 'One stranger', trigger, actions: [{ type: 'notify', to: stranger, message: 'x' }] } });
    expect(detailPaths(await expectError(single, 400, 'VALIDATION_FAILED'))).toEqual(['body.actions.0.to']);
  });

  it('a member of the workspace may be named, and a patch to a stranger is refused the same way', async () => {
    const own = `user:${b.userId}`;
    const made = await expectOk<{ rule: { id: string; version: number } }>(
      await b.client.raw('POST', '/v1/rules', { body: { name: 'Tell me', trigger, actions: [{ type: 'notify', to: own, message: 'x' }] } }), 201,
    );
    const patch = await b.client.raw('PATCH', `/v1/rules/${made.data.rule.id}`, { body: { actions: [{ type: 'start_workflow', name: 'z', owner: `user:${a.userId}` }] } });
    expect(detailPaths(await expectError(patch, 400, 'VALIDATION_FAILED'))).toEqual(['body.actions.0.owner']);
    expect((await expectOk<{ version: number }>(await b.client.raw('GET', `/v1/rules/${made.data.rule.id}`))).data.version).toBe(made.data.rule.version);
  });
});
