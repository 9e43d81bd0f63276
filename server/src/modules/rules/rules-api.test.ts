// The rules API over real HTTP: CRUD with optimistic versions, enable/disable, bad input
// (schema paths, semantic limits, action mixes), who may manage rules, rule packs, what-if
// simulation that provably writes nothing, run filters, the loop cut and scheduled rules.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtriumClient } from '../../../../sdk/src/index.js';
import { serverDatabaseUrl, startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { detailPaths, expectError, expectOk, waitFor } from '../../testing/http.js';
import { addMember, ownerQuery, workApi } from '../work/testing.js';
import { ruleSchemas } from './model.js';

const MAX_DEPTH = 3;
let t: TestApp;
let a: TestTenant;
let b: TestTenant;

beforeAll(async () => {
  t = await startTestApp({ config: { maxChainDepth: MAX_DEPTH } });
  a = await t.tenant('Rule makers');
  b = await t.tenant('Other rule makers');
});
afterAll(() => t?.stop());

type Rule = {
  id: string; name: string; description: string; enabled: boolean; kind: string; trigger: Record<string, unknown>; actions: Record<string, unknown>[];
  pack_id: string | null; created_by: string; created_at: string; updated_at: string; version: number;
};
type Created = { rule: Rule; warnings: string[]; secrets: Record<string, string> };
type Run = { id: string; rule_id: string; status: string; diff_id: string; entity_id: string; entity_type: string; error: string | null; action_type: string; effect: unknown; created_at: string };
type DiffView = { id: string; event: string; entity_id: string; causation_id: string | null; before: Record<string, unknown> | null; after: Record<string, unknown> | null; metadata: Record<string, unknown>; actor: { type: string; id: string }; created_at: string; annotations: { why: string }[] };
type Pack = { id: string; name: string; enabled: boolean; rule_id: string | null; rule: Record<string, unknown> };
type Simulation = { window: { since: string; until: string }; scanned: number; scan_truncated: boolean; matched: number; matches: { diff: { id: string; entity_id: string; event: string }; would: Record<string, unknown>[] }[] };
type Notification = { title: string; body: string; entity: { type: string; id: string } | null };

const post = (c: AtriumClient, url: string, body?: unknown) => c.raw('POST', url, { body: body ?? {} });
const createRule = async (c: AtriumClient, body: unknown) => (await expectOk<Created>(await post(c, '/v1/rules', body), 201)).data;
const getRule = async (c: AtriumClient, id: string) => (await expectOk<Rule & { stats: Stats }>(await c.raw('GET', `/v1/rules/${id}`))).data;
type Stats = { runs_7d: number; failed_7d: number; last_run_at: string | null };
const listRules = async (c: AtriumClient, q = '') => (await expectOk<(Rule & { stats: Stats })[]>(await c.raw('GET', `/v1/rules${q}`))).data;
const runs = async (c: AtriumClient, q: string) => (await expectOk<Run[]>(await c.raw('GET', `/v1/rule-runs?${q}`))).data;
const diffsOf = async (c: AtriumClient, q: string) => (await expectOk<DiffView[]>(await c.raw('GET', `/v1/diffs?${q}`))).data;
const notifications = async (c: AtriumClient) => (await expectOk<Notification[]>(await c.raw('GET', '/v1/notifications'))).data;
const notify = { type: 'notify', to: 'owner', message: '{{after.name}} changed' };
const simple = (name: string, extra: Record<string, unknown> = {}) => ({ name, trigger: { namespace: 'flow_os', event: 'task.updated' }, actions: [notify], ...extra });

describe('CRUD', () => {
  it('creates, lists, reads, patches with a version guard, switches off and on, and deletes — each a diff', async () => {
    const created = await createRule(a.client, { ...simple('Watch tasks'), description: 'all task changes' });
    const r = created.rule;
    expect(r).toMatchObject({ name: 'Watch tasks', description: 'all task changes', enabled: true, kind: 'reactive', version: 1, pack_id: null, created_by: a.userId });
    expect(r.trigger).toEqual({ namespace: 'flow_os', event: 'task.updated' });
    expect(r.actions).toEqual([notify]);
    expect(created.secrets).toEqual({});

    expect((await listRules(a.client)).map((x) => x.id)).toContain(r.id);
    expect(await listRules(b.client)).toEqual([]);
    await expectError(await b.client.raw('GET', `/v1/rules/${r.id}`), 404, 'NOT_FOUND');
    const one = await getRule(a.client, r.id);
    expect(one).toMatchObject({ id: r.id, version: 1, stats: { runs_7d: 0, failed_7d: 0, last_run_at: null } });

    const patched = (await expectOk<Created>(await a.client.raw('PATCH', `/v1/rules/${r.id}`, { body: { name: 'Watch all tasks', version: 1, why: 'clearer' } }))).data.rule;
    expect(patched).toMatchObject({ name: 'Watch all tasks', version: 2, description: 'all task changes' });
    const stale = await expectError(await a.client.raw('PATCH', `/v1/rules/${r.id}`, { body: { name: 'Lost update', version: 1 } }), 409, 'VERSION_CONFLICT');
    expect(stale.error.details[0]).toMatchObject({ current: 2 });
    expect((await getRule(a.client, r.id)).name).toBe('Watch all tasks');
    await expectError(await b.client.raw('PATCH', `/v1/rules/${r.id}`, { body: { name: 'hijack' } }), 404, 'NOT_FOUND');

    // A precommit action turns the kind; the trigger can change.
    const guardPatch = (await expectOk<Created>(await a.client.raw('PATCH', `/v1/rules/${r.id}`, { body: { actions: [{ type: 'guard', message: 'no' }], enabled: false, version: 2 } }))).data.rule;
    expect(guardPatch).toMatchObject({ kind: 'precommit', enabled: false, version: 3 });

    const on = (await expectOk<Created>(await post(a.client, `/v1/rules/${r.id}/enable`, { why: 'back on' }))).data.rule;
    expect(on).toMatchObject({ enabled: true, version: 4 });
    const off = (await expectOk<Created>(await post(a.client, `/v1/rules/${r.id}/disable`))).data.rule;
    expect(off).toMatchObject({ enabled: false, version: 5 });
    expect((await listRules(a.client, '?enabled=false')).map((x) => x.id)).toContain(r.id);
    expect((await listRules(a.client, '?enabled=true')).map((x) => x.id)).not.toContain(r.id);
    expect((await listRules(a.client, '?kind=precommit')).map((x) => x.id)).toEqual([r.id]);
    expect((await listRules(a.client, '?kind=reactive')).map((x) => x.id)).not.toContain(r.id);

    await expectOk(await a.client.raw('DELETE', `/v1/rules/${r.id}`, { body: { why: 'no longer needed' } }));
    await expectError(await a.client.raw('GET', `/v1/rules/${r.id}`), 404, 'NOT_FOUND');
    await expectError(await a.client.raw('DELETE', `/v1/rules/${r.id}`), 404, 'NOT_FOUND');
    await expectError(await post(a.client, `/v1/rules/${r.id}/enable`), 404, 'NOT_FOUND');
    expect((await listRules(a.client)).map((x) => x.id)).not.toContain(r.id);

    const history = (await diffsOf(a.client, `entity_id=${r.id}`)).map((d) => d.event).reverse();
    expect(history).toEqual(['rule.created', 'rule.updated', 'rule.updated', 'rule.enabled', 'rule.disabled', 'rule.deleted']);
    const [deleted] = await diffsOf(a.client, `entity_id=${r.id}&event=rule.deleted`);
    expect(deleted!.annotations[0]!.why).toBe('no longer needed');
    expect(deleted!.actor).toEqual({ type: 'user', id: a.userId });
    const [renamed] = (await diffsOf(a.client, `entity_id=${r.id}&event=rule.updated`)).reverse();
    expect(renamed!.before).toEqual({ name: 'Watch tasks' });
    expect(renamed!.after).toEqual({ name: 'Watch all tasks' });
  });

  it('a disabled rule does not fire; enabled again it fires on later changes only', async () => {
    const c = await t.tenant('Switches');
    const api = workApi(c.client);
    const { rule } = await createRule(c.client, { ...simple('Switchable'), enabled: false });
    expect(rule.enabled).toBe(false);
    const w = await api.create({ name: 'W' });
    const task = await api.addTask(w.id, { name: 'T' });
    await api.patchTask(task.id, { name: 'T1' });
    await t.app.rules.drain();
    expect(await runs(c.client, `rule_id=${rule.id}`)).toEqual([]);
    await expectOk(await post(c.client, `/v1/rules/${rule.id}/enable`));
    await api.patchTask(task.id, { name: 'T2' });
    const got = await waitFor('a run', async () => { const r = await runs(c.client, `rule_id=${rule.id}`); return r.length > 0 && r.every((x) => x.status !== 'queued') ? r : undefined; });
    await t.app.rules.drain();
    expect(got).toHaveLength(1);
    expect((await notifications(c.client)).map((n) => n.body)).toEqual(['T2 changed']);
    // The list carries each rule's recent activity (one query for all, not one call per rule).
    const quiet = (await createRule(c.client, { ...simple('Quiet'), trigger: { namespace: 'nowhere' } })).rule;
    const listed = await listRules(c.client);
    const statsOf = (id: string) => listed.find((x) => x.id === id)!.stats;
    expect(statsOf(rule.id)).toMatchObject({ runs_7d: 1, failed_7d: 0 });
    expect(statsOf(rule.id).last_run_at).toBe(got[0]!.created_at);
    expect(statsOf(quiet.id)).toEqual({ runs_7d: 0, failed_7d: 0, last_run_at: null });
    expect((await getRule(c.client, rule.id)).stats).toEqual(statsOf(rule.id));
  });

  it('with the evaluator behind, a rule switched on, made, or re-aimed later still ignores the changes before it', async () => {
    // A serve-only process evaluates nothing by itself: the whole backlog waits for `drain`, as
    // it does when workers lag (or another transaction holds the ledger's horizon back).
    const s = await startTestApp({ role: 'serve' });
    try {
      const c = await s.tenant('Backlog');
      const api = workApi(c.client);
      const switched = (await createRule(c.client, { ...simple('Switched on later'), enabled: false })).rule;
      const reaimed = (await createRule(c.client, simple('Re-aimed later', { trigger: { namespace: 'flow_os', event: 'workflow.updated' } }))).rule;
      const task = await api.addTask((await api.create({ name: 'W' })).id, { name: 'T' });
      await api.patchTask(task.id, { name: 'before' });
      await expectOk(await post(c.client, `/v1/rules/${switched.id}/enable`));
      const made = (await createRule(c.client, simple('Made later'))).rule;
      await expectOk(await c.client.raw('PATCH', `/v1/rules/${reaimed.id}`, { body: { trigger: { namespace: 'flow_os', event: 'task.updated' } } }));
      await api.patchTask(task.id, { name: 'after' });
      await s.app.rules.drain();
      const [later, earlier] = await diffsOf(c.client, `entity_id=${task.id}&event=task.updated`);
      expect(earlier!.after).toMatchObject({ name: 'before' });
      for (const rule of [switched, made, reaimed]) {
        expect((await runs(c.client, `rule_id=${rule.id}`)).map((r) => r.diff_id), rule.name).toEqual([later!.id]);
      }
    } finally {
      await s.stop();
    }
  });
});

describe('the rule cache', () => {
  it('a rule change that rolls back leaves nothing behind: rules read inside a writer are kept only on commit', async () => {
    // Serve-only: no evaluator refills the cache behind the test's back, so each writer below reads the rules cold.
    const s = await startTestApp({ role: 'serve' });
    try {
      const c = await s.tenant('Rolled back');
      const api = workApi(c.client);
      const task = await api.addTask((await api.create({ name: 'W' })).id, { name: 'T' });
      const names = { name: 'Forbidden names', trigger: { namespace: 'flow_os', event: 'task.updated', when: { path: 'after.name', op: 'eq', value: 'forbidden' } }, actions: [{ type: 'guard', message: 'not that name' }] };
      const { rule: forbidden } = await createRule(c.client, names);
      await createRule(c.client, { name: 'Keep rules on', trigger: { namespace: 'rules', event: 'rule.disabled' }, actions: [{ type: 'guard', message: 'no' }] });
      // Switching the first guard off reads the rules inside that transaction (without it), then
      // is refused by the second guard and rolls back: the first guard is still on…
      await expectError(await post(c.client, `/v1/rules/${forbidden.id}/disable`, {}), 409, 'BLOCKED_BY_RULE');
      // …and still refuses (a cache that kept the rolled-back read would have forgotten it).
      await expectError(await c.client.raw('PATCH', `/v1/tasks/${task.id}`, { body: { name: 'forbidden' } }), 409, 'BLOCKED_BY_RULE');
    } finally {
      await s.stop();
    }
  });

  it('a rule never judges the change that switches it on, however warm the cache (it applies to later changes)', async () => {
    for (const role of ['serve', 'all'] as const) {
      const s = await startTestApp({ role });
      try {
        const c = await s.tenant(`Own creation (${role})`);
        await createRule(c.client, simple('First')); // its commit forgets the tenant's rules: the next writer reads them cold
        // A guard on rule creation and a rule that holds everything are created, not refused or held by themselves…
        const guard = { name: 'No new rules', trigger: { namespace: 'rules', event: 'rule.created' }, actions: [{ type: 'guard', message: 'no' }] };
        expect((await post(c.client, '/v1/rules', guard)).status).toBe(201);
        await expectError(await post(c.client, '/v1/rules', simple('Second')), 409, 'BLOCKED_BY_RULE');
        const guardId = ((await (await c.client.raw('GET', '/v1/rules')).json()) as { data: { id: string; name: string }[] }).data.find((r) => r.name === 'No new rules')!.id;
        expect((await c.client.raw('DELETE', `/v1/rules/${guardId}`)).status).toBe(200);
        expect((await post(c.client, '/v1/rules', { name: 'Hold everything', trigger: {}, actions: [{ type: 'require_approval' }] })).status).toBe(201);
        // …and from then on they apply.
        expect((await post(c.client, '/v1/rules', simple('Third'))).status).toBe(202);
      } finally {
        await s.stop();
      }
    }
  });
});

describe('drain', () => {
  it.runIf(serverDatabaseUrl())('waits while a transaction open anywhere on the server holds the horizon back, then evaluates what committed meanwhile', async () => {
    const c = await t.tenant('Horizon');
    const api = workApi(c.client);
    const { rule } = await createRule(c.client, simple('Horizon watcher'));
    const task = await api.addTask((await api.create({ name: 'W' })).id, { name: 'T' });
    const blocker = new pg.Client({ connectionString: serverDatabaseUrl() }); // another database: xids are the cluster's
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('select pg_current_xact_id()');
      await api.patchTask(task.id, { name: 'while held' });
      // While held, drain keeps evaluating and keeps finding the change beyond the horizon: it
      // gives up rather than report the change evaluated (a drain that returned would fail here).
      await expect(t.app.rules.drain(300)).rejects.toThrow(/still unevaluated/);
      expect(await runs(c.client, `rule_id=${rule.id}`)).toEqual([]);
      const draining = t.app.rules.drain();
      await blocker.query('commit');
      await draining;
      expect(await runs(c.client, `rule_id=${rule.id}`)).toHaveLength(1);
    } finally {
      await blocker.end();
    }
  });
});

