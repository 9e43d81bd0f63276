// The module boundaries of ARCHITECTURE.md, checked statically (issue 12). Pure functions over
// source text: the census test (server/src/boundaries.test.ts) reads the files and holds the list
// of crossings that exist today; this file knows nothing of that list.
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
import { posix } from 'node:path';
import ts from 'typescript';

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
export const PLATFORM_TABLES = ['idempotency_keys', 'rate_limit_windows', 'platform_secrets'] as const;
const PLATFORM_SCHEMAS = ['pgboss'];
/** Root files that compose the modules: a platform file importing one depends on every module. */
const ROOT_COMPOSERS = ['schema.ts', 'app.ts', 'main.ts', 'seed.ts'];

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

const areaName = (a: Area): string =>
  a.kind === 'module' ? `module ${a.name}` : a.kind === 'root' ? 'root file' : a.kind;
export const isTest = (path: string): boolean => /\.test\.ts$/.test(path);
export const isFixture = (path: string): boolean => {
  const base = posix.basename(path);
  return base === 'testing.ts' || /-testing\.ts$/.test(base) || areaOf(path).kind === 'testing';
};
/** Tests and fixtures: not shipped behaviour, allowed to reach other modules' fixtures and to query anything. */
const testish = (path: string): boolean => isTest(path) || isFixture(path);

// ---------------------------------------------------------------------------------------------
// Parsing

export function parse(src: Source): ts.SourceFile {
  return ts.createSourceFile(src.path, src.text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

const lineOf = (sf: ts.SourceFile, pos: number): number => sf.getLineAndCharacterOfPosition(pos).line + 1;

function walk(node: ts.Node, visit: (n: ts.Node) => void): void {
  visit(node);
  ts.forEachChild(node, (c) => walk(c, visit));
}

export interface ImportRef {
  specifier: string;
  line: number;
  typeOnly: boolean;
}

/** Every module specifier the file names: import/export … from, import x = require, import(), typeof import(). */
export function importsOf(sf: ts.SourceFile): ImportRef[] {
  const out: ImportRef[] = [];
  const add = (lit: ts.Node | undefined, typeOnly: boolean): void => {
    if (lit && ts.isStringLiteralLike(lit))
      out.push({ specifier: lit.text, line: lineOf(sf, lit.getStart(sf)), typeOnly });
  };
  walk(sf, (n) => {
    if (ts.isImportDeclaration(n)) add(n.moduleSpecifier, !!n.importClause?.isTypeOnly);
    else if (ts.isExportDeclaration(n)) add(n.moduleSpecifier, n.isTypeOnly);
    else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference))
      add(n.moduleReference.expression, n.isTypeOnly);
    else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) add(n.arguments[0], false);
    else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument)) add(n.argument.literal, true);
  });
  return out;
}

/** The repository path a relative specifier names (`.js` → `.ts`), or undefined for packages. */
export function resolveImport(fromPath: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const joined = posix.normalize(posix.join(posix.dirname(fromPath), specifier));
  return joined.replace(/\.(m|c)?js$/, '.$1ts');
}

export type Mode = 'read' | 'write';
export interface TableRef {
  table: string;
  mode: Mode;
  line: number;
  via: 'kysely' | 'sql';
}

const KYSELY_METHODS: Record<string, Mode> = {
  selectFrom: 'read',
  innerJoin: 'read',
  leftJoin: 'read',
  rightJoin: 'read',
  fullJoin: 'read',
  crossJoin: 'read',
  innerJoinLateral: 'read',
  leftJoinLateral: 'read',
  crossJoinLateral: 'read',
  insertInto: 'write',
  replaceInto: 'write',
  updateTable: 'write',
  deleteFrom: 'write',
  mergeInto: 'write',
  using: 'read',
};

