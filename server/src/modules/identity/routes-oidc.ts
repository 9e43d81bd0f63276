// Sign-in methods the web app may offer, and the two legs of the OIDC redirect flow. The
// flow's endpoints are browser navigations, so they answer with redirects, not JSON
// (errors still come as the usual error envelope). Routes, not commands: a sign-in opens a
// session, which no rule holds (account.openSession and members.claim write `holdable: false`).
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { STREAMED, type RouteRegistry } from '../../platform/http/route.js';
import { SESSION_TTL_SECONDS } from './account.js';
import { setSessionCookies } from './cookies.js';
import { OIDC_CALLBACK_PATH, OIDC_START_PATH, OIDC_STATE_TTL_SECONDS, type Oidc } from './oidc.js';

/** Binds a started sign-in to the browser that started it (see Oidc.complete). */
export const OIDC_STATE_COOKIE = 'atrium_oidc_state';

const providersSchema = z.object({
  password: z.literal(true),
  oidc: z.object({ enabled: z.boolean(), label: z.string().nullable(), start_url: z.string().nullable() }),
});

const queryString = (req: FastifyRequest): string => {
  const at = req.url.indexOf('?');
  return at < 0 ? '' : req.url.slice(at);
};

export function registerOidcRoutes(r: RouteRegistry, d: { oidc: Oidc | null; secureCookies: boolean }): void {
  const { oidc } = d;

  r.add({
    method: 'GET', url: '/v1/auth/providers', tags: ['identity'], scope: null,
    summary: 'Sign-in methods this installation offers (whether to show a single sign-on button)',
    response: providersSchema,
    handler: async () => ({
      data: {
        password: true as const,
        oidc: oidc ? { enabled: true, label: oidc.label, start_url: OIDC_START_PATH } : { enabled: false, label: null, start_url: null },
      },
    }),
  });

  // Without ATRIUM_OIDC_ISSUER the flow's routes do not exist (404), rather than failing later.
  if (!oidc) return;
  const cookieOpts = { path: '/v1/auth/oidc', httpOnly: true, sameSite: 'lax' as const, secure: d.secureCookies };

  r.add({
    method: 'GET', url: OIDC_START_PATH, tags: ['identity'], scope: null, ipLimited: true,
    summary: 'Start single sign-on: redirects (302) to the identity provider',
    query: z.object({ redirect: z.string().max(2000).optional().describe('Path on this site to land on afterwards (default /)') }),
    produces: [], successStatus: 302,
    handler: async ({ query, reply }) => {
      const { url, state } = await oidc.begin(query.redirect);
      reply.setCookie(OIDC_STATE_COOKIE, state, { ...cookieOpts, maxAge: OIDC_STATE_TTL_SECONDS });
      await reply.redirect(url, 302);
      return STREAMED;
    },
  });

  r.add({
    method: 'GET', url: OIDC_CALLBACK_PATH, tags: ['identity'], scope: null, ipLimited: true,
    summary: 'Where the identity provider sends the browser back: opens a session (cookies) and redirects (302)',
    // Documented for the OpenAPI file; the handler reads the raw query, as the provider sent it.
    // Not strict: providers add their own parameters (Google: scope, authuser, prompt…).
    query: z.object({
      code: z.string().max(4096).optional(), state: z.string().max(2048).optional(), iss: z.string().max(2048).optional(),
      error: z.string().max(256).optional(), error_description: z.string().max(2048).optional(),
    }),
    produces: [], successStatus: 302,
    handler: async ({ req, reply }) => {
      const browserState = req.cookies?.[OIDC_STATE_COOKIE];
      // Whatever the outcome, this browser's pending sign-in is over.
      reply.clearCookie(OIDC_STATE_COOKIE, { path: cookieOpts.path });
      const { grant, redirect } = await oidc.complete(queryString(req), browserState, req.ip);
      setSessionCookies(reply, grant.token, SESSION_TTL_SECONDS, d.secureCookies);
      await reply.redirect(redirect, 302);
      return STREAMED;
    },
  });
}
