// Who owns a table: the schema files that compose Database, and the tables the migrations create.
import ts from 'typescript';
import { areaOf, PLATFORM_TABLES, type Source } from './model.js';
import { lineOf, parse, resolveImport } from './sources.js';
import { tableName } from './sql-tables.js';

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
