// IDOR test generated from the OpenAPI document: every operation on a path with a path
// parameter is called with tenant B's owner credentials (full scopes) on a real resource
// of tenant A, with a valid body, and must answer 404 NOT_FOUND — never 403 or 2xx, never
// A's data — and leave A's resource as it was. The same request as A must then succeed,
// which proves the call reached the tenant check (right route, valid params and body).
// A new endpoint with an id parameter fails here until it gets a fixture, so it cannot be
// forgotten.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { AtriumClient } from '../../../../sdk/src/index.js';
import { startTestApp, type TestTenant } from '../../testing/harness.js';
import { waitFor } from '../../testing/http.js';

type Operation = { parameters?: { name: string; in: string; required?: boolean }[]; requestBody?: unknown };
type OpenApi = { paths: Record<string, Record<string, Operation>> };
type Case = { method: string; path: string; op: Operation };

/** A resource of the owner's tenant: its path parameters, how to re-read it as the owner, and strings only it contains. */
type Resource = { params: Record<string, string>; read: () => Promise<unknown>; marks: string[] };
type Fixture = (owner: TestTenant) => Promise<Resource>;

/** Operations with a path parameter today; the generator must find at least these. */
const KNOWN = [
  'GET /v1/diffs/{id}', 'GET /v1/diffs/{id}/annotations', 'POST /v1/diffs/{id}/annotations',
  'GET /v1/entities/{type}/{id}/history', 'GET /v1/entities/{type}/{id}/state',
  'PATCH /v1/members/{id}', 'DELETE /v1/members/{id}', 'DELETE /v1/invitations/{id}', 'DELETE /v1/api-keys/{id}',
  'GET /v1/workflows/{id}', 'PATCH /v1/workflows/{id}', 'DELETE /v1/workflows/{id}', 'POST /v1/workflows/{id}/restore',
  'POST /v1/workflows/{id}/clone', 'GET /v1/workflows/{id}/versions', 'POST /v1/workflows/{id}/save-as-template',
  'GET /v1/workflows/{id}/tasks', 'POST /v1/workflows/{id}/tasks', 'GET /v1/templates/{id}',
  'GET /v1/tasks/{id}', 'PATCH /v1/tasks/{id}', 'DELETE /v1/tasks/{id}', 'POST /v1/tasks/{id}/annotations',
  'GET /v1/rules/{id}', 'PATCH /v1/rules/{id}', 'DELETE /v1/rules/{id}', 'POST /v1/rules/{id}/simulate', 'GET /v1/rule-runs/{id}',
  'GET /v1/approvals/{id}', 'POST /v1/approvals/{id}/approve', 'POST /v1/approvals/{id}/reject', 'POST /v1/notifications/{id}/read',
];

/**
 * Paths whose id names something global, not a tenant's resource: a rule pack is code, and
 * enabling one creates a rule in the caller's own tenant (covered by the rules tests); a
 * platform operator's route crosses tenants by design and refuses everyone else with 403
 * before any id is read (hardening.test.ts).
 */
const GLOBAL = new Set(['/v1/rule-packs/{id}', '/v1/platform/tenants/{id}']);

type Request = {
  body?: unknown; query?: Record<string, string>; prepare?: (owner: TestTenant, params: Record<string, string>) => Promise<unknown>;
  /** For a request the SDK client does not send (a multipart upload). */
  send?: (who: TestTenant, url: string) => Promise<Response>;
};
const WHY = 'done by another tenant';
/**
 * Valid request bodies (and query strings) per operation, so validation never answers first;
 * `prepare` puts A's resource in the state the owner's own request needs to succeed.
 */
