// The one API client of the web app: the typed SDK over same-origin fetch. The session is
// the HttpOnly cookie set by login/sign-up; unsafe requests echo the readable CSRF cookie
// in x-csrf-token (double submit).
import { AtriumClient, AtriumError } from '../../sdk/src/index.js';
import { rulesApi } from '../../sdk/src/rules.js';

export { AtriumError };
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function cookie(name: string): string | undefined {
  const hit = document.cookie.split('; ').find((c) => c.startsWith(`${name}=`));
  return hit ? decodeURIComponent(hit.slice(name.length + 1)) : undefined;
}

/** Whether this browser holds a session (the CSRF cookie lives exactly as long). */
export const hasSessionCookie = (): boolean => !!cookie('atrium_csrf');

let onUnauthenticated: () => void = () => {};
export function setUnauthenticatedHandler(fn: () => void): void {
  onUnauthenticated = fn;
}

const browserFetch: typeof fetch = async (input, init = {}) => {
  const method = (init.method ?? 'GET').toUpperCase();
  const headers = new Headers(init.headers);
  if (!SAFE.has(method)) {
    const token = cookie('atrium_csrf');
    if (token) headers.set('x-csrf-token', token);
  }
  let res: Response;
  try {
    res = await fetch(input, { ...init, headers, credentials: 'same-origin' });
  } catch {
    throw new AtriumError(0, 'NETWORK', 'network unreachable', [], undefined);
  }
  if (res.status === 401 && !String(input).includes('/v1/auth/')) onUnauthenticated();
  const type = res.headers.get('content-type') ?? '';
  if (!res.ok && !type.includes('json')) throw new AtriumError(res.status, res.status >= 500 ? 'INTERNAL' : 'UNKNOWN', res.statusText, [], undefined);
  return res;
};

export const api = new AtriumClient({ baseUrl: '', fetch: browserFetch });

/** Rules, approvals, notifications (typed calls of the Reflex Arc API). */
export const rules = rulesApi(api);
