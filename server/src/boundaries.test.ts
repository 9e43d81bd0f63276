// Module boundaries, checked statically (issue 12) — a census over the sources, in the manner of
// the RLS census (platform/db/rls.test.ts): discover everything, compare against an explicit list.
// The rules are in server/src/testing/boundaries/index.ts. In short:
//   module-import     another module only through its index.ts (types too). Tests (*.test.ts) and
//                     fixtures (testing.ts, *-testing.ts, server/src/testing/**) may also import
//                     another module's fixtures, never its internals.
//   platform-import   platform/** (tests excepted) imports no module, nor schema.ts/app.ts/main.ts/
//                     seed.ts, which compose them.
//   fixture-import    shipped code imports no fixture.
//   ledger-tables     only the ledger module reads or writes diffs / annotations.
//   own-tables        a module's (or the platform's) SQL touches only its own tables; the root files
//                     touch none. Ownership: the table interfaces server/src/schema.ts composes.
//   schema-owner      a module's schema.ts declares no platform table.
//   undeclared-table  every table the migrations create is declared in some schema.ts.
//   system-why        every systemTx( outside platform/db/ (tests excepted) has a `system:` comment
//                     on its line or just above, saying why it bypasses RLS.
//   module-tables     each module definition's `tables` (MODULES, server/src/modules.ts) equals the
//                     tables its schema.ts declares.
//   module-deps       each module definition's `deps` names every module its shipped code imports.
// SQL rules apply to shipped code only: tests and fixtures inspect the database from outside.
//
// KNOWN_CROSSINGS is what crosses today. The test fails on a crossing that is not listed and on an
// entry that no longer occurs (or occurs a different number of times): the list only shrinks.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MODULES } from './modules.js';
import {
  checkBoundaries,
  checkModuleDefinitions,
  compareWithKnown,
  describeComparison,
  formatEntry,
  formatFinding,
  importsOf,
  isFixture,
  isTest,
  migrationTables,
  parse,
  resolveImport,
  systemTxCallsOf,
  tableOwnership,
  tableRefsOf,
  type Finding,
  type KnownCrossing,
  type ModuleDeclaration,
  type Ownership,
  type Source,
} from './testing/boundaries/index.js';

const I12 = 'issue 12: to remove';

const KNOWN_CROSSINGS: KnownCrossing[] = [
  // --- module-import: reaching into another module's files ---------------------------------------
];

// ---------------------------------------------------------------------------------------------
// The repository as it is

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const posixPath = (p: string): string => p.split(sep).join('/');
const filesUnder = (dir: string, ext: string): string[] =>
  readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(ext))
    .map((e) => posixPath(relative(ROOT, join(e.parentPath, e.name))))
    .sort();
const read = (path: string): Source => ({ path, text: readFileSync(join(ROOT, path), 'utf8') });

const sources = filesUnder('server/src', '.ts').map(read);
const byPath = new Map(sources.map((s) => [s.path, s]));
const ownership: Ownership = tableOwnership(byPath.get('server/src/platform/db/database.ts')!, byPath);
const created = migrationTables(filesUnder('server/migrations', '.sql').map(read));
const modules: ModuleDeclaration[] = MODULES.map((m) => ({ id: m.id, deps: m.deps, tables: m.tables }));
const findings = [...checkBoundaries({ sources, ownership, created }), ...checkModuleDefinitions({ modules, sources, ownership })];

