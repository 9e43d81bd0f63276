// Browser sessions: the session token in an HttpOnly SameSite=Lax cookie, plus a CSRF
// token in a readable cookie that the web app echoes in `x-csrf-token` on unsafe methods
// (double-submit). Bearer-token clients need neither.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.js';

export const SESSION_COOKIE = 'atrium_session';
export const CSRF_COOKIE = 'atrium_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function setSessionCookies(reply: FastifyReply, token: string, maxAgeSeconds: number, secure: boolean): string {
  const csrf = randomBytes(24).toString('base64url');
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

/** Unsafe methods authenticated by cookie must echo the CSRF cookie in the header. */
export function assertCsrf(req: FastifyRequest): void {
  if (SAFE_METHODS.has(req.method)) return;
  const cookie = req.cookies?.[CSRF_COOKIE] ?? '';
  const header = req.headers[CSRF_HEADER];
  const given = typeof header === 'string' ? header : '';
  const ok = cookie.length > 0 && given.length === cookie.length && timingSafeEqual(Buffer.from(given), Buffer.from(cookie));
  if (!ok) throw new AppError('CSRF_FAILED', 403, 'Missing or wrong CSRF token: send the atrium_csrf cookie value in x-csrf-token.');
}
