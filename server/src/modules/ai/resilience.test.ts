// How a provider failure is classified (resilience.ts `classify`): the kind decides whether
// the gateway retries, falls back and counts the failure toward the endpoint's breaker.
// Errors are built as the SDK's provider layer and the gateway's own code throw them.
import { APICallError, InvalidResponseDataError, JSONParseError, TypeValidationError } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.js';
import { OutputValidationError } from './model-call.js';
import { OfflineCannotSatisfy } from './offline.js';
import { CircuitBreaker, classify } from './resilience.js';

const apiError = (statusCode: number | undefined, opts: { headers?: Record<string, string>; cause?: unknown } = {}) =>
  new APICallError({ message: 'call failed', url: 'https://llm.example/v1/chat/completions', requestBodyValues: {}, statusCode, responseHeaders: opts.headers, cause: opts.cause });
const parseError = () => new JSONParseError({ text: '{"choices": [', cause: new SyntaxError('Unexpected end of JSON input') });

describe('classify', () => {
  it('output the gateway cannot use is invalid_output (retried once, not held against the endpoint)', () => {
    expect(classify(new OutputValidationError('output does not match the schema: /age must be integer'), false)).toMatchObject({ kind: 'invalid_output', message: expect.stringContaining('/age') });
    expect(classify(new OfflineCannotSatisfy('the offline provider could not satisfy the schema'), false).kind).toBe('invalid_output');
  });

  it('a vendor answer the SDK could not parse is invalid_output: bare (a stream chunk) or wrapped in a 200 "Invalid JSON response"', () => {
    expect(classify(parseError(), false).kind).toBe('invalid_output');
    expect(classify(new TypeValidationError({ value: { choices: 'no' }, cause: new Error('expected array') }), false).kind).toBe('invalid_output');
    expect(classify(new InvalidResponseDataError({ data: {}, message: "Expected 'function.name' to be a string." }), false).kind).toBe('invalid_output');
    expect(classify(apiError(200, { cause: parseError() }), false)).toMatchObject({ kind: 'invalid_output', status: 200 });
  });

  it('429 is rate_limited with the Retry-After to wait (seconds or milliseconds)', () => {
    expect(classify(apiError(429, { headers: { 'retry-after': '3' } }), false)).toEqual({ kind: 'rate_limited', status: 429, retryAfterMs: 3_000, message: 'rate limited by the provider' });
    expect(classify(apiError(429, { headers: { 'retry-after-ms': '250' } }), false).retryAfterMs).toBe(250);
    expect(classify(apiError(429), false).retryAfterMs).toBeUndefined();
  });

  it('5xx is server, 408 timeout, another status client; no status (could not connect) is network', () => {
    expect(classify(apiError(503), false)).toMatchObject({ kind: 'server', status: 503 });
    expect(classify(apiError(408), false)).toMatchObject({ kind: 'timeout', status: 408 });
    expect(classify(apiError(400), false)).toMatchObject({ kind: 'client', status: 400 });
    expect(classify(apiError(undefined, { cause: new TypeError('fetch failed') }), false).kind).toBe('network');
  });

  it('an abort or the gateway’s own timer is timeout', () => {
    expect(classify(new DOMException('This operation was aborted', 'AbortError'), false).kind).toBe('timeout');
    expect(classify(new DOMException('timeout', 'TimeoutError'), false).kind).toBe('timeout');
    expect(classify(apiError(503), true).kind).toBe('timeout'); // whatever the abort surfaced as
  });

  it('a failed fetch or a dropped connection is network', () => {
    expect(classify(new TypeError('fetch failed'), false).kind).toBe('network');
    expect(classify(new Error('read ECONNRESET'), false).kind).toBe('network');
    // A TypeError from a bug is not the network.
    expect(classify(new TypeError("Cannot read properties of undefined (reading 'choices')"), false).kind).not.toBe('network');
  });

  it('an AppError anywhere in the cause chain (e.g. the URL guard) is refused', () => {
    const refused = new AppError('UNSAFE_PROVIDER_URL', 400, 'The provider URL is refused: 169.254.169.254 is a cloud metadata host.');
    expect(classify(refused, false)).toEqual({ kind: 'refused', message: refused.message });
    expect(classify(apiError(undefined, { cause: new Error('wrapped', { cause: refused }) }), false)).toEqual({ kind: 'refused', message: refused.message });
  });

  it('anything else is server', () => {
    expect(classify(new Error('something odd'), false)).toEqual({ kind: 'server', message: 'something odd' });
  });
});