const REQUESTS: Record<string, Request> = {
  'POST /v1/diffs/{id}/annotations': { body: { why: WHY, sentiment: -1 } },
  'PATCH /v1/members/{id}': { body: { role: 'viewer', why: WHY } },
  'PATCH /v1/workflows/{id}': { body: { name: 'renamed', why: WHY } },
  'DELETE /v1/workflows/{id}': { body: { why: WHY } },
  'POST /v1/workflows/{id}/restore': {
    body: { why: WHY },
    prepare: (owner, { id }) => data(owner.client, 'DELETE', `/v1/workflows/${id}`, { why: 'archived by its owner' }),
  },
  'POST /v1/workflows/{id}/clone': { body: { name: 'cloned', why: WHY } },
  'POST /v1/workflows/{id}/save-as-template': { body: { name: 'copied template', why: WHY } },
  'POST /v1/workflows/{id}/tasks': { body: { name: 'planted task', why: WHY } },
  'PATCH /v1/tasks/{id}': { body: { status: 'in_progress', why: WHY } },
  'DELETE /v1/tasks/{id}': { query: { why: WHY } },
  'POST /v1/tasks/{id}/annotations': { body: { why: WHY, sentiment: -1 } },
  'POST /v1/ai/prompts/{id}/versions': { body: { template: 'planted {{x}}', why: WHY } },
  'POST /v1/ai/prompts/{id}/pin': { body: { version: 1, why: WHY } },
  'POST /v1/ai/prompts/{id}/render': { body: { variables: {} } },
  'PATCH /v1/rules/{id}': { body: { name: 'renamed rule', why: WHY } },
  'DELETE /v1/rules/{id}': { body: { why: WHY } },
  'POST /v1/rules/{id}/enable': { body: { why: WHY } },
  'POST /v1/rules/{id}/disable': { body: { why: WHY } },
  'POST /v1/rules/{id}/simulate': { body: { limit: 5 } },
  'POST /v1/approvals/{id}/approve': { body: { why: WHY } },
  'POST /v1/approvals/{id}/reject': { body: { reason: WHY } },
  'PATCH /v1/flows/{id}': { body: { name: 'renamed flow', why: WHY } },
  'POST /v1/flows/{id}/runs': { body: { input: {} } },
  'POST /v1/flows/{id}/versions': { body: { name: 'next', version: '9.0.0', steps: [{ id: 's', type: 'transform', value: 1 }] } },
  'POST /v1/runs/{id}/cancel': { body: { why: WHY } },
  // Replays and forks start from a finished run: the owner ends it first.
  'POST /v1/runs/{id}/replay': { body: {}, prepare: (owner, { id }) => data(owner.client, 'POST', `/v1/runs/${id}/cancel`, { why: 'ended by its owner' }) },
  'POST /v1/runs/{id}/fork': { body: { step: 'w' }, prepare: (owner, { id }) => data(owner.client, 'POST', `/v1/runs/${id}/cancel`, { why: 'ended by its owner' }) },
  'POST /v1/runs/{id}/steps/{step}/decision': { body: { decision: 'approve', why: WHY } },
  'PATCH /v1/agents/{id}': { body: { name: 'renamed agent', why: WHY } },
  'POST /v1/agents/{id}/archive': { body: { why: WHY } },
  'POST /v1/agents/{id}/wake': { body: {} },
  'POST /v1/agents/{id}/memory': { body: { key: 'planted', value: 'a planted fact' } },
  'POST /v1/agents/{id}/messages': { body: { body: 'a planted message' } },
  'PATCH /v1/agent-memories/{id}': { body: { value: 'rewritten', why: WHY } },
  'POST /v1/proposals/{id}/decide': { body: { decision: 'reject', why: WHY } },
  'PATCH /v1/knowledge/notebooks/{id}': { body: { name: 'renamed notebook' } },
  'POST /v1/knowledge/notebooks/{id}/archive': { body: { why: WHY } },
  'POST /v1/knowledge/notebooks/{id}/sources': { send: (who, url) => uploadText(who, url, 'planted.txt', 'A planted document with a sentence or two in it.') },
  'POST /v1/knowledge/notebooks/{id}/sources/url': { body: { url: 'https://example.com/planted' } },
  'POST /v1/knowledge/notebooks/{id}/ask': { body: { question: 'What does the planted note say?' } },
  'POST /v1/knowledge/notebooks/{id}/outputs': { body: { kind: 'source_map' } },
  'POST /v1/knowledge/sources/{id}/remove': { body: { why: WHY } },
  'POST /v1/knowledge/sources/{id}/retry': { body: {} },
};