/** `'tasks as t'` → tasks; `'public.tasks'` → tasks; `'pgboss.job'` stays qualified. */
export function tableName(raw: string): string {
  const first = raw.trim().split(/\s+/)[0] ?? '';
  const unquoted = first.replace(/"/g, '').toLowerCase();
  return unquoted.startsWith('public.') ? unquoted.slice('public.'.length) : unquoted;
}

const IDENT = String.raw`((?:"?[A-Za-z_][A-Za-z0-9_]*"?\.)?"?[A-Za-z_][A-Za-z0-9_]*"?)`;
const SQL_PATTERNS: { re: RegExp; mode: Mode }[] = [
  { re: new RegExp(String.raw`\binsert\s+into\s+${IDENT}`, 'gi'), mode: 'write' },
  { re: new RegExp(String.raw`\bmerge\s+into\s+${IDENT}`, 'gi'), mode: 'write' },
  { re: new RegExp(String.raw`\bupdate\s+(?:only\s+)?${IDENT}`, 'gi'), mode: 'write' },
  { re: new RegExp(String.raw`\bdelete\s+from\s+(?:only\s+)?${IDENT}`, 'gi'), mode: 'write' },
  { re: new RegExp(String.raw`\btruncate\s+(?:table\s+)?(?:only\s+)?${IDENT}`, 'gi'), mode: 'write' },
  {
    re: new RegExp(String.raw`(?<!\bdelete\s+)\b(?:from|join|using)\s+(?:only\s+|lateral\s+)?${IDENT}`, 'gi'),
    mode: 'read',
  },
];
/**
 * A literal that is not a sql`` template counts as SQL only if it reads like a statement, its
 * keywords all lower or all upper case (prose such as 'Update tasks in bulk' is capitalised).
 */
const STATEMENT_START =
  /^\s*\(?\s*(select|insert|update|delete|with|truncate|merge|create|alter|drop|grant|revoke|SELECT|INSERT|UPDATE|DELETE|WITH|TRUNCATE|MERGE|CREATE|ALTER|DROP|GRANT|REVOKE)\b/;
const STATEMENT_INSIDE =
  /\bselect\b[\s\S]*\bfrom\b|\binsert\s+into\b|\bdelete\s+from\b|\bupdate\s+\S+(?:\s+(?:as\s+)?\w+)?\s+set\b/;
const looksLikeSql = (text: string): boolean =>
  STATEMENT_START.test(text) ||
  STATEMENT_INSIDE.test(text) ||
  (text === text.toUpperCase() && STATEMENT_INSIDE.test(text.toLowerCase()));

const isSqlTag = (tag: ts.Expression): boolean =>
  (ts.isIdentifier(tag) && tag.text === 'sql') || (ts.isPropertyAccessExpression(tag) && tag.name.text === 'sql');

/** Text of a literal as it sits in the file, `${…}` substitutions blanked (newlines kept) so offsets map to lines. */
function literalText(
  sf: ts.SourceFile,
  node: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | ts.TemplateExpression,
): { text: string; start: number } {
  const start = node.getStart(sf);
  let text = sf.text.slice(start, node.end);
  if (ts.isTemplateExpression(node)) {
    const chars = [...text];
    for (const span of node.templateSpans) {
      for (let i = span.expression.getFullStart() - start; i < span.expression.end - start; i++)
        if (chars[i] !== '\n') chars[i] = ' ';
    }
    text = chars.join('');
  }
  return { text, start };
}

/**
 * Tables the file's SQL touches. `isTable` filters raw-SQL words (after from/join/into/update …) to
 * real tables, so CTE names, aliases, functions and prose are not taken for tables.
 */
export function tableRefsOf(sf: ts.SourceFile, isTable: (name: string) => boolean): TableRef[] {
  const out: TableRef[] = [];
  const kyselyArg = (arg: ts.Expression | undefined, mode: Mode): void => {
    if (!arg) return;
    const lits = ts.isArrayLiteralExpression(arg) ? arg.elements : [arg];
    for (const lit of lits) {
      if (ts.isStringLiteralLike(lit))
        out.push({ table: tableName(lit.text), mode, line: lineOf(sf, lit.getStart(sf)), via: 'kysely' });
    }
  };
  const scanSql = (
    node: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | ts.TemplateExpression,
    tagged: boolean,
  ): void => {
    const { text, start } = literalText(sf, node);
    if (!tagged && !looksLikeSql(text.slice(1))) return; // past the opening quote
    for (const { re, mode } of SQL_PATTERNS) {
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        const table = tableName(m[1]!);
        if (isTable(table))
          out.push({ table, mode, line: lineOf(sf, start + m.index + m[0].length - m[1]!.length), via: 'sql' });
      }
    }
  };
  walk(sf, (n) => {
    if (ts.isCallExpression(n)) {
      const callee = n.expression;
      const name = ts.isPropertyAccessExpression(callee)
        ? callee.name.text
        : ts.isIdentifier(callee)
          ? callee.text
          : undefined;
      const mode = name !== undefined && Object.hasOwn(KYSELY_METHODS, name) ? KYSELY_METHODS[name] : undefined;
      if (mode && ts.isPropertyAccessExpression(callee)) kyselyArg(n.arguments[0], mode);
    } else if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateExpression(n)) {
      const parent = n.parent;
      if (
        ts.isImportDeclaration(parent) ||
        ts.isExportDeclaration(parent) ||
        ts.isExternalModuleReference(parent) ||
        ts.isLiteralTypeNode(parent)
      )
        return;
      const tagged = ts.isTaggedTemplateExpression(parent) && parent.template === n && isSqlTag(parent.tag);
      scanSql(n, tagged);
    }
  });
  return out;
}

