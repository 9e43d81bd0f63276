// The file-level rules: imports, SQL table references and systemTx comments, one finding per crossing.
import { posix } from 'node:path';
import {
  areaName,
  areaOf,
  isFixture,
  isTest,
  LEDGER_TABLES,
  PLATFORM_SCHEMAS,
  ROOT_COMPOSERS,
  SRC,
  testish,
  type Finding,
  type Source,
} from './model.js';
import type { Ownership } from './ownership.js';
import { importsOf, parse, resolveImport } from './sources.js';
import { tableRefsOf } from './sql-tables.js';
import { systemTxCallsOf } from './system-tx.js';

export interface CheckInput {
  /** TypeScript files (server/src/**). */
  sources: readonly Source[];
  ownership: Ownership;
  /** Tables the migrations create (to recognise undeclared ones in raw SQL). */
  created: ReadonlyMap<string, unknown>;
}

const isPlatformSchemaTable = (t: string): boolean => PLATFORM_SCHEMAS.some((s) => t.startsWith(`${s}.`));

export function checkBoundaries({ sources, ownership, created }: CheckInput): Finding[] {
  const findings: Finding[] = [];
  const push = (f: Finding): void => void findings.push(f);
  const { owners } = ownership;
  const isTable = (t: string): boolean => owners.has(t) || created.has(t) || isPlatformSchemaTable(t);

  for (const m of ownership.misplaced) {
    push({
      file: m.file,
      line: m.line,
      rule: 'schema-owner',
      what: m.table,
      detail: `${m.table} is a platform table but ${m.file} declares it: move it to server/src/platform/schema.ts`,
    });
  }

  for (const src of sources) {
    const sf = parse(src);
    const area = areaOf(src.path);
    const test = isTest(src.path);
    const fixture = isFixture(src.path);

    // Imports.
    for (const imp of importsOf(sf)) {
      const target = resolveImport(src.path, imp.specifier);
      if (!target) continue;
      const to = areaOf(target);
      const kind = imp.typeOnly ? 'type import' : 'import';
      if (area.kind === 'platform' && !test) {
        const composer = to.kind === 'root' && ROOT_COMPOSERS.includes(posix.basename(target));
        if (to.kind === 'module' || composer) {
          push({
            file: src.path,
            line: imp.line,
            rule: 'platform-import',
            what: imp.specifier,
            detail: `platform ${kind} of ${target}${composer ? ' (which composes the modules)' : ''}: the platform knows no module — invert the dependency (the module registers with the platform)`,
          });
          continue;
        }
      }
      if (isFixture(target) && !testish(src.path) && target !== src.path) {
        push({
          file: src.path,
          line: imp.line,
          rule: 'fixture-import',
          what: imp.specifier,
          detail: `${kind} of the test fixture ${target} from code that ships`,
        });
        continue;
      }
      if (to.kind !== 'module' || (area.kind === 'module' && area.name === to.name)) continue;
      const inner = target.slice(`${SRC}modules/${to.name}/`.length);
      if (inner === 'index.ts') continue;
      if (src.path === `${SRC}schema.ts` && inner === 'schema.ts') continue;
      if ((test || fixture) && isFixture(target)) continue;
      push({
        file: src.path,
        line: imp.line,
        rule: 'module-import',
        what: imp.specifier,
        detail: `${areaName(area)} ${kind}s ${target}, inside module ${to.name}: go through ../${to.name}/index.js (export what is needed there)`,
      });
    }

    // SQL.
    if (!test && !fixture) {
      // The root files (app, main, seed) own no table: they go through the modules' APIs.
      const own =
        area.kind === 'module'
          ? area.name
          : area.kind === 'platform'
            ? 'platform'
            : area.kind === 'root'
              ? ''
              : undefined;
      for (const ref of tableRefsOf(sf, isTable)) {
        const owner = isPlatformSchemaTable(ref.table) ? 'platform' : owners.get(ref.table);
        const how = ref.via === 'kysely' ? 'Kysely' : 'raw SQL';
        if ((LEDGER_TABLES as readonly string[]).includes(ref.table)) {
          if (!(area.kind === 'module' && area.name === 'ledger')) {
            push({
              file: src.path,
              line: ref.line,
              rule: 'ledger-tables',
              what: `${ref.mode} ${ref.table}`,
              detail: `${areaName(area)} ${ref.mode === 'read' ? 'reads' : 'writes'} ${ref.table} (${how}): only the ledger module touches the ledger — use its API (ledger.record / queries exported by modules/ledger/index.ts)`,
            });
          }
          continue;
        }
        if (owner === undefined) {
          if (created.has(ref.table)) {
            push({
              file: src.path,
              line: ref.line,
              rule: 'undeclared-table',
              what: ref.table,
              detail: `${ref.table} is created by a migration but declared in no schema.ts, so it has no owner: declare it in the owning module's schema.ts`,
            });
          }
          continue;
        }
        if (own !== undefined && owner !== own) {
          push({
            file: src.path,
            line: ref.line,
            rule: 'own-tables',
            what: `${ref.mode} ${ref.table}`,
            detail: `${areaName(area)} ${ref.mode === 'read' ? 'reads' : 'writes'} ${ref.table} (${how}), a table of ${owner === 'platform' ? 'the platform' : `module ${owner}`}: ask ${owner === 'platform' ? 'the platform' : `module ${owner}`} through its index.ts`,
          });
        }
      }
    }

    // systemTx.
    if (!test && !src.path.startsWith(`${SRC}platform/db/`)) {
      for (const call of systemTxCallsOf(sf)) {
        if (call.commented) continue;
        push({
          file: src.path,
          line: call.line,
          rule: 'system-why',
          what: `systemTx in ${call.within}`,
          detail: 'systemTx bypasses row-level security: say why on the line above, in a comment containing `system:`',
        });
      }
    }
  }
  return findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.rule.localeCompare(b.rule));
}