function uploadText(who: TestTenant, url: string, name: string, text: string): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([text], { type: 'text/plain' }), name);
  return fetch(`${t.baseUrl}${url}`, { method: 'POST', headers: { authorization: `Bearer ${who.token}` }, body: form });
}

/** A notebook of the owner's with one source, once its job has settled (parsed or failed). */
async function notebookWith(owner: TestTenant, marker: string, file: { name: string; text: string }): Promise<{ notebookId: string; sourceId: string }> {
  const nb = await data<{ id: string }>(owner.client, 'POST', '/v1/knowledge/notebooks', { name: marker });
  const res = await uploadText(owner, `/v1/knowledge/notebooks/${nb.id}/sources`, file.name, file.text);
  const sourceId = ((await res.json()) as { data: { sources: { id: string }[] } }).data.sources[0]!.id;
  // Settled: parsed with its passages embedded (the embedding job changes what the notebook shows), or failed.
  await waitFor('the source settled', async () => {
    const s = (await data<{ source_list: { id: string; status: string; semantic: string | null }[] }>(owner.client, 'GET', `/v1/knowledge/notebooks/${nb.id}`)).source_list.find((x) => x.id === sourceId);
    return s && (s.status === 'failed' || (s.status === 'parsed' && s.semantic === 'ready')) ? true : undefined;
  }, 30_000);
  return { notebookId: nb.id, sourceId };
}

const mark = (what: string) => `${what}-${randomBytes(5).toString('hex')}`;

async function data<T>(client: AtriumClient, method: string, path: string, body?: unknown): Promise<T> {
  return (await client.request<T>(method, path, { body })).data;
}

async function newDiff(owner: TestTenant): Promise<{ id: string; entityId: string; marker: string }> {
  const marker = mark('secret');
  const entityId = mark('lead');
  const diff = await owner.client.diffs.record({ namespace: 'crm_import', entity_type: 'lead', entity_id: entityId, event: 'lead.created', after: { marker }, why: `why ${marker}` });
  return { id: diff.id, entityId, marker };
}

// The document is read before the tests are declared, so each operation is its own test.
const t = await startTestApp();
afterAll(() => t.stop());

const listEntry = async <T extends Record<string, unknown>>(owner: TestTenant, path: string, key: keyof T, id: string) =>
  (await data<T[]>(owner.client, 'GET', path)).find((x) => x[key] === id) ?? null;

/** Resource kinds, by the path up to its last parameter: sub-routes of a known kind are covered automatically. */
async function newWorkflow(owner: TestTenant, marker: string): Promise<string> {
  return (await data<{ id: string }>(owner.client, 'POST', '/v1/workflows', { name: marker, department: 'ops' })).id;
}

/** The workflow with its tasks, and its whole history (diffs with their whys). */
const workflowState = async (owner: TestTenant, id: string) => ({
  workflow: await data<unknown>(owner.client, 'GET', `/v1/workflows/${id}`),
  versions: await data<unknown>(owner.client, 'GET', `/v1/workflows/${id}/versions`),
});

/** A change held by a require_approval rule on a custom event (which also notifies the owner). */
async function heldChange(owner: TestTenant): Promise<{ approvalId: string; marker: string }> {
  const marker = mark('held');
  const ns = `hold_${randomBytes(3).toString('hex')}`;
  await data(owner.client, 'POST', '/v1/rules', { name: `Hold ${marker}`, trigger: { namespace: ns }, actions: [{ type: 'require_approval' }] });
  const res = await owner.client.raw('POST', '/v1/diffs', { body: { namespace: ns, entity_type: 'deal', entity_id: marker, event: 'deal.closed', after: { marker } } });
  const env = (await res.json()) as { data: { id: string } };
  if (res.status !== 202) throw new Error(`expected the change to be held: ${res.status}`);
  return { approvalId: env.data.id, marker };
}

