// Every error code the server can answer is documented (ERROR_CODES feeds the OpenAPI document):
// the source is scanned for codes given to AppError and the errors helpers, so a new code that
// is thrown but not declared fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MODULES } from '../modules.js';
import { ERROR_CODES } from './errors.js';

const SRC = fileURLToPath(new URL('..', import.meta.url));
const THROWN = /(?:new AppError\(|errors\.(?:conflict|badRequest)\(|\bcode: )'([A-Z][A-Z_]+)'/g;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'testing' ? [] : sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

describe('error codes', () => {
  it('every code thrown in the server is declared by the platform (ERROR_CODES) or by a module definition', () => {
    const thrown = new Map<string, string>();
    for (const file of sources(SRC)) for (const m of readFileSync(file, 'utf8').matchAll(THROWN)) thrown.set(m[1]!, file.slice(SRC.length));
    expect(thrown.size).toBeGreaterThan(20);
    const declared = new Set([...Object.keys(ERROR_CODES), ...MODULES.flatMap((m) => Object.keys(m.errors ?? {}))]);
    const undeclared = [...thrown].filter(([code]) => !declared.has(code)).map(([code, file]) => `${code} (${file})`);
    expect(undeclared).toEqual([]);
  });
});