describe('bad input', () => {
  const bad = async (body: unknown, code = 'VALIDATION_FAILED', status = 400) => expectError(await post(a.client, '/v1/rules', body), status, code);

  it('an unknown operator is refused with the path into the trigger', async () => {
    const env = await bad(simple('Regex', { trigger: { event: 'task.updated', when: { all: [{ path: 'after.name', op: 'regex', value: '^(a+)+$' }] } } }));
    // The condition language is a union (all | any | not | leaf): the error names the branch that came closest.
    expect(detailPaths(env)).toEqual(['body.trigger.when.all.0.op']);
    const leafOnly = await bad(simple('Regex leaf', { trigger: { when: { path: 'after.name', op: 'matches', value: 'x' } } }));
    expect(detailPaths(leafOnly)).toEqual(['body.trigger.when.op']);
    const nested = await bad(simple('Deep', { trigger: { when: { any: [{ not: { path: 'after.x', op: 'eq', value: 1 } }, { path: 'nowhere.x', op: 'eq', value: 1 }] } } }));
    expect(detailPaths(nested)).toEqual(['body.trigger.when.any.1.path']);
  });

  it('semantic problems name the exact field', async () => {
    expect(detailPaths(await bad(simple('In scalar', { trigger: { when: { all: [{ path: 'after.status', op: 'eq', value: 'x' }, { path: 'after.status', op: 'in', value: 'blocked' }] } } })))).toEqual(['body.trigger.when.all.1.value']);
    expect(detailPaths(await bad(simple('Gt bool', { trigger: { when: { path: 'after.n', op: 'gt', value: true } } })))).toEqual(['body.trigger.when.value']);
    expect(detailPaths(await bad(simple('Changed meta', { trigger: { when: { not: { path: 'metadata.x', op: 'changed' } } } })))).toEqual(['body.trigger.when.not.path']);
    expect(detailPaths(await bad(simple('No value', { trigger: { when: { path: 'after.n', op: 'lt' } } })))).toEqual(['body.trigger.when.value']);
    // Several problems are all reported.
    expect(detailPaths(await bad(simple('Two', { trigger: { when: { any: [{ path: 'after.a', op: 'in', value: 1 }, { path: 'after.b', op: 'eq', value: [1] }] } } })))).toEqual(['body.trigger.when.any.0.value', 'body.trigger.when.any.1.value']);
    // Unknown trigger keys and bad namespaces.
    expect(detailPaths(await bad(simple('Extra', { trigger: { event: 'task.updated', whenever: true } })))).toEqual(['body.trigger']);
    expect(detailPaths(await bad(simple('Ns', { trigger: { namespace: 'Flow OS' } })))).toEqual(['body.trigger.namespace']);
    expect(detailPaths(await bad(simple('Target', { actions: [{ type: 'notify', to: 'everyone', message: 'x' }] })))).toEqual(['body.actions.0.to']);
  });

  it('huge conditions are refused: too many, too deep, values too long, too many bytes', async () => {
    const leaf = (i: number) => ({ path: `after.f${i}`, op: 'eq', value: i });
    const many = await bad(simple('Many', { trigger: { when: { all: [{ all: Array.from({ length: 30 }, (_, i) => leaf(i)) }, { any: Array.from({ length: 30 }, (_, i) => leaf(i)) }] } } }));
    expect(many.error.details).toEqual([expect.objectContaining({ path: 'body.trigger.when', message: expect.stringContaining('more than 50') })]);
    await bad(simple('Wide', { trigger: { when: { all: Array.from({ length: 51 }, (_, i) => leaf(i)) } } }));
    let deep: unknown = leaf(0);
    for (let i = 0; i < 7; i++) deep = { not: deep };
    expect((await bad(simple('Deep', { trigger: { when: deep } }))).error.details[0]!.message).toContain('deeper than 6');
    await bad(simple('Long value', { trigger: { when: { path: 'after.name', op: 'eq', value: 'x'.repeat(1001) } } }));
    await bad(simple('Long list', { trigger: { when: { path: 'after.name', op: 'in', value: Array.from({ length: 201 }, (_, i) => `v${i}`) } } }));
    // Within every per-value limit, but 200 × 900 bytes of list is far beyond the trigger budget.
    const bytes = await bad(simple('Bytes', { trigger: { when: { path: 'after.name', op: 'in', value: Array.from({ length: 200 }, (_, i) => `${i}-${'y'.repeat(900)}`) } } }));
    expect(bytes.error.details).toEqual([expect.objectContaining({ path: 'body.trigger', message: expect.stringContaining('16384') })]);
    expect((await listRules(a.client)).filter((r) => ['Many', 'Wide', 'Deep', 'Long value', 'Long list', 'Bytes'].includes(r.name))).toEqual([]);
  });

  it('action mixes: a guard or approval stands alone; tags need add or remove; scheduled rules name their entity', async () => {
    expect(detailPaths(await bad(simple('Guard and notify', { actions: [{ type: 'guard', message: 'no' }, notify] })))).toEqual(['body.actions']);
    expect(detailPaths(await bad(simple('Two pre', { actions: [{ type: 'guard', message: 'no' }, { type: 'require_approval' }] })))).toEqual(['body.actions']);
    expect(detailPaths(await bad(simple('Empty tag', { actions: [notify, { type: 'tag' }] })))).toEqual(['body.actions.1']);
    expect(detailPaths(await bad({ name: 'Sched', trigger: { stale_for_hours: 2 }, actions: [notify] }))).toEqual(['body.trigger.entity_type']);
    expect(detailPaths(await bad({ name: 'Sched guard', trigger: { entity_type: 'task', stale_for_hours: 2 }, actions: [{ type: 'guard', message: 'x' }] }))).toEqual(['body.trigger.stale_for_hours']);
    await bad(simple('No actions', { actions: [] }));
    await bad(simple('Eleven', { actions: Array.from({ length: 11 }, () => notify) }));
    await bad({ ...simple(''), name: '   ' });
    await bad(simple('Unknown action', { actions: [{ type: 'shell', command: 'rm -rf /' }] }));
  });

  it('the rule input schema, built from the actions the modules registered, validates them', () => {
    const { ruleInput } = ruleSchemas(t.app.ruleActions);
    const base = { name: 'r', trigger: {}, actions: [{ type: 'notify', to: 'owner', message: 'hi' }] };
    expect(ruleInput.safeParse(base).success).toBe(true);
    expect(ruleInput.safeParse({ ...base, actions: [] }).success).toBe(false);
    expect(ruleInput.safeParse({ ...base, actions: [{ type: 'notify', to: 'everyone', message: 'hi' }] }).success).toBe(false);
    expect(ruleInput.safeParse({ ...base, actions: [{ type: 'notify', to: 'role:superuser', message: 'hi' }] }).success).toBe(false);
    expect(ruleInput.safeParse({ ...base, actions: [{ type: 'explode' }] }).success).toBe(false);
    expect(ruleInput.safeParse({ ...base, actions: [{ type: 'webhook', url: 'https://x.example', secret: 'short' }] }).success).toBe(false);
  });

  it('an action type no module registers is refused at its path, naming the types there are; nothing is saved', async () => {
    const env = await bad(simple('Shell', { actions: [notify, { type: 'shell', command: 'rm -rf /' }] }));
    expect(env.error.details).toEqual([expect.objectContaining({ path: 'body.actions.1.type', message: expect.stringMatching(/'notify'.*'tag'|'tag'.*'notify'/) })]);
    const patch = await a.client.raw('PATCH', `/v1/rules/${(await createRule(a.client, simple('Patched into shell'))).rule.id}`, { body: { actions: [{ type: 'shell' }] } });
    expect(detailPaths(await expectError(patch, 400, 'VALIDATION_FAILED'))).toEqual(['body.actions.0.type']);
    expect((await listRules(a.client)).filter((r) => r.name === 'Shell')).toEqual([]);
  });

  it('webhooks to cloud metadata are refused at save time: metadata.goog (regression: it was accepted) and 169.254.169.254, on create and on patch', async () => {
    const c = await t.tenant('Metadata');
    const hook = (url: string) => ({ type: 'webhook', url });
    for (const url of ['http://metadata.goog/', 'http://169.254.169.254/', 'http://METADATA.GOOG./computeMetadata/v1/']) {
      const env = await bad(simple('Metadata hook', { actions: [notify, hook(url)] }), 'UNSAFE_URL');
      expect(env.error.details[0], url).toMatchObject({ path: 'body.actions.1.url', message: expect.stringMatching(/metadata|link-local/) });
    }
    const { rule } = await createRule(c.client, simple('Fine'));
    for (const url of ['http://metadata.goog/', 'http://169.254.169.254/latest/meta-data/']) {
      await expectError(await c.client.raw('PATCH', `/v1/rules/${rule.id}`, { body: { actions: [hook(url)] } }), 400, 'UNSAFE_URL');
    }
    expect((await getRule(c.client, rule.id)).actions).toEqual([notify]);
    expect((await listRules(a.client)).filter((r) => r.name === 'Metadata hook')).toEqual([]);
  });

  it('unknown namespace or event is allowed, with a warning that nothing has matched yet', async () => {
    const fresh = await t.tenant('Warnings');
    const unknown = await createRule(fresh.client, { name: 'Sales', trigger: { namespace: 'sales', event: 'deal.won' }, actions: [notify] });
    expect(unknown.rule.enabled).toBe(true);
    expect(unknown.warnings).toHaveLength(1);
    expect(unknown.warnings[0]).toContain('namespace "sales"');
    expect(unknown.warnings[0]).toContain('event "deal.won"');
    // The flat form of the seeds is accepted too, and warned about the same way.
    const flat = await createRule(fresh.client, { name: 'Qualified', trigger: { namespace: 'sales', event: 'status=qualified' }, actions: [notify] });
    expect(flat.rule.trigger).toEqual({ namespace: 'sales', event: 'status=qualified' });
    expect(flat.warnings[0]).toContain('namespace "sales"');
    // Once something with that namespace and event exists, no warning.
    const w = await workApi(fresh.client).create({ name: 'Seen' });
    await workApi(fresh.client).addTask(w.id, { name: 'x' });
    const known = await createRule(fresh.client, { name: 'Known', trigger: { namespace: 'flow_os', event: 'task.created' }, actions: [notify] });
    expect(known.warnings).toEqual([]);
    const typo = await createRule(fresh.client, { name: 'Typo', trigger: { namespace: 'flow_os', event: 'task.craeted' }, actions: [notify] });
    expect(typo.warnings).toHaveLength(1);
    // A patch of the trigger warns too.
    const patched = (await expectOk<Created>(await fresh.client.raw('PATCH', `/v1/rules/${known.rule.id}`, { body: { trigger: { namespace: 'hr', event: 'hire.made' } } }))).data;
    expect(patched.warnings).toHaveLength(1);
  });

  it('viewers and members cannot manage rules (admin scope); they can read them; admins can manage', async () => {
    const c = await t.tenant('Roles');
    const viewer = await addMember(t, c, 'Val Viewer', 'viewer');
    const member = await addMember(t, c, 'Mo Member', 'member');
    const admin = await addMember(t, c, 'Ada Admin', 'admin');
    const { rule } = await createRule(c.client, simple('Owner made'));
    for (const who of [viewer, member]) {
      await expectError(await post(who.client, '/v1/rules', simple('Mine')), 403, 'FORBIDDEN');
      await expectError(await who.client.raw('PATCH', `/v1/rules/${rule.id}`, { body: { name: 'x' } }), 403, 'FORBIDDEN');
      await expectError(await post(who.client, `/v1/rules/${rule.id}/disable`), 403, 'FORBIDDEN');
      await expectError(await who.client.raw('DELETE', `/v1/rules/${rule.id}`), 403, 'FORBIDDEN');
      await expectError(await post(who.client, '/v1/rule-packs/tag-failed-tasks/enable'), 403, 'FORBIDDEN');
      expect((await listRules(who.client)).map((x) => x.id)).toEqual([rule.id]);
      expect((await getRule(who.client, rule.id)).name).toBe('Owner made');
    }
    expect(await listRules(c.client)).toHaveLength(1);
    const byAdmin = await createRule(admin.client, simple('Admin made'));
    expect(byAdmin.rule.created_by).toBe(admin.userId);
    await expectOk(await post(admin.client, `/v1/rules/${rule.id}/disable`));
    await expectError(await t.client().raw('GET', '/v1/rules'), 401, 'UNAUTHENTICATED');
  });
});

