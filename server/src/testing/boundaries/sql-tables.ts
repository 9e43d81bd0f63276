// Tables a file's SQL touches: Kysely calls with a literal table, and string/template literals that
// read as SQL (sql`` templates always). Names computed at run time cannot be seen.
import ts from 'typescript';
import { lineOf, walk } from './sources.js';

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
