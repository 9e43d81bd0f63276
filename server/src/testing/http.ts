// Assertions shared by the HTTP integration tests: the envelope of API.md, checked on the
// raw response (status, headers, body) so a test sees exactly what a client would.
import { expect } from 'vitest';

export type ErrorDetail = { path?: string; message: string; [k: string]: unknown };
export type ErrorEnvelope = {
  data: null;
  meta: { request_id: string; timestamp: string };
  error: { code: string; message: string; details: ErrorDetail[] };
};
export type OkEnvelope<T> = { data: T; meta: { request_id: string; timestamp: string; [k: string]: unknown }; error: null };

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function checkMeta(res: Response, meta: { request_id?: unknown; timestamp?: unknown } | undefined, raw: string): void {
  expect(meta, raw).toBeDefined();
  expect(typeof meta!.request_id, raw).toBe('string');
  expect(res.headers.get('x-request-id'), 'x-request-id header').toBe(meta!.request_id);
  expect(meta!.timestamp, raw).toMatch(ISO_UTC);
}

/** Asserts an error envelope with this status and code; returns it for further checks. */
export async function expectError(res: Response, status: number, code: string): Promise<ErrorEnvelope> {
  const raw = await res.text();
  expect(res.status, raw).toBe(status);
  expect(res.headers.get('content-type') ?? '', raw).toMatch(/^application\/json/);
  const body = JSON.parse(raw) as ErrorEnvelope;
  expect(Object.keys(body).sort(), raw).toEqual(['data', 'error', 'meta']);
  expect(body.data, raw).toBeNull();
  checkMeta(res, body.meta, raw);
  expect(body.error.code, raw).toBe(code);
  expect(body.error.message.length, raw).toBeGreaterThan(0);
  expect(Array.isArray(body.error.details), raw).toBe(true);
  return body;
}

/** Asserts a success envelope with this status; returns it. */
export async function expectOk<T>(res: Response, status = 200): Promise<OkEnvelope<T>> {
  const raw = await res.text();
  expect(res.status, raw).toBe(status);
  const body = JSON.parse(raw) as OkEnvelope<T>;
  expect(body.error, raw).toBeNull();
  checkMeta(res, body.meta, raw);
  return body;
}

/** The detail paths of a VALIDATION_FAILED envelope. */
export const detailPaths = (env: ErrorEnvelope): string[] => env.error.details.map((d) => d.path ?? '');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `probe` returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