describe('rule packs', () => {
  it('lists the packs; enabling creates one rule (pack_id), twice keeps one; disable and re-enable reuse it', async () => {
    const c = await t.tenant('Packs');
    const packs = (await expectOk<Pack[]>(await c.client.raw('GET', '/v1/rule-packs'))).data;
    expect(packs.map((p) => p.id)).toEqual(expect.arrayContaining(['notify-owner-when-blocked', 'escalate-urgent-blockers', 'predict-completion-on-start', 'approve-workflow-archive']));
    expect(packs.every((p) => !p.enabled && p.rule_id === null)).toBe(true);

    const first = (await expectOk<Rule>(await post(c.client, '/v1/rule-packs/notify-owner-when-blocked/enable'), 201)).data;
    expect(first).toMatchObject({ pack_id: 'notify-owner-when-blocked', enabled: true, kind: 'reactive', name: 'Notify owner when a task is blocked' });
    const again = (await expectOk<Rule>(await post(c.client, '/v1/rule-packs/notify-owner-when-blocked/enable'), 201)).data;
    expect(again.id).toBe(first.id);
    expect((await listRules(c.client)).filter((r) => r.pack_id === 'notify-owner-when-blocked')).toHaveLength(1);
    let listed = (await expectOk<Pack[]>(await c.client.raw('GET', '/v1/rule-packs'))).data.find((p) => p.id === 'notify-owner-when-blocked')!;
    expect(listed).toMatchObject({ enabled: true, rule_id: first.id });

    expect((await expectOk<{ enabled: boolean }>(await post(c.client, '/v1/rule-packs/notify-owner-when-blocked/disable'))).data).toEqual({ enabled: false });
    expect((await getRule(c.client, first.id)).enabled).toBe(false);
    listed = (await expectOk<Pack[]>(await c.client.raw('GET', '/v1/rule-packs'))).data.find((p) => p.id === 'notify-owner-when-blocked')!;
    expect(listed).toMatchObject({ enabled: false, rule_id: first.id });
    // Disabling twice is harmless; re-enabling reuses the rule.
    await expectOk(await post(c.client, '/v1/rule-packs/notify-owner-when-blocked/disable'));
    expect((await expectOk<Rule>(await post(c.client, '/v1/rule-packs/notify-owner-when-blocked/enable'), 201)).data.id).toBe(first.id);
    const created = await diffsOf(c.client, `entity_id=${first.id}&event=rule.created`);
    expect(created[0]!.metadata).toMatchObject({ pack_id: 'notify-owner-when-blocked' });

    // The pack's rule works like any other: block a task, the owner hears.
    const api = workApi(c.client);
    const task = await api.addTask((await api.create({ name: 'Packed', owner_id: c.userId })).id, { name: 'Fix printer' });
    await api.patchTask(task.id, { status: 'blocked', why: 'no toner' });
    const note = await waitFor('the pack notification', async () => (await notifications(c.client)).find((n) => n.entity?.id === task.id));
    expect(note).toMatchObject({ title: 'Blocked: Fix printer', body: 'Fix printer is blocked: no toner' });

    await expectError(await post(c.client, '/v1/rule-packs/no-such-pack/enable'), 404, 'NOT_FOUND');
    await expectError(await post(c.client, '/v1/rule-packs/no-such-pack/disable'), 404, 'NOT_FOUND');
    // Another tenant's packs are its own.
    expect((await expectOk<Pack[]>(await b.client.raw('GET', '/v1/rule-packs'))).data.every((p) => !p.enabled)).toBe(true);
  });
});

