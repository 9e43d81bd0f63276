// Under tests every JSON success answer is checked against its route's declared `response`
// schema: a mismatch (a wrong type, a missing field, a field the schema does not declare) is
// a 500 INTERNAL naming the route and the zod issues; production (no VITEST) pays nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { checkResponse, responseValidationDefault, responseViolations, RouteRegistry, type Envelope } from './route.js';
import { createHttpServer } from './server.js';
import type { IdempotencyStore } from './idempotency.js';
import type { Limits } from './route.js';

const item = z.object({ id: z.string(), n: z.number(), at: z.string().nullable(), tags: z.array(z.string()).optional() });

let app: FastifyInstance;
let registry: RouteRegistry;
let answer: unknown;
let meta: Record<string, unknown> | undefined;

beforeAll(async () => {
  app = createHttpServer({ logger: pino({ level: 'silent' }), bodyLimit: 1 << 20, trustProxy: false });
  const limits = { limiter: { take: async () => {}, takeAll: async () => {} }, perPrincipal: () => ({ person: 1000, workspace: 1000 }), perIpOnAuth: 1000 } as unknown as Limits;
  registry = new RouteRegistry(app, async () => null, {} as IdempotencyStore, limits);
  registry.add({ method: 'GET', url: '/one', tags: ['t'], scope: null, summary: 'one', response: item, handler: async () => ({ data: answer, ...(meta && { meta }) }) });
  registry.add({ method: 'GET', url: '/many', tags: ['t'], scope: null, summary: 'many', response: z.array(item), handler: async () => ({ data: answer }) });
  registry.add({ method: 'GET', url: '/loose', tags: ['t'], scope: null, summary: 'loose', response: item.passthrough(), handler: async () => ({ data: answer }) });
  registry.add({ method: 'GET', url: '/undeclared', tags: ['t'], scope: null, summary: 'no schema', handler: async () => ({ data: answer }) });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  // This file breaks contracts on purpose: leave none behind for another suite's harness.
  responseViolations.length = 0;
});

const get = async (url: string, data: unknown) => {
  answer = data;
  const res = await app.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.json() as { data: unknown; error: { code: string; message: string; details: { path: string; code: string }[] } | null } };
};

describe('response validation under tests', () => {
  it('is on under vitest, off without it, and ATRIUM_VALIDATE_RESPONSES overrides both ways', () => {
    expect(responseValidationDefault()).toBe(true);
    expect(responseValidationDefault({})).toBe(false);
    expect(responseValidationDefault({ NODE_ENV: 'production' })).toBe(false);
    expect(responseValidationDefault({ ATRIUM_VALIDATE_RESPONSES: '1' })).toBe(true);
    expect(responseValidationDefault({ VITEST: 'true', ATRIUM_VALIDATE_RESPONSES: '0' })).toBe(false);
  });

  it('a conforming answer goes out unchanged (the wire form: a Date is its ISO string)', async () => {
    const at = new Date('2026-01-02T03:04:05.000Z');
    const res = await get('/one', { id: 'a', n: 1, at });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ id: 'a', n: 1, at: at.toISOString() });
  });

  it('a wrong type is a 500 INTERNAL naming the route, the path and the zod issue', async () => {
    const before = responseViolations.length;
    const res = await get('/one', { id: 'a', n: '1', at: null });
    expect(res.status).toBe(500);
    expect(res.body.error?.code).toBe('INTERNAL');
    expect(res.body.error?.message).toContain('GET /one');
    expect(res.body.error?.details).toEqual([expect.objectContaining({ path: 'data.n', code: 'invalid_type' })]);
    expect(responseViolations.slice(before)).toEqual([{ route: 'GET /one', issues: [expect.objectContaining({ path: 'data.n' })] }]);
  });

  it('a missing field (undefined where the schema says nullable) is refused', async () => {
    const res = await get('/many', [{ id: 'a', n: 1, at: null }, { id: 'b', n: 2 }]);
    expect(res.status).toBe(500);
    expect(res.body.error?.details).toEqual([expect.objectContaining({ path: 'data.1.at' })]);
  });

  it('a field the schema does not declare is refused (the document says additionalProperties: false), unless the schema passes them through', async () => {
    const extra = { id: 'a', n: 1, at: null, secret: 'x' };
    const res = await get('/many', [extra]);
    expect(res.status).toBe(500);
    expect(res.body.error?.details).toEqual([expect.objectContaining({ path: 'data.0.secret', code: 'unrecognized_keys' })]);
    expect((await get('/loose', extra)).status).toBe(200);
  });

  it('routes without a response schema, and changes held for approval (meta.held), are not checked', async () => {
    expect((await get('/undeclared', { anything: true })).status).toBe(200);
    meta = { held: true };
    try {
      expect((await get('/one', { id: 'apr_1', status: 'pending', summary: 'held' })).status).toBe(200);
    } finally {
      meta = undefined;
    }
  });

  it('switched off, nothing is checked (production)', async () => {
    registry.validateResponses = false;
    try {
      expect((await get('/one', { id: 1 })).status).toBe(200);
    } finally {
      registry.validateResponses = true;
    }
  });

  it('checkResponse reports the closest branch of a union', () => {
    const schema = z.union([z.object({ kind: z.literal('a'), a: z.number() }), z.object({ kind: z.literal('b'), b: z.string(), c: z.string() })]);
    expect(checkResponse('GET /u', schema, { kind: 'a', a: 'x' })?.issues).toEqual([expect.objectContaining({ path: 'data.a' })]);
    expect(checkResponse('GET /u', schema, { kind: 'b', b: 'x', c: 'y' })).toBeNull();
  });
});

describe('addTyped: the handler is typed by the response schema', () => {
  it('compiles only when data matches z.input of the schema', () => {
    const r = { addTyped: () => {} } as unknown as RouteRegistry;
    r.addTyped({ method: 'GET', url: '/t', tags: ['t'], scope: null, summary: 't', response: item, handler: async () => ({ data: { id: 'a', n: 1, at: null } }) });
    r.addTyped({
      method: 'GET', url: '/t', tags: ['t'], scope: null, summary: 't', response: item,
      // @ts-expect-error n must be a number
      handler: async () => ({ data: { id: 'a', n: '1', at: null } }),
    });
    const loose: Envelope = { data: 'anything' };
    expect(loose.data).toBe('anything');
  });
});
