// The server explains health in fixed English sentences (work/health.ts); these patterns
// turn each back into a translated one. Unknown sentences pass through unchanged.
import type { TFunction } from 'i18next';

const PATTERNS: Array<[RegExp, string, (m: RegExpMatchArray) => Record<string, string>]> = [
  [/^"(.*)" is (\d+) days overdue$/, 'health.reason.overdueDays', (m) => ({ name: m[1]!, days: m[2]! })],
  [/^"(.*)" is overdue$/, 'health.reason.overdue', (m) => ({ name: m[1]! })],
  [/^urgent "(.*)" blocked for (\d+) h$/, 'health.reason.urgentBlocked', (m) => ({ name: m[1]!, hours: m[2]! })],
  [/^"(.*)" is blocked$/, 'health.reason.blocked', (m) => ({ name: m[1]! })],
];

export function reasonKey(reason: string): { key: string; values: Record<string, string> } | null {
  for (const [re, key, values] of PATTERNS) {
    const m = reason.match(re);
    if (m) return { key, values: values(m) };
  }
  return null;
}

export function translateReason(reason: string, t: TFunction): string {
  const k = reasonKey(reason);
  return k ? t(k.key, k.values) : reason;
}