/** A flow (orchestration) named after a fresh marker. */
async function newFlow(owner: TestTenant, steps: unknown[] = [{ id: 'w', type: 'transform', value: 1 }]): Promise<{ key: string; marker: string }> {
  const marker = mark('flow');
  const key = marker.toLowerCase();
  await data(owner.client, 'POST', '/v1/flows', { key, name: marker, input: { type: 'object', properties: { secret: { type: 'string' } } }, steps });
  return { key, marker };
}

/** A run waiting at its first step (an event or a decision), its input holding a marker. */
async function waitingRun(owner: TestTenant, step: unknown): Promise<{ id: string; marker: string }> {
  const { key, marker } = await newFlow(owner, [step]);
  const run = await data<{ id: string }>(owner.client, 'POST', `/v1/flows/${key}/runs`, { input: { secret: marker } });
  await waitFor('the run to wait', async () => ((await data<{ status: string }>(owner.client, 'GET', `/v1/runs/${run.id}`)).status === 'waiting' ? true : undefined));
  return { id: run.id, marker };
}

const FIXTURES: Record<string, Fixture> = {
  '/v1/rules/{id}': async (owner) => {
    const marker = mark('rule');
    const { rule } = await data<{ rule: { id: string } }>(owner.client, 'POST', '/v1/rules', {
      name: marker, trigger: { namespace: 'crm_import', event: 'lead.created' }, actions: [{ type: 'notify', to: 'owner', message: marker }],
    });
    return { params: { id: rule.id }, marks: [marker], read: () => data<unknown>(owner.client, 'GET', `/v1/rules/${rule.id}`) };
  },
  '/v1/rule-runs/{id}': async (owner) => {
    const marker = mark('run');
    const ns = `run_${randomBytes(3).toString('hex')}`;
    const { rule } = await data<{ rule: { id: string } }>(owner.client, 'POST', '/v1/rules', {
      name: marker, trigger: { namespace: ns }, actions: [{ type: 'notify', to: 'owner', message: marker }],
    });
    await owner.client.diffs.record({ namespace: ns, entity_type: 'lead', entity_id: marker, event: 'lead.created', after: { marker } });
    await t.app.rules.drain();
    const run = await waitFor('the rule run to succeed', async () => {
      const [r] = await data<{ id: string; status: string }[]>(owner.client, 'GET', `/v1/rule-runs?rule_id=${rule.id}`);
      return r?.status === 'succeeded' ? r : undefined;
    });
    return { params: { id: run.id }, marks: [marker], read: () => data<unknown>(owner.client, 'GET', `/v1/rule-runs/${run!.id}`) };
  },
  '/v1/approvals/{id}': async (owner) => {
    const { approvalId, marker } = await heldChange(owner);
    return { params: { id: approvalId }, marks: [marker], read: () => data<unknown>(owner.client, 'GET', `/v1/approvals/${approvalId}`) };
  },
  '/v1/notifications/{id}': async (owner) => {
    const { marker } = await heldChange(owner);
    const mine = await data<{ id: string; title: string }[]>(owner.client, 'GET', '/v1/notifications');
    const n = mine.find((x) => x.title.includes(marker));
    if (!n) throw new Error('no notification for the held change');
    return { params: { id: n.id }, marks: [marker], read: () => listEntry(owner, '/v1/notifications', 'id', n.id) };
  },
  '/v1/diffs/{id}': async (owner) => {
    const d = await newDiff(owner);
    return { params: { id: d.id }, marks: [d.marker], read: () => owner.client.diffs.get(d.id) };
  },
  '/v1/entities/{type}/{id}': async (owner) => {
    const d = await newDiff(owner);
    return {
      params: { type: 'lead', id: d.entityId }, marks: [d.marker],
      read: async () => {
        const { state, as_of_diff_id } = await owner.client.entities.stateAt('lead', d.entityId);
        return { history: (await owner.client.entities.history('lead', d.entityId)).items, state, as_of_diff_id };
      },
    };
  },
  '/v1/members/{id}': async (owner) => {
    const email = `${mark('member')}@example.test`;
    const invite = await data<{ token: string }>(owner.client, 'POST', '/v1/members', { email, role: 'member' });
    const name = mark('Member');
    const accepted = await data<{ user: { id: string } }>(t.client(), 'POST', '/v1/invitations/accept', {
      token: invite.token, name, password: `lantern-${randomBytes(9).toString('base64url')}-orbit`,
    });
    const id = accepted.user.id;
    return { params: { id }, marks: [email, name], read: () => listEntry(owner, '/v1/members', 'user_id', id) };
  },
  '/v1/invitations/{id}': async (owner) => {
    const email = `${mark('invitee')}@example.test`;
    const invite = await data<{ invitation: { id: string } }>(owner.client, 'POST', '/v1/members', { email, role: 'viewer' });
    const id = invite.invitation.id;
    return { params: { id }, marks: [email], read: () => listEntry(owner, '/v1/invitations', 'id', id) };
  },
  '/v1/api-keys/{id}': async (owner) => {
    const name = mark('key');
    const key = await data<{ id: string }>(owner.client, 'POST', '/v1/api-keys', { name, scopes: ['read'] });
    return { params: { id: key.id }, marks: [name], read: () => listEntry(owner, '/v1/api-keys', 'id', key.id) };
  },
  '/v1/workflows/{id}': async (owner) => {
    const marker = mark('workflow');
    const id = await newWorkflow(owner, marker);
    await data(owner.client, 'POST', `/v1/workflows/${id}/tasks`, { name: `${marker} task` });
    return { params: { id }, marks: [marker], read: () => workflowState(owner, id) };
  },
  '/v1/tasks/{id}': async (owner) => {
    const marker = mark('task');
    const workflowId = await newWorkflow(owner, `${marker} flow`);
    const task = await data<{ id: string }>(owner.client, 'POST', `/v1/workflows/${workflowId}/tasks`, { name: marker });
    return {
      params: { id: task.id }, marks: [marker],
      read: async () => ({ task: await data<unknown>(owner.client, 'GET', `/v1/tasks/${task.id}`), ...(await workflowState(owner, workflowId)) }),
    };
  },
  '/v1/templates/{id}': async (owner) => {
    const marker = mark('template');
    const workflowId = await newWorkflow(owner, `${marker} flow`);
    const template = await data<{ id: string }>(owner.client, 'POST', `/v1/workflows/${workflowId}/save-as-template`, { name: marker });
    return { params: { id: template.id }, marks: [marker], read: () => data<unknown>(owner.client, 'GET', `/v1/templates/${template.id}`) };
  },
  '/v1/flows/{id}': async (owner) => {
    const { key, marker } = await newFlow(owner);
    return { params: { id: key }, marks: [marker], read: () => data<unknown>(owner.client, 'GET', `/v1/flows/${key}`) };
  },
  '/v1/flows/{id}/versions/{version}': async (owner) => {
    const { key, marker } = await newFlow(owner);
    return { params: { id: key, version: '1.0.0' }, marks: [marker], read: () => data<unknown>(owner.client, 'GET', `/v1/flows/${key}/versions/1.0.0`) };
  },
  '/v1/runs/{id}': async (owner) => {
    const { id, marker } = await waitingRun(owner, { id: 'w', type: 'wait', event: { namespace: 'idor', event: 'never' } });
    return { params: { id }, marks: [marker], read: () => data<unknown>(owner.client, 'GET', `/v1/runs/${id}`) };
  },
  '/v1/runs/{id}/steps/{step}': async (owner) => {
    const { id, marker } = await waitingRun(owner, { id: 'ok', type: 'approval', title: 'Approve?', approvers: ['role:admin'], exclude_starter: false });
    return { params: { id, step: 'ok' }, marks: [marker], read: () => data<unknown>(owner.client, 'GET', `/v1/runs/${id}`) };
  },
  // Disabled: no heartbeat changes it between the reads.
  '/v1/agents/{id}': async (owner) => {
    const marker = mark('agent');
    const agent = await data<{ id: string }>(owner.client, 'POST', '/v1/agents', { name: marker, persona: `persona ${marker}`, enabled: false });
    return { params: { id: agent.id }, marks: [marker], read: async () => ({ agent: await data<unknown>(owner.client, 'GET', `/v1/agents/${agent.id}`), memory: await data<unknown>(owner.client, 'GET', `/v1/agents/${agent.id}/memory`) }) };
  },
  '/v1/agent-memories/{id}': async (owner) => {
    const marker = mark('memory');
    const agent = await data<{ id: string }>(owner.client, 'POST', '/v1/agents', { name: `agent ${marker}`, enabled: false });
    const fact = await data<{ memory: { id: string } }>(owner.client, 'POST', `/v1/agents/${agent.id}/memory`, { key: 'secret', value: marker });
    return { params: { id: fact.memory.id }, marks: [marker], read: () => data<unknown>(owner.client, 'GET', `/v1/agents/${agent.id}/memory`) };
  },
  // A proposal of the Ops coordinator about a blocked task (its loop runs to the inbox).
  '/v1/proposals/{id}': async (owner) => {
    const marker = mark('blocked');
    const workflowId = await newWorkflow(owner, `${marker} flow`);
    const task = await data<{ id: string }>(owner.client, 'POST', `/v1/workflows/${workflowId}/tasks`, { name: marker, assignee_id: owner.userId });
    await data(owner.client, 'PATCH', `/v1/tasks/${task.id}`, { status: 'blocked', why: 'waiting' });
    const agent = await data<{ id: string }>(owner.client, 'POST', '/v1/agents', { template: 'ops_coordinator' });
    const woke = await data<{ run_id: string | null }>(owner.client, 'POST', `/v1/agents/${agent.id}/wake`, {});
    const proposal = await waitFor('a proposal for the person', async () => (await data<{ id: string; entity: { id: string } | null }[]>(owner.client, 'GET', `/v1/proposals?agent=${agent.id}`)).find((p) => p.entity?.id === task.id), 30_000);
    if (!woke.run_id) throw new Error('the Ops coordinator found no work');
    return { params: { id: proposal.id }, marks: [marker], read: () => data<unknown>(owner.client, 'GET', `/v1/proposals/${proposal.id}`) };
  },
  '/v1/knowledge/notebooks/{id}': async (owner) => {
    const marker = mark('notebook');
    const { notebookId } = await notebookWith(owner, marker, { name: 'facts.txt', text: `The ${marker} warehouse holds 40 pallets of rice for the Toamasina depot.` });
    return { params: { id: notebookId }, marks: [marker], read: () => data<unknown>(owner.client, 'GET', `/v1/knowledge/notebooks/${notebookId}`) };
  },
  // A failed source (a corrupt PDF), so retrying it is what its owner may do.
  '/v1/knowledge/sources/{id}': async (owner) => {
    const marker = mark('source');
    const { sourceId } = await notebookWith(owner, mark('nb'), { name: `${marker}.pdf`, text: '%PDF-1.7\n1 0 obj << >> not a real PDF' });
    return { params: { id: sourceId }, marks: [marker], read: () => data<unknown>(owner.client, 'GET', `/v1/knowledge/sources/${sourceId}`) };
  },
  '/v1/knowledge/outputs/{id}': async (owner) => {
    const marker = mark('output');
    const { notebookId } = await notebookWith(owner, mark('nb'), { name: 'facts.txt', text: `Hery Rakoto of ${marker} Logistics runs the Toamasina depot.` });
    const out = await data<{ id: string }>(owner.client, 'POST', `/v1/knowledge/notebooks/${notebookId}/outputs`, { kind: 'source_map' });
    const ready = await waitFor('the output ready', async () => {
      const o = await data<{ status: string }>(owner.client, 'GET', `/v1/knowledge/outputs/${out.id}`);
      return o.status === 'ready' ? o : undefined;
    }, 30_000);
    return { params: { id: out.id }, marks: [marker], read: async () => ready && data<unknown>(owner.client, 'GET', `/v1/knowledge/outputs/${out.id}`) };
  },
  '/v1/ai/prompts/{id}': async (owner) => {
    const marker = mark('prompt');
    const prompt = await data<{ id: string }>(owner.client, 'POST', '/v1/ai/prompts', { name: marker, template: `Say ${marker}` });
    return { params: { id: prompt.id }, marks: [marker], read: () => data<unknown>(owner.client, 'GET', `/v1/ai/prompts/${prompt.id}`) };
  },
};

