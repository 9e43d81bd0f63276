// Browser sessions: the session token in an HttpOnly SameSite=Lax cookie, plus a CSRF
// token in a readable cookie that the web app echoes in `x-csrf-token` on unsafe methods
// (double-submit). Bearer-token clients need neither.
//
// The CSRF token is bound to the session: it is derived from the session token, so a value
// an attacker planted in the atrium_csrf cookie (from a sibling subdomain, say) with a
// matching header is refused. Deriving needs the session token, which only the HttpOnly
// cookie holds; the derivation is one-way (domain-separated HMAC), so the readable CSRF cookie
// reveals nothing of the session, and it is the same in every serve process.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.js';

export const SESSION_COOKIE = 'atrium_session';
export const CSRF_COOKIE = 'atrium_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const CSRF_DERIVATION = 'atrium csrf token v1';

export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', CSRF_DERIVATION).update(sessionToken).digest('base64url');
}

export function setSessionCookies(reply: FastifyReply, token: string, maxAgeSeconds: number, secure: boolean): string {
  const csrf = csrfTokenFor(token);
  const common = { path: '/', sameSite: 'lax' as const, secure, maxAge: maxAgeSeconds };
  reply.setCookie(SESSION_COOKIE, token, { ...common, httpOnly: true });
  reply.setCookie(CSRF_COOKIE, csrf, { ...common, httpOnly: false });
  return csrf;
}

export function clearSessionCookies(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
  reply.clearCookie(CSRF_COOKIE, { path: '/' });
}

export function sessionCookie(req: FastifyRequest): string | undefined {
  return req.cookies?.[SESSION_COOKIE];
}

/** Unsafe methods authenticated by the session cookie must send that session's CSRF token in the header. */
export function assertCsrf(req: FastifyRequest, sessionToken: string): void {
  if (SAFE_METHODS.has(req.method)) return;
  const expected = csrfTokenFor(sessionToken);
  const header = req.headers[CSRF_HEADER];
  const given = typeof header === 'string' ? header : '';
  const ok = given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
  if (!ok) throw new AppError('CSRF_FAILED', 403, 'Missing or wrong CSRF token: send the atrium_csrf cookie value in x-csrf-token.');
}