/** Row counts of every table in public, and pgboss jobs by queue. Left out, being the clock's and
 *  not ours: cron-scheduled queues, pg-boss's own, and the per-minute rate-limit windows (server
 *  Postgres keeps them in a table; a new minute adds a row on the next request). */
async function census(): Promise<Record<string, number>> {
  const tables = await ownerQuery<{ name: string }>(t, `select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' and table_name <> 'rate_limit_windows' order by 1`);
  expect(tables.length).toBeGreaterThan(20);
  const out: Record<string, number> = {};
  for (const { name } of tables) out[name] = (await ownerQuery<{ n: number }>(t, `select count(*)::int as n from public."${name}"`))[0]!.n;
  for (const row of await ownerQuery<{ name: string; n: number }>(t, `select name, count(*)::int as n from pgboss.job
    where name not in (select name from pgboss.schedule) and name not like '\\_\\_pgboss\\_\\_%' group by name`)) out[`pgboss.job:${row.name}`] = row.n;
  const [max] = await ownerQuery<{ id: string | null }>(t, 'select max(id)::text as id from diffs');
  out['diffs.max_id'] = Number(max!.id ?? 0);
  return out;
}

describe('simulate (what-if)', () => {
  it('replays a saved rule and a draft over a window, reports matches and rendered effects, and writes nothing', async () => {
    const c = await t.tenant('Simulators');
    const api = workApi(c.client);
    const w = await api.create({ name: 'History', owner_id: c.userId });
    const t1 = await api.addTask(w.id, { name: 'Print', tags: ['ops'] });
    const t2 = await api.addTask(w.id, { name: 'Ship' });
    const t3 = await api.addTask(w.id, { name: 'Bill' });
    const start = new Date(Date.now() - 1000).toISOString();
    await api.patchTask(t1.id, { status: 'blocked', why: 'printer jam' });
    // Part of the setup, not a wait for something: `mid` must fall strictly between the two
    // changes' (millisecond) timestamps, so the window boundary is unambiguous.
    await new Promise((r) => setTimeout(r, 30));
    const mid = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 30));
    await api.patchTask(t2.id, { status: 'blocked', why: 'no courier' });
    await api.patchTask(t3.id, { status: 'in_progress' });
    const { rule } = await createRule(c.client, {
      name: 'Blocked → owner', trigger: { namespace: 'flow_os', entity_type: 'task', event: 'task.updated', when: { path: 'after.status', op: 'changed_to', value: 'blocked' } },
      actions: [{ type: 'notify', to: 'owner', title: 'Blocked: {{after.name}}', message: '{{after.name}}: {{why}}' }],
      enabled: false,
    });
    await t.app.rules.drain();
    const until = new Date(Date.now() + 1000).toISOString();
    const before = await census();

    const saved = (await expectOk<Simulation>(await post(c.client, `/v1/rules/${rule.id}/simulate`, { since: start, until }))).data;
    expect(saved.window).toEqual({ since: start, until });
    expect(saved.scanned).toBe(3); // the three task.updated diffs in the window
    expect(saved.scan_truncated).toBe(false);
    expect(saved.matched).toBe(2);
    expect(saved.matches.map((m) => m.diff.entity_id)).toEqual([t1.id, t2.id]);
    expect(saved.matches[0]!.would).toEqual([{ type: 'notify', to: [`user:${c.userId}`], title: 'Blocked: Print', message: 'Print: printer jam' }]);
    expect(saved.matches[1]!.would[0]).toMatchObject({ message: 'Ship: no courier' });

    // A narrower window sees only the second block; limit caps the list, not the count.
    const narrow = (await expectOk<Simulation>(await post(c.client, `/v1/rules/${rule.id}/simulate`, { since: mid, until }))).data;
    expect(narrow.matches.map((m) => m.diff.entity_id)).toEqual([t2.id]);
    const capped = (await expectOk<Simulation>(await post(c.client, `/v1/rules/${rule.id}/simulate`, { since: start, until, limit: 1 }))).data;
    expect(capped).toMatchObject({ matched: 2 });
    expect(capped.matches).toHaveLength(1);
    // Default window: the last week up to now.
    expect((await expectOk<Simulation>(await post(c.client, `/v1/rules/${rule.id}/simulate`))).data.matched).toBe(2);

    const draft = (await expectOk<Simulation>(await post(c.client, '/v1/rules/simulate', {
      since: start, until,
      rule: {
        name: 'Draft', trigger: { namespace: 'flow_os', event: 'task.updated', when: { path: 'entity.tags', op: 'contains', value: 'ops' } },
        actions: [
          { type: 'tag', add: ['seen-{{after.status}}'], remove: ['ops'] },
          { type: 'create_task', name: 'Unblock {{after.name}}' },
          { type: 'webhook', url: 'https://hooks.example.com/in' },
          { type: 'start_workflow', template_id: 'tpl_incident_response', name: 'Incident: {{after.name}}' },
          { type: 'predict', model: 'task_slip' },
        ],
      },
    }))).data;
    expect(draft.matched).toBe(1);
    expect(draft.matches[0]!.diff.entity_id).toBe(t1.id);
    expect(draft.matches[0]!.would).toEqual([
      { type: 'tag', add: ['seen-blocked'], remove: ['ops'] },
      { type: 'create_task', workflow: w.id, name: 'Unblock Print' },
      { type: 'webhook', url: 'https://hooks.example.com/in', event_type: 'atrium.task.updated' },
      { type: 'start_workflow', template_id: 'tpl_incident_response', name: 'Incident: Print' },
      { type: 'predict', model: 'task_slip', prediction: { slip_probability: null, reason: 'the task has no assignee' }, evidence: {} },
    ]);
    const guardDraft = (await expectOk<Simulation>(await post(c.client, '/v1/rules/simulate', {
      since: start, until, rule: { name: 'G', trigger: { event: 'status=in_progress' }, actions: [{ type: 'guard', message: 'not now, {{after.name}}' }] },
    }))).data;
    expect(guardDraft.matches.map((m) => m.diff.entity_id)).toEqual([t3.id]);
    expect(guardDraft.matches[0]!.would).toEqual([{ type: 'guard', would_block: 'not now, Bill' }]);

    // Bad drafts and windows are refused like rules.
    await expectError(await post(c.client, '/v1/rules/simulate', { rule: simple('Bad', { trigger: { when: { path: 'after.a', op: 'in', value: 1 } } }) }), 400, 'VALIDATION_FAILED');
    await expectError(await post(c.client, '/v1/rules/simulate', { rule: simple('SSRF', { actions: [{ type: 'webhook', url: 'http://169.254.169.254/' }] }) }), 400, 'UNSAFE_URL');
    const backwards = await expectError(await post(c.client, `/v1/rules/${rule.id}/simulate`, { since: until, until: start }), 400, 'VALIDATION_FAILED');
    expect(detailPaths(backwards)).toEqual(['body.since']);
    await expectError(await post(c.client, `/v1/rules/${rule.id}/simulate`, { since: '2020-01-01T00:00:00Z', until }), 400, 'VALIDATION_FAILED');
    await expectError(await post(b.client, `/v1/rules/${rule.id}/simulate`), 404, 'NOT_FOUND');
    // The other tenant's simulation of the same draft sees none of this tenant's diffs.
    expect((await expectOk<Simulation>(await post(b.client, '/v1/rules/simulate', { rule: { name: 'x', trigger: { event: 'task.updated' }, actions: [notify] } }))).data.matched).toBe(0);

    await t.app.rules.drain();
    expect(await census()).toEqual(before);
    expect(await runs(c.client, `rule_id=${rule.id}`)).toEqual([]);
    expect(await notifications(c.client)).toEqual([]);
  });
});