describe('the census sees the code base (never an empty scan)', () => {
  it('reads every module, the platform and the migrations', () => {
    const modules = new Set(sources.map((s) => /^server\/src\/modules\/([^/]+)\//.exec(s.path)?.[1]).filter(Boolean));
    expect([...modules]).toEqual(
      expect.arrayContaining(['ai', 'identity', 'ledger', 'notifications', 'rules', 'work']),
    );
    expect(sources.some((s) => s.path === 'server/src/platform/db/index.ts')).toBe(true);
    expect(created.size).toBeGreaterThan(20);
  });

  it('takes table ownership from the schema.ts files that Database composes', () => {
    const owner = Object.fromEntries(ownership.owners);
    expect(owner).toMatchObject({
      diffs: 'ledger',
      annotations: 'ledger',
      users: 'identity',
      tasks: 'work',
      rules: 'rules',
      ai_usage: 'ai',
      notifications: 'notifications',
      idempotency_keys: 'platform',
      rate_limit_windows: 'platform',
    });
    expect(ownership.uncomposed, 'a module schema.ts that server/src/schema.ts does not compose').toEqual([]);
  });

  it('every table the migrations create has an owning schema.ts, or a listed undeclared-table crossing', () => {
    const undeclared = [...created.keys()].filter((t) => !ownership.owners.has(t)).sort();
    const listed = [...new Set(KNOWN_CROSSINGS.filter((k) => k.rule === 'undeclared-table').map((k) => k.what))].sort();
    expect(
      undeclared.map((t) => `${t} (${created.get(t)!.file}:${created.get(t)!.line})`),
      'declare these tables in their module schema.ts',
    ).toEqual(
      undeclared.filter((t) => listed.includes(t)).map((t) => `${t} (${created.get(t)!.file}:${created.get(t)!.line})`),
    );
  });

  it('finds what is known to be there: the ledger writes diffs in raw SQL, systemTx is called in several modules', () => {
    const record = parse(byPath.get('server/src/modules/ledger/record.ts')!);
    expect(tableRefsOf(record, (t) => ownership.owners.has(t))).toEqual(
      expect.arrayContaining([expect.objectContaining({ table: 'diffs', mode: 'write', via: 'sql' })]),
    );
    const withSystemTx = new Set(
      sources
        .filter((s) => !s.path.endsWith('.test.ts') && systemTxCallsOf(parse(s)).length > 0)
        .map((s) => s.path.split('/').slice(0, 4).join('/')),
    );
    expect(withSystemTx.size).toBeGreaterThanOrEqual(3);
  });

  it('checks the definition of every module folder (MODULES lists each one, with deps and tables)', () => {
    const folders = [...new Set(sources.map((s) => /^server\/src\/modules\/([^/]+)\/index\.ts$/.exec(s.path)?.[1]).filter(Boolean))];
    expect(modules.map((m) => m.id).sort()).toEqual(folders.sort());
    expect(modules.find((m) => m.id === 'work')).toMatchObject({ deps: expect.arrayContaining(['ledger']), tables: expect.arrayContaining(['tasks']) });
  });
});

describe('module boundaries hold, except the known crossings (which may only shrink)', () => {
  it('no crossing outside KNOWN_CROSSINGS, and every entry still occurs exactly as often as listed', () => {
    const comparison = compareWithKnown(findings, KNOWN_CROSSINGS);
    // Ready-to-paste entries, for the rare crossing that is agreed to stay for now.
    const entries = [...new Set(comparison.unexpected.map((f) => formatEntry(f)))];
    const message = [
      describeComparison(comparison),
      ...(entries.length ? ['', 'as KNOWN_CROSSINGS entries:', ...entries] : []),
    ].join('\n');
    expect(comparison.unexpected.length + comparison.miscounted.length, `\n${message}\n`).toBe(0);
  });

  it('rules reaches nothing of work — not even its index — and does not depend on it (work registers its own rule actions)', () => {
    expect(modules.find((m) => m.id === 'rules')?.deps).not.toContain('work');
    const reaching = sources
      .filter((s) => s.path.startsWith('server/src/modules/rules/') && !isTest(s.path) && !isFixture(s.path))
      .flatMap((s) => importsOf(parse(s)).filter((i) => resolveImport(s.path, i.specifier)?.startsWith('server/src/modules/work/')).map((i) => `${s.path}:${i.line} ${i.specifier}`));
    expect(reaching).toEqual([]);
  });

  it('KNOWN_CROSSINGS entries are unique and each says why and that it is to go', () => {
    const keys = KNOWN_CROSSINGS.map((k) => `${k.file} ${k.rule} ${k.what}`);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
    for (const k of KNOWN_CROSSINGS) expect(k.reason, `${k.file} ${k.what}`).toMatch(/issue 12: to remove$/);
  });
});

// ---------------------------------------------------------------------------------------------
// The checker itself can fail

const SCHEMA_ROOT: Source = {
  path: 'server/src/schema.ts',
  text: `import type { LedgerTables } from './modules/ledger/schema.js';
import type { WorkTables } from './modules/work/schema.js';
import type { PlatformTables } from './platform/schema.js';
export interface Database extends PlatformTables, LedgerTables, WorkTables {}`,
};
const SCHEMAS: Source[] = [
  SCHEMA_ROOT,
  {
    path: 'server/src/platform/schema.ts',
    text: 'export interface PlatformTables { idempotency_keys: { key: string } }',
  },
  {
    path: 'server/src/modules/ledger/schema.ts',
    text: 'export interface LedgerTables { diffs: { id: number }; annotations: { id: string } }',
  },
  {
    path: 'server/src/modules/work/schema.ts',
    text: "export interface WorkTables { tasks: { id: string }; 'workflows': { id: string } }",
  },
];

function check(files: Source[]): Finding[] {
  const all = [...SCHEMAS, ...files];
  const own = tableOwnership(SCHEMA_ROOT, new Map(all.map((s) => [s.path, s])));
  const made = migrationTables([
    {
      path: 'server/migrations/0001.sql',
      text: 'CREATE TABLE diffs (id int);\ncreate unlogged table if not exists side_table (k text);',
    },
  ]);
  return checkBoundaries({ sources: files, ownership: own, created: made });
}
const brief = (fs: Finding[]): string[] => fs.map((f) => `${f.file}:${f.line} ${f.rule} ${f.what}`);

describe('the checker (synthetic sources)', () => {
  it('reports an import that bypasses a module index, with file:line and rule — types, re-exports and import() too', () => {
    const found = check([
      {
        path: 'server/src/modules/work/bad.ts',
        text: [
          "import { record } from '../ledger/record.js';",
          "import type { DiffRow } from '../ledger/model.js';",
          "import { createLedger } from '../ledger/index.js';",
          "import { thing } from './own.js';",
          "export { x } from '../ledger/replay.js';",
          "const lazy = () => import('../ledger/stream.js');",
          "type T = typeof import('../ledger/queries.js');",
        ].join('\n'),
      },
    ]);
    expect(brief(found)).toEqual([
      'server/src/modules/work/bad.ts:1 module-import ../ledger/record.js',
      'server/src/modules/work/bad.ts:2 module-import ../ledger/model.js',
      'server/src/modules/work/bad.ts:5 module-import ../ledger/replay.js',
      'server/src/modules/work/bad.ts:6 module-import ../ledger/stream.js',
      'server/src/modules/work/bad.ts:7 module-import ../ledger/queries.js',
    ]);
    expect(formatFinding(found[0]!)).toMatch(
      /^server\/src\/modules\/work\/bad\.ts:1 \[module-import\] \.\.\/ledger\/record\.js — .*index\.js/,
    );
  });

  it("lets tests and fixtures use other modules' fixtures, never their internals; shipped code uses no fixture", () => {
    const found = check([
      {
        path: 'server/src/modules/rules/x.test.ts',
        text: "import { startAiTestApp } from '../ai/ai-testing.js';\nimport { call } from '../ai/gateway.js';\nimport { t } from '../../testing/harness.js';",
      },
      { path: 'server/src/modules/rules/rules-testing.ts', text: "import { w } from '../work/testing.js';" },
      {
        path: 'server/src/modules/rules/prod.ts',
        text: "import { w } from '../work/testing.js';\nimport { h } from '../../testing/harness.js';\nimport { own } from './rules-testing.js';",
      },
    ]);
    expect(brief(found)).toEqual([
      'server/src/modules/rules/prod.ts:1 fixture-import ../work/testing.js',
      'server/src/modules/rules/prod.ts:2 fixture-import ../../testing/harness.js',
      'server/src/modules/rules/prod.ts:3 fixture-import ./rules-testing.js',
      'server/src/modules/rules/x.test.ts:2 module-import ../ai/gateway.js',
    ]);
  });

  it('reports a platform file importing a module or the root composition, types included (platform tests may)', () => {
    const found = check([
      {
        path: 'server/src/platform/http/x.ts',
        text: "import type { Ledger } from '../../modules/ledger/index.js';\nimport type { Database } from '../../schema.js';\nimport { AppError } from '../errors.js';",
      },
      { path: 'server/src/platform/x.test.ts', text: "import { createApp } from '../app.js';" },
    ]);
    expect(brief(found)).toEqual([
      'server/src/platform/http/x.ts:1 platform-import ../../modules/ledger/index.js',
      'server/src/platform/http/x.ts:2 platform-import ../../schema.js',
    ]);
  });

  it("reports ledger tables touched outside the ledger, and other modules' tables, in Kysely and in raw SQL", () => {
    const found = check([
      {
        path: 'server/src/modules/work/sql.ts',
        text: [
          "await tx.insertInto('diffs').values(row).execute();",
          "await tx.selectFrom('annotations as a').selectAll().execute();",
          'await sql`delete from annotations where id = ${id}`.execute(tx);',
          'await db.executeSql(`select t.id',
          '  from tasks t join "public".diffs d on d.entity_id = t.id`);',
          "await tx.selectFrom('tasks').innerJoin('idempotency_keys', 'a', 'b').execute();",
          'await sql`update pgboss.job set x = 1`.execute(tx);',
          'await sql`insert into side_table values (1)`.execute(tx);',
          "const message = 'Update diffs from tasks in bulk';",
          'await sql`with recent as (select 1) select * from recent`.execute(tx);',
        ].join('\n'),
      },
      {
        path: 'server/src/modules/ledger/ok.ts',
        text: 'await sql`insert into diffs select * from unnest(${x})`.execute(tx);',
      },
      {
        path: 'server/src/platform/p.ts',
        text: "await tx.selectFrom('tasks').execute();\nawait sql`update idempotency_keys set hits = 0`.execute(tx);",
      },
      { path: 'server/src/modules/work/q.test.ts', text: 'await sql`select * from diffs`.execute(tx);' },
    ]);
    expect(brief(found)).toEqual([
      'server/src/modules/work/sql.ts:1 ledger-tables write diffs',
      'server/src/modules/work/sql.ts:2 ledger-tables read annotations',
      'server/src/modules/work/sql.ts:3 ledger-tables write annotations',
      'server/src/modules/work/sql.ts:5 ledger-tables read diffs',
      'server/src/modules/work/sql.ts:6 own-tables read idempotency_keys',
      'server/src/modules/work/sql.ts:7 own-tables write pgboss.job',
      'server/src/modules/work/sql.ts:8 undeclared-table side_table',
      'server/src/platform/p.ts:1 own-tables read tasks',
    ]);
  });

  it('reports systemTx calls without a `system:` comment on their line or just above', () => {
    const found = check([
      {
        path: 'server/src/modules/work/sys.ts',
        text: [
          'export async function bare(db: Db) {',
          '  return db.systemTx((tx) => go(tx));', // 2: reported
          '}',
          'export async function explained(db: Db) {',
          '  // system: every tenant is swept, before any tenant is known',
          '  // (one transaction for all of them)',
          '  const rows = await db',
          '    .systemTx((tx) => go(tx));',
          '  await db.systemTx((tx) => go(tx)); // system: the token decides the tenant',
          '  // a comment that says nothing of the kind',
          '  await db.systemTx((tx) => go(tx));', // 11: reported
          "  const system = { note: 'system: in a string is not a comment' }; await db.systemTx(f);", // 12: reported
          '}',
        ].join('\n'),
      },
      { path: 'server/src/platform/db/index.ts', text: 'export const x = (db: Db) => db.systemTx(f);' },
      { path: 'server/src/modules/work/sys.test.ts', text: 'await t.app.db.systemTx(f);' },
    ]);
    expect(brief(found)).toEqual([
      'server/src/modules/work/sys.ts:2 system-why systemTx in bare',
      'server/src/modules/work/sys.ts:11 system-why systemTx in explained',
      'server/src/modules/work/sys.ts:12 system-why systemTx in explained',
    ]);
  });

  it('gives platform tables to the platform, and reports a module schema.ts declaring one', () => {
    const work: Source = {
      path: 'server/src/modules/work/schema.ts',
      text: 'export interface WorkTables {\n  tasks: { id: string };\n  rate_limit_windows: { key: string };\n}',
    };
    const files = new Map([...SCHEMAS, work].map((s) => [s.path, s]));
    const own = tableOwnership(SCHEMA_ROOT, files);
    expect(own.owners.get('rate_limit_windows')).toBe('platform');
    expect(own.misplaced).toEqual([{ table: 'rate_limit_windows', file: work.path, line: 3, declaredBy: 'work' }]);
    const found = checkBoundaries({
      sources: [
        { path: 'server/src/platform/http/rl.ts', text: 'await sql`delete from rate_limit_windows`.execute(tx);' },
      ],
      ownership: own,
      created: new Map(),
    });
    expect(brief(found)).toEqual(['server/src/modules/work/schema.ts:3 schema-owner rate_limit_windows']);
  });

  it('takes the tables the migrations leave: created, less those a later migration drops', () => {
    const made = migrationTables([
      { path: 'server/migrations/0001.sql', text: 'CREATE TABLE a (k int);\nCREATE TABLE IF NOT EXISTS b (k int);\ncreate table c (k int);' },
      { path: 'server/migrations/0002.sql', text: 'INSERT INTO c2 SELECT * FROM a;\nDROP TABLE a;\ndrop table if exists "b";' },
      { path: 'server/migrations/0003.sql', text: '\nCREATE TABLE b (k int);' },
    ]);
    expect(Object.fromEntries(made)).toEqual({
      c: { file: 'server/migrations/0001.sql', line: 3 },
      b: { file: 'server/migrations/0003.sql', line: 2 },
    });
  });

  it("reports a module definition whose tables differ from its schema.ts, or whose deps miss a module its code imports", () => {
    const own = tableOwnership(SCHEMA_ROOT, new Map(SCHEMAS.map((s) => [s.path, s])));
    const index: Source = {
      path: 'server/src/modules/work/index.ts',
      text: [
        "import type { Ledger } from '../ledger/index.js';",
        'export const workModule = defineModule({',
        "  id: 'work', namespace: 'flow_os', deps: [],",
        "  tables: ['tasks', 'diffs', 'ghosts'],",
        '  create: () => ({}),',
        '});',
      ].join('\n'),
    };
    const found = checkModuleDefinitions({
      modules: [
        { id: 'work', deps: [], tables: ['tasks', 'diffs', 'ghosts'] },
        { id: 'ledger', deps: [], tables: ['diffs', 'annotations'] },
      ],
      sources: [
        index,
        { path: 'server/src/modules/work/more.ts', text: "import { x } from '../ai/gateway.js';\nimport { y } from './own.js';" },
        { path: 'server/src/modules/work/x.test.ts', text: "import { z } from '../rules/index.js';" },
        { path: 'server/src/modules/work/testing.ts', text: "import { z } from '../notifications/index.js';" },
        { path: 'server/src/modules/ledger/index.ts', text: "import { y } from './own.js';" },
      ],
      ownership: own,
    });
    expect(brief(found)).toEqual([
      'server/src/modules/work/index.ts:3 module-deps deps lacks ai',
      'server/src/modules/work/index.ts:3 module-deps deps lacks ledger',
      'server/src/modules/work/index.ts:4 module-tables tables has diffs',
      'server/src/modules/work/index.ts:4 module-tables tables has ghosts',
      'server/src/modules/work/index.ts:4 module-tables tables lacks workflows',
    ]);
    expect(found.find((f) => f.what === 'deps lacks ai')!.detail).toContain('server/src/modules/work/more.ts:1');
    expect(found.find((f) => f.what === 'tables has diffs')!.detail).toContain('module ledger');
    expect(
      checkModuleDefinitions({
        modules: [{ id: 'work', deps: ['ledger', 'ai'], tables: ['workflows', 'tasks'] }],
        sources: [index],
        ownership: own,
      }),
    ).toEqual([]);
  });

  it('fails on a crossing not listed and on a listed one that is gone or occurs a different number of times', () => {
    const f = (line: number, what: string): Finding => ({
      file: 'server/src/modules/work/a.ts',
      line,
      rule: 'ledger-tables',
      what,
      detail: 'd',
    });
    const known: KnownCrossing[] = [
      { file: 'server/src/modules/work/a.ts', rule: 'ledger-tables', what: 'read diffs', count: 2, reason: I12 },
      { file: 'server/src/modules/work/a.ts', rule: 'ledger-tables', what: 'read annotations', reason: I12 },
      { file: 'server/src/modules/work/gone.ts', rule: 'module-import', what: '../ledger/model.js', reason: I12 },
    ];
    const c = compareWithKnown(
      [f(3, 'read diffs'), f(9, 'read diffs'), f(4, 'read annotations'), f(5, 'read annotations'), f(6, 'write diffs')],
      known,
    );
    expect(c.unexpected.map((x) => x.line)).toEqual([6]);
    expect(c.miscounted.map((m) => [m.entry.what, m.found.length])).toEqual([
      ['read annotations', 2],
      ['../ledger/model.js', 0],
    ]);
    const text = describeComparison(c);
    expect(text).toContain('server/src/modules/work/a.ts:6 [ledger-tables] write diffs');
    expect(text).toContain('occur 1 time(s), it occurs 2');
    expect(text).toContain(
      'no longer occurs — delete it: server/src/modules/work/gone.ts [module-import] ../ledger/model.js',
    );
    expect(compareWithKnown([f(3, 'read diffs'), f(9, 'read diffs')], known.slice(0, 1))).toEqual({
      unexpected: [],
      miscounted: [],
    });
  });
});