const PARAM = /\{([^}]+)\}/g;
const kindOf = (path: string): string => path.slice(0, path.lastIndexOf('}') + 1);

function fill(path: string, params: Record<string, string>): string {
  return path.replace(PARAM, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`the fixture for ${kindOf(path)} gives no "${name}" for ${path}`);
    return encodeURIComponent(value);
  });
}

function casesOf(doc: OpenApi): Case[] {
  const out: Case[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (!path.includes('{') || GLOBAL.has(kindOf(path))) continue;
    for (const [method, op] of Object.entries(ops)) out.push({ method: method.toUpperCase(), path, op });
  }
  return out;
}

const doc = (await (await fetch(`${t.baseUrl}/v1/openapi.json`)).json()) as OpenApi;
const cases = casesOf(doc);
const a = await t.tenant('Tenant A');
const b = await t.tenant('Tenant B');

describe('IDOR: the generator', () => {
  it('finds every operation with a path parameter known today', () => {
    expect(cases.map((c) => `${c.method} ${c.path}`)).toEqual(expect.arrayContaining(KNOWN));
  });

  it('declares every templated path parameter in the document', () => {
    for (const c of cases) {
      const templated = [...c.path.matchAll(PARAM)].map((m) => m[1]).sort();
      const declared = (c.op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name).sort();
      expect(declared, `${c.method} ${c.path}`).toEqual(templated);
    }
  });
});

