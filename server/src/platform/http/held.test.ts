// Holds at the route layer: a change held inside a command (tagged by the command registry) is
// handed to the hold handler with who asked and where — never the request to replay; a hold
// that reaches a route without a command is a programming error, answered 500, never held.
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../context.js';
import type { IdempotencyStore } from './idempotency.js';
import { ChangeHeld, RouteRegistry, type HeldRequest, type Limits } from './route.js';
import { createHttpServer } from './server.js';

const principal: Principal = {
  tenantId: 'ten_1', actor: { type: 'user', id: 'usr_1' }, userId: 'usr_1', tokenId: 'tok_1', kind: 'session',
  role: 'member', scopes: ['read', 'write'], plan: 'enterprise', stepUpAt: null, platformRole: null,
};

let app: FastifyInstance;
const handed: { command: unknown; request: HeldRequest }[] = [];

beforeAll(async () => {
  app = createHttpServer({ logger: pino({ level: 'silent' }), bodyLimit: 1 << 20, trustProxy: false });
  const limits = { limiter: { take: async () => {}, takeAll: async () => {} }, perPrincipal: () => ({ person: 1000, workspace: 1000 }), perIpOnAuth: 1000 } as unknown as Limits;
  const registry = new RouteRegistry(app, async (req) => (req.headers.authorization ? principal : null), {} as IdempotencyStore, limits);
  registry.onHeld(async (held, request) => {
    handed.push({ command: held.command, request });
    return { data: { id: 'apr_1', status: 'pending' }, status: 202, meta: { held: true } };
  });
  const tagged = () => Object.assign(new ChangeHeld({}), { command: { command: 'work.update_task', input: { id: 'task_1' } } });
  registry.add({ method: 'PATCH', url: '/in-command/:id', tags: ['t'], scope: 'write', summary: 'held inside a command', handler: async () => { throw tagged(); } });
  registry.add({ method: 'PATCH', url: '/outside/:id', tags: ['t'], scope: 'write', summary: 'held outside any command', handler: async () => { throw new ChangeHeld({}); } });
  registry.add({ method: 'PUT', url: '/public', tags: ['t'], scope: null, summary: 'held with nobody to ask', handler: async () => { throw tagged(); } });
  await app.ready();
});
afterAll(() => app?.close());

const call = async (method: 'PATCH' | 'PUT', url: string, auth = true) => {
  const res = await app.inject({ method, url, payload: { priority: 'urgent' }, headers: auth ? { authorization: 'Bearer x' } : {} });
  return { status: res.statusCode, body: res.json() as { data: unknown; meta: Record<string, unknown>; error: { code: string; message: string } | null } };
};

describe('holds at the route layer', () => {
  it('a hold raised inside a command goes to the hold handler with the requester and where it was asked (no body to replay): 202', async () => {
    handed.length = 0;
    const res = await call('PATCH', '/in-command/task_1?x=1');
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ data: { id: 'apr_1' }, meta: { held: true }, error: null });
    expect(handed).toHaveLength(1);
    expect(handed[0]!.command).toEqual({ command: 'work.update_task', input: { id: 'task_1' } });
    expect(handed[0]!.request).toEqual({ principal, requestId: expect.any(String), method: 'PATCH', url: '/in-command/task_1?x=1' });
  });

  it('a hold without a command is a 500, never held as an HTTP request', async () => {
    handed.length = 0;
    const res = await call('PATCH', '/outside/task_1');
    expect(res.status).toBe(500);
    expect(res.body.error).toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('PATCH /outside/:id') });
    // A public route has no requester to hold it for: the same.
    expect((await call('PUT', '/public', false)).status).toBe(500);
    expect(handed).toEqual([]);
  });
});
