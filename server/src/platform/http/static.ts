// Serves the built web app (web/dist, made by `npm run build:web`) at `/`: hashed assets
// cached for a year (served pre-compressed when the build wrote .br/.gz next to them),
// index.html never cached, and any other HTML navigation outside /v1 answered with
// index.html so the app's own router can take it (SPA fallback). API-looking paths and
// non-HTML requests keep the usual 404 envelope.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { projectPath } from '../paths.js';

export const WEB_DIST = projectPath('web', 'dist');
const NOT_APP = /^\/(v1|healthz|readyz|metrics)(\/|$|\?)/;

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Atrium</title>
<p>The web app is not built yet. Run <code>npm run build:web</code> (or <code>npm start</code>, which builds it) and reload.</p>`;

/**
 * The app's scripts, styles and API calls come from this origin only: an injected script (or an
 * inline one) does not run, and nothing can be sent elsewhere. The favicon is a data: URL.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:", "font-src 'self'",
  "connect-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

function wantsHtml(req: FastifyRequest): boolean {
  return req.method === 'GET' && !NOT_APP.test(req.url) && (req.headers.accept ?? '').includes('text/html');
}

export function registerWebApp(app: FastifyInstance, dir: string = WEB_DIST): void {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) {
    app.get('/*', async (req: FastifyRequest, reply: FastifyReply) => {
      if (!wantsHtml(req)) return reply.callNotFound();
      return reply.code(503).type('text/html; charset=utf-8').header('content-security-policy', CONTENT_SECURITY_POLICY).send(NOT_BUILT);
    });
    return;
  }
  // One route for the whole app (no route per file): a built file by its exact path, else
  // index.html for HTML navigations, else the API's 404.
  const files = new Set(listFiles(dir));
  void app.register(fastifyStatic, {
    root: dir,
    serve: false,
    preCompressed: true,
    cacheControl: false,
    setHeaders: (res, path) => {
      // `path` is the file sent: with pre-compression, index.html.br or index.html.gz.
      const html = /\.html(\.(br|gz))?$/.test(path);
      if (html) res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
      res.setHeader('cache-control', html ? 'no-cache' : path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'public, max-age=3600');
    },
  });
  app.get('/*', async (req: FastifyRequest, reply: FastifyReply) => {
    const path = safeDecode(req.url.split('?')[0]!.slice(1));
    if (path && files.has(path)) return reply.sendFile(path);
    if (!wantsHtml(req)) return reply.callNotFound();
    return reply.sendFile('index.html');
  });
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return '';
  }
}

/** Every file of the build, relative, without the pre-compressed copies. */
function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) return listFiles(dir, rel);
    return /\.(gz|br)$/.test(e.name) ? [] : [rel];
  });
}
