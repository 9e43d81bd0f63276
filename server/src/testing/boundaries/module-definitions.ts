// The module definitions (defineModule's `tables` and `deps`) against the schema files and imports.
import ts from 'typescript';
import { areaOf, SRC, testish, type Finding, type Source } from './model.js';
import type { Ownership } from './ownership.js';
import { importsOf, lineOf, parse, resolveImport, walk } from './sources.js';

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
