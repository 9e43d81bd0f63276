// Answers that the framework or Node's HTTP parser gives before any route runs still use the
// envelope and a documented code; a known path with the wrong method is a 405 with Allow.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { expectError } from '../../testing/http.js';
import { documentedErrorCodes } from '../errors.js';

let t: TestApp;
let a: TestTenant;

beforeAll(async () => {
  t = await startTestApp();
  a = await t.tenant('Refusals A');
});
afterAll(() => t?.stop());

/** Sends bytes as they are (fetch would refuse or re-encode them) and reads the whole answer. */
function rawExchange(baseUrl: string, request: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', (err) => (chunks.length ? undefined : reject(err)));
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
  });
}

function expectRawEnvelope(res: { status: number; headers: Record<string, string>; body: string }, status: number, code: string) {
  expect(res.status, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const env = JSON.parse(res.body) as { data: null; meta: { request_id: string }; error: { code: string } };
  expect(Object.keys(env).sort()).toEqual(['data', 'error', 'meta']);
  expect(env.error.code).toBe(code);
  expect(env.meta.request_id).toBe(res.headers['x-request-id']);
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(code in documentedErrorCodes(), `${code} is documented`).toBe(true);
}

describe('refusals before any route runs', () => {
  it('a request line and headers over 16 KiB: 431 HEADERS_TOO_LARGE in the envelope', async () => {
    const res = await rawExchange(t.baseUrl, `GET /v1/diffs?q=${'x'.repeat(17_000)} HTTP/1.1\r\nhost: x\r\n\r\n`);
    expectRawEnvelope(res, 431, 'HEADERS_TOO_LARGE');
  });

  it('garbage instead of HTTP: 400 BAD_REQUEST in the envelope', async () => {
    const res = await rawExchange(t.baseUrl, 'NOT HTTP AT ALL\r\n\r\n');
    expectRawEnvelope(res, 400, 'BAD_REQUEST');
  });

  it('a broken percent-encoding: 400 BAD_URL', async () => {
    await expectError(await a.client.raw('GET', '/v1/diffs/%E0%A4%A'), 400, 'BAD_URL');
  });

  it('a path parameter over the router limit: 414 URI_TOO_LONG', async () => {
    await expectError(await a.client.raw('GET', `/v1/diffs/${'d'.repeat(200)}`), 414, 'URI_TOO_LONG');
  });
});

describe('method not allowed', () => {
  it('PUT /v1/workflows (a path served for GET and POST): 405 with Allow', async () => {
    const res = await a.client.raw('PUT', '/v1/workflows', { body: {} });
    expect(res.headers.get('allow')).toBe('GET, POST, HEAD');
    await expectError(res, 405, 'METHOD_NOT_ALLOWED');
  });

  it('a parametrised path with a wrong method (POST /v1/tasks/:id): 405 listing what is served there', async () => {
    const res = await a.client.raw('POST', '/v1/tasks/task_01', { body: {} });
    expect(res.headers.get('allow')?.split(', ').sort()).toEqual(['DELETE', 'GET', 'HEAD', 'PATCH']);
    await expectError(res, 405, 'METHOD_NOT_ALLOWED');
  });

  it('an unknown path is still 404 NOT_FOUND', async () => {
    await expectError(await a.client.raw('POST', '/v1/nothing-here', { body: {} }), 404, 'NOT_FOUND');
  });
});
