#!/usr/bin/env node
// `npx atrium …`: runs the server compiled to JavaScript (.build/server/main.mjs, built here by
// scripts/build-server.mjs when a source changed since the last build), as `npm start` does: no
// TypeScript loader in the process (~80 MB less resident: README, embedded mode). When it cannot
// be built (a read-only checkout, say), the TypeScript sources run through tsx instead.
import { pathToFileURL } from 'node:url';
import { buildServer } from '../scripts/build-server.mjs';

let entry = null;
try {
  ({ entry } = await buildServer({ ifStale: true, quiet: true }));
} catch (err) {
  const why = err?.errors?.[0]?.text ?? err?.message ?? String(err);
  console.warn(`atrium: the server could not be compiled (${why}); running its TypeScript sources through tsx`);
}
if (entry) {
  // Stack traces name the TypeScript sources (the bundle's source map), as under npm start.
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(entry).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../server/src/main.ts');
}
