// Parsing a source and finding what it imports: the census reads specifiers, never resolves packages.
import { posix } from 'node:path';
import ts from 'typescript';
import type { Source } from './model.js';

export function parse(src: Source): ts.SourceFile {
  return ts.createSourceFile(src.path, src.text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

export const lineOf = (sf: ts.SourceFile, pos: number): number => sf.getLineAndCharacterOfPosition(pos).line + 1;

export function walk(node: ts.Node, visit: (n: ts.Node) => void): void {
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
