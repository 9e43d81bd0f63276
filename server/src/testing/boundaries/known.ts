// Findings against the census's list of known crossings: what is new, what no longer occurs.
import type { Finding, Rule } from './model.js';

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