describe('rule runs', () => {
  it('filters by rule, entity, entity type and status, and pages with next_before', async () => {
    const c = await t.tenant('Run filters');
    const api = workApi(c.client);
    const w = await api.create({ name: 'W' });
    const x = await api.addTask(w.id, { name: 'X' });
    const y = await api.addTask(w.id, { name: 'Y' });
    const named = { event: 'task.updated', when: { path: 'after.name', op: 'changed' } };
    const ok = (await createRule(c.client, { name: 'Ok', trigger: named, actions: [notify] })).rule;
    const two = (await createRule(c.client, { name: 'Two actions', trigger: named, actions: [notify, { type: 'notify', to: 'actor', message: 'you renamed {{after.name}}' }] })).rule;
    // Workflows carry no tags: this rule's runs fail.
    const wfRule = (await createRule(c.client, { name: 'Tag workflow', trigger: { event: 'workflow.updated' }, actions: [{ type: 'tag', add: ['nope'] }] })).rule;
    await api.patchTask(x.id, { name: 'X1' });
    await api.patchTask(y.id, { name: 'Y1' });
    await api.update(w.id, { name: 'W1' });
    const all = await waitFor('runs settled', async () => {
      const r = await runs(c.client, 'limit=500');
      return r.length >= 7 && r.every((z) => z.status !== 'queued') ? r : undefined;
    });
    await t.app.rules.drain();
    expect(all).toHaveLength(7);
    const okRuns = await runs(c.client, `rule_id=${ok.id}`);
    expect(okRuns.map((r) => r.entity_id).sort()).toEqual([x.id, y.id].sort());
    expect(okRuns.every((r) => r.rule_id === ok.id && r.status === 'succeeded')).toBe(true);
    expect(await runs(c.client, `rule_id=${two.id}`)).toHaveLength(4);
    const onX = await runs(c.client, `entity_id=${x.id}`);
    expect(onX).toHaveLength(3);
    expect(onX.every((r) => r.entity_id === x.id)).toBe(true);
    expect(onX.map((r) => r.rule_id).sort()).toEqual([ok.id, two.id, two.id].sort());
    const onXTwo = await runs(c.client, `entity_id=${x.id}&rule_id=${two.id}`);
    expect(onXTwo.map((r) => r.action_type)).toEqual(['notify', 'notify']);
    const failed = await runs(c.client, 'status=failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ rule_id: wfRule.id, entity_type: 'workflow', entity_id: w.id, error: expect.stringContaining('tags') });
    expect((await runs(c.client, 'status=succeeded')).length).toBe(6);
    const wfRuns = await runs(c.client, 'entity_type=workflow');
    expect(wfRuns.map((r) => r.id)).toEqual([failed[0]!.id]);
    expect(await runs(c.client, 'status=loop_cut')).toEqual([]);
    const byDiff = await runs(c.client, `diff_id=${okRuns[0]!.diff_id}`);
    expect(byDiff.every((r) => r.diff_id === okRuns[0]!.diff_id)).toBe(true);
    // Paging.
    const page1 = await expectOk<Run[]>(await c.client.raw('GET', '/v1/rule-runs?limit=2'));
    expect(page1.data).toHaveLength(2);
    const next = page1.meta.next_before as string;
    const page2 = (await expectOk<Run[]>(await c.client.raw('GET', `/v1/rule-runs?limit=500&before=${next}`))).data;
    expect([...page1.data, ...page2].map((r) => r.id)).toEqual(all.map((r) => r.id));
    await expectError(await c.client.raw('GET', '/v1/rule-runs?before=run_nope'), 400, 'BAD_CURSOR');
    await expectError(await c.client.raw('GET', '/v1/rule-runs?status=exploded'), 400, 'VALIDATION_FAILED');
    // Stats on the rule reflect its runs.
    const stats = (await getRule(c.client, wfRule.id)).stats;
    expect(stats.runs_7d).toBeGreaterThanOrEqual(1);
    expect(stats.failed_7d).toBe(stats.runs_7d);
    expect(stats.last_run_at).not.toBeNull();
    // Other tenants see none of these runs.
    expect(await runs(b.client, `rule_id=${ok.id}`)).toEqual([]);
    await expectError(await b.client.raw('GET', `/v1/rule-runs/${all[0]!.id}`), 404, 'NOT_FOUND');
  });
});

/**
 * Until nothing more is on the way: every committed diff evaluated and every action job done.
 * A finished job may have recorded diffs (for more rules to match), so again until a round
 * adds no diff.
 */
async function rulesQuiet(): Promise<void> {
  for (;;) {
    const maxId = async () => Number((await ownerQuery<{ id: string | null }>(t, 'select max(id)::text as id from diffs'))[0]!.id ?? 0);
    const before = await maxId();
    await t.app.rules.drain();
    await waitFor('every rule action job finished', async () =>
      (await ownerQuery<{ n: number }>(t, `select count(*)::int as n from pgboss.job where name = 'rules.act' and state in ('created', 'retry', 'active')`))[0]!.n === 0 ? true : undefined);
    if ((await maxId()) === before) return;
  }
}

describe('loop cut', () => {
  it('a rule reacting to its own effect stops at the configured chain depth with a loop_cut run and a rule.loop_cut diff', async () => {
    const c = await t.tenant('Loopers');
    const api = workApi(c.client);
    const w = await api.create({ name: 'Loop' });
    const task = await api.addTask(w.id, { name: 'Spin' });
    // Every tag change is itself a task.updated with a new version, so a new tag each time.
    const { rule } = await createRule(c.client, { name: 'Feedback', trigger: { namespace: 'flow_os', entity_type: 'task', event: 'task.updated' }, actions: [{ type: 'tag', add: ['v{{after.version}}'] }] });
    await api.patchTask(task.id, { name: 'Spin!' });
    const cut = await waitFor('the loop cut', async () => (await runs(c.client, `rule_id=${rule.id}&status=loop_cut`))[0]);
    await rulesQuiet();
    const all = await runs(c.client, `rule_id=${rule.id}`);
    expect(all.map((r) => r.status).sort()).toEqual([...Array(MAX_DEPTH).fill('succeeded'), 'loop_cut'].sort());
    expect(cut.error).toContain(`deeper than ${MAX_DEPTH}`);
    // Each effect tags the version of the diff that triggered it (the user's change made v2),
    // and the third effect's diff is where the chain is cut.
    expect((await api.task(task.id)).tags).toEqual(['v2', 'v3', 'v4']);

    const [warning] = await diffsOf(c.client, `entity_id=${rule.id}&event=rule.loop_cut`);
    expect(warning).toBeDefined();
    expect(warning!.causation_id).toBe(cut.diff_id);
    expect(warning!.after).toMatchObject({ rule_id: rule.id, chain_depth: MAX_DEPTH, limit: MAX_DEPTH });
    expect(warning!.actor.type).toBe('system');
    // The chain is in the audit log: each tag diff caused by the one before.
    const updates = (await diffsOf(c.client, `entity_id=${task.id}&event=task.updated`)).reverse();
    expect(updates).toHaveLength(MAX_DEPTH + 1);
    expect(updates[0]!.actor.type).toBe('user');
    for (let i = 1; i < updates.length; i++) {
      expect(updates[i]!.causation_id).toBe(updates[i - 1]!.id);
      expect(updates[i]!.metadata.chain_depth).toBe(i);
    }
    expect(cut.diff_id).toBe(updates.at(-1)!.id);
  });
});

describe('scheduled rules', () => {
  it('escalates an urgent task blocked for over 24 h once per quiet spell', async () => {
    const c = await t.tenant('Escalators');
    const admin = await addMember(t, c, 'Esme Admin', 'admin');
    const lead = await addMember(t, c, 'Lee Lead', 'member');
    const bystander = await addMember(t, c, 'Bo Member', 'member');
    const pack = (await expectOk<Rule>(await post(c.client, '/v1/rule-packs/escalate-urgent-blockers/enable'), 201)).data;
    expect(pack.kind).toBe('scheduled');
    const api = workApi(c.client);
    const w = await api.create({ name: 'Ops', owner_id: lead.userId });
    const urgent = await api.addTask(w.id, { name: 'Server down', priority: 'urgent' });
    const normal = await api.addTask(w.id, { name: 'Desk move', priority: 'normal' });
    const fine = await api.addTask(w.id, { name: 'Urgent but moving', priority: 'urgent' });
    await api.patchTask(urgent.id, { status: 'blocked', why: 'vendor unreachable' });
    await api.patchTask(normal.id, { status: 'blocked', why: 'no room' });
    await api.patchTask(fine.id, { status: 'in_progress' });

    // Not yet 24 h: nothing.
    expect(await t.app.rules.sweepNow(new Date(Date.now() + 23 * 3600_000))).toBe(0);
    const queued = await t.app.rules.sweepNow(new Date(Date.now() + 25 * 3600_000));
    expect(queued).toBe(1);
    const [run] = await waitFor('the escalation', async () => { const r = await runs(c.client, `rule_id=${pack.id}`); return r[0]?.status === 'succeeded' ? r : undefined; });
    expect(run!.entity_id).toBe(urgent.id);
    const escalations = async (cl: AtriumClient) => (await notifications(cl)).filter((n) => n.title.startsWith('Escalation'));
    for (const who of [c.client, admin.client, lead.client]) {
      expect(await escalations(who)).toEqual([expect.objectContaining({ title: 'Escalation: Server down', body: 'Urgent task "Server down" has been blocked for more than 24 hours.', entity: { type: 'task', id: urgent.id } })]);
    }
    expect(await escalations(bystander.client)).toEqual([]);

    // A second sweep (even later) does not escalate the same quiet spell again.
    expect(await t.app.rules.sweepNow(new Date(Date.now() + 26 * 3600_000))).toBe(0);
    await t.app.rules.drain();
    expect(await runs(c.client, `rule_id=${pack.id}`)).toHaveLength(1);
    expect(await escalations(c.client)).toHaveLength(1);

    // Touched again and still blocked: a new quiet spell, a new escalation a day later.
    await api.patchTask(urgent.id, { description: 'called twice' });
    expect(await t.app.rules.sweepNow(new Date(Date.now() + 2 * 3600_000))).toBe(0);
    expect(await t.app.rules.sweepNow(new Date(Date.now() + 25 * 3600_000))).toBe(1);
    await waitFor('the second escalation', async () => ((await escalations(admin.client)).length === 2 ? true : undefined));
    // Disabled: no more sweeping.
    await expectOk(await post(c.client, '/v1/rule-packs/escalate-urgent-blockers/disable'));
    await api.patchTask(urgent.id, { description: 'and again' });
    expect(await t.app.rules.sweepNow(new Date(Date.now() + 48 * 3600_000))).toBe(0);
  });
});
