// The vocabulary of the boundary census: files, findings, rules and where a file sits
// (a module, the platform, the fixtures, a root file).
import { posix } from 'node:path';

export type Rule =
  | 'module-import'
  | 'platform-import'
  | 'fixture-import'
  | 'ledger-tables'
  | 'own-tables'
  | 'schema-owner'
  | 'undeclared-table'
  | 'system-why'
  | 'module-tables'
  | 'module-deps';

/** A file, `path` relative to the repository root with forward slashes (server/src/…). */
export interface Source {
  path: string;
  text: string;
}

export interface Finding {
  file: string;
  line: number;
  rule: Rule;
  /** What crosses, stable across edits (no line numbers): an import specifier, `write diffs`, a table, a function. */
  what: string;
  /** One sentence for a developer: what is wrong and what to do. */
  detail: string;
}

export const SRC = 'server/src/';
/** Tables only the ledger module may touch. */
export const LEDGER_TABLES = ['diffs', 'annotations'] as const;
/** Tables of the platform, whichever schema.ts declares them (pg-boss's own schema is the platform's too). */
export const PLATFORM_TABLES = ['idempotency_keys', 'rate_limit_windows', 'platform_secrets', 'blobs', 'blob_parts'] as const;
export const PLATFORM_SCHEMAS = ['pgboss'];
/** Root files that compose the modules: a platform file importing one depends on every module. */
export const ROOT_COMPOSERS = ['schema.ts', 'app.ts', 'main.ts', 'seed.ts'];

// ---------------------------------------------------------------------------------------------
// Where a file sits

export type Area =
  | { kind: 'module'; name: string }
  | { kind: 'platform' }
  | { kind: 'testing' }
  | { kind: 'root' }
  | { kind: 'outside' };

export function areaOf(path: string): Area {
  if (!path.startsWith(SRC)) return { kind: 'outside' };
  const rest = path.slice(SRC.length);
  const m = /^modules\/([^/]+)\//.exec(rest);
  if (m) return { kind: 'module', name: m[1]! };
  if (rest.startsWith('platform/')) return { kind: 'platform' };
  if (rest.startsWith('testing/')) return { kind: 'testing' };
  return rest.includes('/') ? { kind: 'outside' } : { kind: 'root' };
}

export const areaName = (a: Area): string =>
  a.kind === 'module' ? `module ${a.name}` : a.kind === 'root' ? 'root file' : a.kind;
export const isTest = (path: string): boolean => /\.test\.ts$/.test(path);
export const isFixture = (path: string): boolean => {
  const base = posix.basename(path);
  return base === 'testing.ts' || /-testing\.ts$/.test(base) || areaOf(path).kind === 'testing';
};
/** Tests and fixtures: not shipped behaviour, allowed to reach other modules' fixtures and to query anything. */
export const testish = (path: string): boolean => isTest(path) || isFixture(path);