export interface SystemTxCall {
  line: number;
  /** The named function, method or route the call sits in. */
  within: string;
  commented: boolean;
}

const COMMENT_LINE = /^\s*(\/\/|\/\*|\*)/;
const SYSTEM_COMMENT = /(\/\/|\/\*|^\s*\*).*\bsystem:/;

function enclosingName(node: ts.Node): string {
  const names: string[] = [];
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    let name: string | undefined;
    if (
      (ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isClassDeclaration(n) || ts.isGetAccessor(n)) &&
      n.name
    )
      name = n.name.getText();
    else if (ts.isConstructorDeclaration(n)) name = 'constructor';
    else if ((ts.isArrowFunction(n) || ts.isFunctionExpression(n)) && ts.isVariableDeclaration(n.parent))
      name = n.parent.name.getText();
    else if (
      (ts.isArrowFunction(n) || ts.isFunctionExpression(n)) &&
      (ts.isPropertyAssignment(n.parent) || ts.isPropertyDeclaration(n.parent))
    )
      name = n.parent.name.getText();
    else if (ts.isObjectLiteralExpression(n)) {
      // A route definition: name it by its url.
      const url = n.properties.find((p) => ts.isPropertyAssignment(p) && p.name.getText() === 'url');
      if (url && ts.isPropertyAssignment(url) && ts.isStringLiteralLike(url.initializer)) name = url.initializer.text;
    }
    if (name && names[0] !== name) names.unshift(name);
    if (ts.isClassDeclaration(n) || ts.isFunctionDeclaration(n)) break;
  }
  // Drop `handler` under a route url: the url says more.
  return (
    names.filter((x, i) => !(x === 'handler' && i > 0 && names[i - 1]!.startsWith('/'))).join('.') || '<top level>'
  );
}

function statementOf(node: ts.Node): ts.Node {
  let n = node;
  while (
    n.parent &&
    !ts.isBlock(n.parent) &&
    !ts.isSourceFile(n.parent) &&
    !ts.isCaseClause(n.parent) &&
    !ts.isDefaultClause(n.parent) &&
    !ts.isClassLike(n.parent)
  )
    n = n.parent;
  return n;
}