describe('CircuitBreaker: what it tells and what it takes on from other processes', () => {
  const setup = () => {
    let t = 1_000_000;
    const told: (number | null)[] = [];
    const b = new CircuitBreaker(() => t, 5, 60_000, (at, changedAt) => {
      told.push(at);
      expect(changedAt).toBe(t);
    });
    return { b, told, advance: (ms: number) => (t += ms), now: () => t };
  };

  it('tells when it opens and when it closes, once each — not every failure, not calls in flight', () => {
    const { b, told, advance, now } = setup();
    for (let i = 0; i < 4; i++) b.failure();
    expect(told).toEqual([]);
    b.failure();
    expect(told).toEqual([now()]);
    advance(10);
    b.failure(); // a call that was in flight when it opened
    expect(told).toHaveLength(1);
    expect(b.view().opened_at).toBe(new Date(now()).toISOString()); // it pushes the cooldown back, here
    b.success(); // a call in flight that succeeded
    expect(told).toEqual([now() - 10, null]);
    b.success();
    expect(told).toHaveLength(2);
  });

  it('a failed probe re-opens and tells; a good probe closes and tells', () => {
    const { b, told, advance, now } = setup();
    for (let i = 0; i < 5; i++) b.failure();
    advance(60_000);
    expect(b.tryPass()).toBe(true);
    expect(b.tryPass()).toBe(false); // one probe at a time
    b.failure();
    expect(told.at(-1)).toBe(now());
    expect(b.state).toBe('open');
    advance(60_000);
    expect(b.tryPass()).toBe(true);
    b.success();
    expect(told.at(-1)).toBeNull();
    expect(b.state).toBe('closed');
  });

  it('adopts only news newer than its last change, and tells nobody', () => {
    const { b, told, advance, now } = setup();
    b.adopt(now() - 1_000, now() - 1_000);
    expect(b.view()).toMatchObject({ state: 'open', consecutive_failures: 5, opened_at: new Date(now() - 1_000).toISOString() });
    b.adopt(now() - 5_000, now() - 5_000); // an older opening does not move it
    expect(b.view().opened_at).toBe(new Date(now() - 1_000).toISOString());
    b.adopt(null, now() - 2_000); // closed before it opened: stale
    expect(b.state).toBe('open');
    advance(30_000);
    b.adopt(null, now()); // closed since: closed here too
    expect(b.view()).toMatchObject({ state: 'closed', consecutive_failures: 0, opened_at: null });
    expect(told).toEqual([]);
    // A probe in flight here when another process's probe failed: it is not a probe any more.
    advance(1);
    b.adopt(now(), now());
    advance(60_000);
    expect(b.tryPass()).toBe(true);
    b.adopt(now(), now());
    expect(b.tryPass()).toBe(false);
  });

  it('a read of its own earlier opening, arriving after it closed here, does not re-open it', () => {
    const { b, told, advance, now } = setup();
    for (let i = 0; i < 5; i++) b.failure();
    const opened = now();
    advance(60_000);
    expect(b.tryPass()).toBe(true);
    b.success();
    expect(told).toEqual([opened, null]);
    b.adopt(opened, opened); // the row as it was before this process's close was written
    expect(b.view()).toMatchObject({ state: 'closed', consecutive_failures: 0 });
  });
});
