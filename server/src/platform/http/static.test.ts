// The web app is served at `/` with an SPA fallback, without shadowing the API's 404s.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { registerWebApp } from './static.js';

const dir = mkdtempSync(join(tmpdir(), 'atrium-web-'));
mkdirSync(join(dir, 'assets'));
writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function server(root: string) {
  const app = Fastify();
  app.get('/v1/known', async () => ({ ok: true }));
  registerWebApp(app, root);
  await app.ready();
  return app;
}

describe('web app serving', () => {
  it('serves index.html at / and for app paths, assets with long cache', async () => {
    const app = await server(dir);
    const root = await app.inject({ url: '/', headers: { accept: 'text/html' } });
    expect(root.statusCode).toBe(200);
    expect(root.body).toContain('id="root"');
    const deep = await app.inject({ url: '/workflows/wf_1?view=board', headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(deep.statusCode).toBe(200);
    expect(deep.headers['cache-control']).toBe('no-cache');
    const asset = await app.inject({ url: '/assets/index-abc.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    await app.close();
  });

  it('leaves /v1 and non-HTML requests to the 404 handler', async () => {
    const app = await server(dir);
    expect((await app.inject({ url: '/v1/known' })).json()).toEqual({ ok: true });
    expect((await app.inject({ url: '/v1/nope', headers: { accept: 'text/html' } })).statusCode).toBe(404);
    expect((await app.inject({ url: '/nope.json', headers: { accept: 'application/json' } })).statusCode).toBe(404);
    await app.close();
  });

  it('says how to build when the build is missing', async () => {
    const app = await server(join(dir, 'missing'));
    const res = await app.inject({ url: '/', headers: { accept: 'text/html' } });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build:web');
    await app.close();
  });
});