describe('IDOR: tenant B on tenant A’s resources answers 404 and changes nothing', () => {
  for (const c of cases) {
    const name = `${c.method} ${c.path}`;
    it(name, async () => {
      const fixture = FIXTURES[kindOf(c.path)];
      if (!fixture) expect.fail(`add a fixture for ${c.path} (resource kind ${kindOf(c.path)}) in idor.test.ts`);
      const request = REQUESTS[name] ?? {};
      if (c.op.requestBody && request.body === undefined) expect.fail(`add a valid request body for ${name} to REQUESTS in idor.test.ts`);
      const missingQuery = (c.op.parameters ?? []).filter((p) => p.in === 'query' && p.required && request.query?.[p.name] === undefined);
      if (missingQuery.length > 0) expect.fail(`add the required query (${missingQuery.map((p) => p.name).join(', ')}) for ${name} to REQUESTS`);

      const resource = await fixture(a);
      await request.prepare?.(a, resource.params);
      const before = await resource.read();
      expect(before, 'the fixture must create a resource its owner can read').not.toBeNull();
      const url = fill(c.path, resource.params);
      const send = (who: TestTenant) => (request.send ? request.send(who, url) : who.client.raw(c.method, url, { body: request.body, query: request.query }));

      const res = await send(b);
      const text = await res.text();
      expect(res.status, `${name} as another tenant: ${text}`).toBe(404);
      const env = JSON.parse(text) as { data: unknown; error: { code: string } | null };
      expect(env.error?.code).toBe('NOT_FOUND');
      expect(env.data).toBeNull();
      for (const secret of [a.tenantId, a.userId, ...resource.marks]) expect(text).not.toContain(secret);

      expect(await resource.read(), 'tenant A’s resource must be unchanged').toEqual(before);

      const own = await send(a);
      expect(own.status, `${name} as the owner must succeed (else the 404 above proves nothing): ${await own.clone().text()}`).toBeLessThan(300);
    });
  }
});
