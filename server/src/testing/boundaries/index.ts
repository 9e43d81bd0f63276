// The module boundaries of ARCHITECTURE.md, checked statically (issue 12). Pure functions over
// source text: the census test (server/src/boundaries.test.ts) reads the files and holds the list
// of crossings that exist today; these files know nothing of that list.
//
// Rules (a finding names file:line, the rule and a `what` that KNOWN_CROSSINGS entries match):
//  module-import     code imports another module only through its index.ts (`../<m>/index.js`).
//                    Type-only imports, re-exports, `import()` and `typeof import()` count too.
//                    Tests (*.test.ts) and fixtures (testing.ts, *-testing.ts, server/src/testing/**)
//                    may also import another module's fixtures — never its internals. The root
//                    schema.ts may import each module's schema.ts (that is how Database is composed).
//  platform-import   server/src/platform/** (tests excepted) imports no module, types included, and
//                    none of the root files that compose the modules (schema.ts, app.ts, main.ts,
//                    seed.ts) — importing those is depending on every module at once.
//  fixture-import    code that is neither a test nor a fixture imports no fixture.
//  ledger-tables     only the ledger module reads or writes `diffs` / `annotations` (anywhere in
//                    server/src outside tests and fixtures).
//  own-tables        a module's (or the platform's) SQL touches only its own tables, and the root
//                    files (main.ts, seed.ts, app.ts) touch none; ownership comes from the
//                    per-module table interfaces that server/src/schema.ts composes into Database,
//                    except the platform's tables (PLATFORM_TABLES, pgboss.*).
//  schema-owner      a module's schema.ts declares no platform table.
//  undeclared-table  SQL touches a table that migrations create but no schema.ts declares.
//  system-why        every systemTx( call outside server/src/platform/db/ (tests excepted) has a
//                    comment containing `system:` on its line(s) or just above, saying why it
//                    bypasses row-level security.
//  module-tables     a module definition's `tables` (defineModule in its index.ts) are exactly the
//                    tables its schema.ts declares (checkModuleDefinitions).
//  module-deps       a module definition's `deps` name every module whose files its shipped code
//                    imports (its index.ts or, a module-import crossing, anything else of it).
// SQL is found in Kysely calls (selectFrom/insertInto/updateTable/deleteFrom/mergeInto/…Join with a
// literal table) and in string and template literals that read as SQL (sql`` templates always).
// Table names computed at run time (`selectFrom(table)`) cannot be seen.
//
// Files: model.ts (rules, findings, areas), sources.ts (parsing, imports), sql-tables.ts,
// system-tx.ts, ownership.ts (schema files, migrations), checks.ts (the file-level rules),
// module-definitions.ts (module-tables, module-deps), known.ts (KNOWN_CROSSINGS comparison).
export { checkBoundaries, type CheckInput } from './checks.js';
export {
  compareWithKnown,
  describeComparison,
  formatEntry,
  formatFinding,
  type Comparison,
  type KnownCrossing,
} from './known.js';
export {
  areaOf,
  isFixture,
  isTest,
  LEDGER_TABLES,
  PLATFORM_TABLES,
  SRC,
  type Area,
  type Finding,
  type Rule,
  type Source,
} from './model.js';
export { checkModuleDefinitions, type ModuleCheckInput, type ModuleDeclaration } from './module-definitions.js';
export { migrationTables, tableOwnership, type Ownership } from './ownership.js';
export { importsOf, parse, resolveImport, type ImportRef } from './sources.js';
export { tableName, tableRefsOf, type Mode, type TableRef } from './sql-tables.js';
export { systemTxCallsOf, type SystemTxCall } from './system-tx.js';