/** Every call of systemTx(…), and whether a `system:` comment says why it bypasses RLS. */
export function systemTxCallsOf(sf: ts.SourceFile): SystemTxCall[] {
  const lines = sf.text.split('\n');
  const out: SystemTxCall[] = [];
  const commentAbove = (line: number): boolean => {
    for (let k = line - 2; k >= 0 && COMMENT_LINE.test(lines[k]!); k--) if (/\bsystem:/.test(lines[k]!)) return true;
    return false;
  };
  walk(sf, (n) => {
    if (!ts.isCallExpression(n)) return;
    const callee = n.expression;
    const nameNode = ts.isPropertyAccessExpression(callee) ? callee.name : ts.isIdentifier(callee) ? callee : undefined;
    if (!nameNode || nameNode.text !== 'systemTx') return;
    const callLine = lineOf(sf, nameNode.getStart(sf));
    const stmtLine = lineOf(sf, statementOf(n).getStart(sf));
    let commented = commentAbove(stmtLine) || commentAbove(callLine);
    for (let l = Math.min(stmtLine, callLine); l <= callLine && !commented; l++)
      commented = SYSTEM_COMMENT.test(lines[l - 1]!);
    out.push({ line: callLine, within: enclosingName(n), commented });
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Table ownership

export interface Ownership {
  /** table → owner: a module name or 'platform'. */
  owners: Map<string, string>;
  /** Module tables that are the platform's, with where they are declared. */
  misplaced: { table: string; file: string; line: number; declaredBy: string }[];
  /** Module schema.ts files that Database does not compose. */
  uncomposed: string[];
}

/** `interface Database` declarations of a file: top level, or inside `declare module '…' { … }`. */
function databaseInterfaces(sf: ts.SourceFile): ts.InterfaceDeclaration[] {
  const out: ts.InterfaceDeclaration[] = [];
  for (const st of sf.statements) {
    if (ts.isInterfaceDeclaration(st) && st.name.text === 'Database') out.push(st);
    if (ts.isModuleDeclaration(st) && st.body && ts.isModuleBlock(st.body)) {
      for (const inner of st.body.statements) if (ts.isInterfaceDeclaration(inner) && inner.name.text === 'Database') out.push(inner);
    }
  }
  return out;
}

/**
 * Ownership as the code composes `Database`: the platform's declaration (`rootSchema`,
 * platform/db/database.ts) and each module schema.ts's augmentation
 * (`declare module '…/database.js' { interface Database extends XTables {} }`). Each X is
 * declared in that file or imported into it; the members of X are the tables of the file's area.
 */
export function tableOwnership(rootSchema: Source, files: ReadonlyMap<string, Source>): Ownership {
  const owners = new Map<string, string>();
  const misplaced: Ownership['misplaced'] = [];
  const composed = new Set<string>();
  const composers = [rootSchema, ...[...files.values()].filter((f) => f.path !== rootSchema.path && /\bDatabase\b/.test(f.text))];
  let found = 0;
  for (const composer of composers) {
    const sf = parse(composer);
    const dbs = databaseInterfaces(sf);
    if (dbs.length === 0) continue;
    found += dbs.length;
    const importedFrom = new Map<string, string>();
    for (const st of sf.statements) {
      if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier)) continue;
      const target = resolveImport(composer.path, st.moduleSpecifier.text);
      const named = st.importClause?.namedBindings;
      if (target && named && ts.isNamedImports(named))
        for (const el of named.elements) importedFrom.set(el.name.text, target);
    }
    for (const db of dbs) {
      for (const clause of db.heritageClauses ?? []) {
        for (const t of clause.types) {
          const typeName = t.expression.getText(sf);
          const file = importedFrom.get(typeName) ?? composer.path;
          const src = files.get(file) ?? (file === composer.path ? composer : undefined);
          if (!src) throw new Error(`${composer.path}: Database extends ${typeName}, whose schema file was not found`);
          composed.add(file);
          const area = areaOf(file);
          const owner = area.kind === 'module' ? area.name : area.kind;
          const tsf = parse(src);
          const decl = tsf.statements.find(
            (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === typeName,
          );
          if (!decl) throw new Error(`${file}: no interface ${typeName}`);
          for (const member of decl.members) {
            if (!member.name) continue;
            const table = tableName(
              ts.isIdentifier(member.name) || ts.isStringLiteral(member.name) ? member.name.text : member.name.getText(tsf),
            );
            const isPlatform = (PLATFORM_TABLES as readonly string[]).includes(table);
            if (isPlatform && owner !== 'platform')
              misplaced.push({ table, file, line: lineOf(tsf, member.getStart(tsf)), declaredBy: owner });
            owners.set(table, isPlatform ? 'platform' : owner);
          }
        }
      }
    }
  }
  if (found === 0) throw new Error(`${rootSchema.path}: no interface Database`);
  const uncomposed = [...files.keys()].filter(
    (p) => /^server\/src\/modules\/[^/]+\/schema\.ts$/.test(p) && !composed.has(p),
  );
  return { owners, misplaced, uncomposed };
}

/**
 * Tables the migrations (in the order given: the order they apply in) leave behind:
 * `CREATE [UNLOGGED] TABLE [IF NOT EXISTS] name`, less those a later `DROP TABLE [IF EXISTS] name` removes.
 */
export function migrationTables(migrations: readonly Source[]): Map<string, { file: string; line: number }> {
  const out = new Map<string, { file: string; line: number }>();
  const NAME = String.raw`((?:"?\w+"?\.)?"?\w+"?)`;
  const re = new RegExp(
    String.raw`\b(?:(create)\s+(?:unlogged\s+|temp(?:orary)?\s+)?table\s+(?:if\s+not\s+exists\s+)?${NAME}|drop\s+table\s+(?:if\s+exists\s+)?${NAME})`,
    'gi',
  );
  for (const m of migrations) {
    re.lastIndex = 0;
    for (let x = re.exec(m.text); x; x = re.exec(m.text)) {
      if (!x[1]) {
        out.delete(tableName(x[3]!));
        continue;
      }
      const table = tableName(x[2]!);
      if (!out.has(table)) out.set(table, { file: m.path, line: m.text.slice(0, x.index).split('\n').length });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The check

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

// ---------------------------------------------------------------------------------------------
// Module definitions against the code

/** What the census needs of a module definition (platform/module.ts ModuleDefinition). */
export interface ModuleDeclaration {
  id: string;
  deps: readonly string[];
  tables: readonly string[];
}

/** Lines of the `deps` and `tables` properties of the defineModule({…}) call in a module's index.ts. */
function definitionLines(sf: ts.SourceFile): { deps?: number; tables?: number } {
  const out: { deps?: number; tables?: number } = {};
  walk(sf, (n) => {
    if (!ts.isCallExpression(n) || !ts.isIdentifier(n.expression) || n.expression.text !== 'defineModule') return;
    const arg = n.arguments[0];
    if (!arg || !ts.isObjectLiteralExpression(arg)) return;
    for (const p of arg.properties) {
      const name = p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined;
      if (name === 'deps' || name === 'tables') out[name] = lineOf(sf, p.getStart(sf));
    }
  });
  return out;
}

export interface ModuleCheckInput {
  modules: readonly ModuleDeclaration[];
  /** TypeScript files (server/src/**): each module's index.ts and the code whose imports count. */
  sources: readonly Source[];
  ownership: Ownership;
}

/**
 * module-tables: a definition's `tables` against the tables its schema.ts declares (ownership);
 * module-deps: its `deps` against the other modules its shipped code (tests and fixtures excepted)
 * imports, types included. Findings sit on the definition's line in modules/<id>/index.ts.
 */
export function checkModuleDefinitions({ modules, sources, ownership }: ModuleCheckInput): Finding[] {
  const findings: Finding[] = [];
  const byPath = new Map(sources.map((s) => [s.path, s]));
  const imported = new Map<string, Map<string, { file: string; line: number }>>();
  for (const src of sources) {
    const area = areaOf(src.path);
    if (area.kind !== 'module' || testish(src.path)) continue;
    for (const imp of importsOf(parse(src))) {
      const target = resolveImport(src.path, imp.specifier);
      const to = target ? areaOf(target) : undefined;
      if (!to || to.kind !== 'module' || to.name === area.name) continue;
      const of = imported.get(area.name) ?? new Map<string, { file: string; line: number }>();
      imported.set(area.name, of);
      if (!of.has(to.name)) of.set(to.name, { file: src.path, line: imp.line });
    }
  }
  for (const m of modules) {
    const file = `${SRC}modules/${m.id}/index.ts`;
    const index = byPath.get(file);
    const lines = index ? definitionLines(parse(index)) : {};
    const declared = [...ownership.owners].filter(([, owner]) => owner === m.id).map(([t]) => t);
    for (const t of declared.filter((t) => !m.tables.includes(t)).sort()) {
      findings.push({
        file,
        line: lines.tables ?? 1,
        rule: 'module-tables',
        what: `tables lacks ${t}`,
        detail: `modules/${m.id}/schema.ts declares ${t}, the definition's tables do not list it: add it to \`tables\``,
      });
    }
    for (const t of m.tables.filter((t) => !declared.includes(t)).sort()) {
      const owner = ownership.owners.get(t);
      findings.push({
        file,
        line: lines.tables ?? 1,
        rule: 'module-tables',
        what: `tables has ${t}`,
        detail:
          owner === undefined
            ? `the definition lists ${t}, which no schema.ts declares: declare it in modules/${m.id}/schema.ts or drop it from \`tables\``
            : `the definition lists ${t}, a table of ${owner === 'platform' ? 'the platform' : `module ${owner}`}: drop it from \`tables\``,
      });
    }
    for (const [dep, at] of [...(imported.get(m.id) ?? [])].sort(([a], [b]) => a.localeCompare(b))) {
      if (m.deps.includes(dep)) continue;
      findings.push({
        file,
        line: lines.deps ?? 1,
        rule: 'module-deps',
        what: `deps lacks ${dep}`,
        detail: `${at.file}:${at.line} imports module ${dep}, which the definition's deps do not name: add it to \`deps\` (or stop importing it)`,
      });
    }
  }
  return findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.what.localeCompare(b.what));
}

// ---------------------------------------------------------------------------------------------
// Against the list of known crossings

export interface KnownCrossing {
  file: string;
  rule: Rule;
  what: string;
  /** How many findings this entry stands for (default 1): it must match exactly, so the list only shrinks. */
  count?: number;
  reason: string;
}

export interface Comparison {
  /** Findings no entry covers. */
  unexpected: Finding[];
  /** Entries whose count is not what occurs: more (new crossings) or fewer (lower or delete the entry). */
  miscounted: { entry: KnownCrossing; found: Finding[] }[];
}

const keyOf = (x: { file: string; rule: string; what: string }): string => `${x.file}\u0000${x.rule}\u0000${x.what}`;

export function compareWithKnown(findings: readonly Finding[], known: readonly KnownCrossing[]): Comparison {
  const byKey = new Map<string, Finding[]>();
  for (const f of findings) byKey.set(keyOf(f), [...(byKey.get(keyOf(f)) ?? []), f]);
  const listed = new Set(known.map(keyOf));
  const unexpected = findings.filter((f) => !listed.has(keyOf(f)));
  const miscounted = known
    .map((entry) => ({ entry, found: byKey.get(keyOf(entry)) ?? [] }))
    .filter(({ entry, found }) => found.length !== (entry.count ?? 1));
  return { unexpected, miscounted };
}

export const formatFinding = (f: Finding): string => `${f.file}:${f.line} [${f.rule}] ${f.what} — ${f.detail}`;

/** A KNOWN_CROSSINGS entry ready to paste, for the report of unexpected findings. */
export const formatEntry = (f: Finding, count = 1): string =>
  `{ file: '${f.file}', rule: '${f.rule}', what: '${f.what}',${count > 1 ? ` count: ${count},` : ''} reason: '… issue 12: to remove' },`;

export function describeComparison({ unexpected, miscounted }: Comparison): string {
  const parts: string[] = [];
  if (unexpected.length) {
    parts.push(
      `${unexpected.length} boundary crossing(s) not in KNOWN_CROSSINGS — fix them (do not add to the list unless agreed):`,
    );
    for (const f of unexpected) parts.push(`  ${formatFinding(f)}`);
  }
  for (const { entry, found } of miscounted) {
    const expected = entry.count ?? 1;
    if (found.length > expected) {
      parts.push(
        `KNOWN_CROSSINGS lets ${entry.file} [${entry.rule}] ${entry.what} occur ${expected} time(s), it occurs ${found.length}: the new one(s) must go —`,
      );
      for (const f of found) parts.push(`  ${formatFinding(f)}`);
    } else {
      parts.push(
        found.length === 0
          ? `KNOWN_CROSSINGS entry no longer occurs — delete it: ${entry.file} [${entry.rule}] ${entry.what}`
          : `KNOWN_CROSSINGS entry ${entry.file} [${entry.rule}] ${entry.what} occurs ${found.length} time(s), not ${expected}: lower its count (${found.map((f) => `${f.file}:${f.line}`).join(', ')})`,
      );
    }
  }
  return parts.join('\n');
}
