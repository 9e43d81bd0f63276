// Every string in every language: the same keys as English, no empty value, the same
// {{placeholders}}, Malagasy and French really translated (not English copies), and every
// literal key the code asks for exists.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import en from './en';
import fr from './fr';
import mg from './mg';

type Tree = { [k: string]: string | Tree };
function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}
const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

const EN = flatten(en as unknown as Tree);
const LANGS = { fr: flatten(fr as unknown as Tree), mg: flatten(mg as unknown as Tree) };
// Words that are the same in every language (names, codes, acronyms).
const SAME_EVERYWHERE = /^(Atrium|CSV|JSONL|Menu|Actions|Description|Version|Workflows?|Page|Finance|Invitations|Export CSV|Code|\{\{name\}\} \(.*\)|\{\{done\}\}\/\{\{total\}\} .*)$/;

describe('i18n completeness', () => {
  for (const [lng, map] of Object.entries(LANGS)) {
    it(`${lng} has exactly the English keys`, () => {
      expect([...map.keys()].filter((k) => !EN.has(k)), `${lng}: keys not in English`).toEqual([]);
      expect([...EN.keys()].filter((k) => !map.has(k)), `${lng}: missing keys`).toEqual([]);
    });
    it(`${lng} has no empty string and the same placeholders`, () => {
      for (const [k, v] of map) {
        expect(v.trim(), `${lng}:${k}`).not.toBe('');
        expect(placeholders(v), `${lng}:${k} placeholders`).toEqual(placeholders(EN.get(k) ?? ''));
      }
    });
    it(`${lng} is a translation, not a copy of English`, () => {
      const copies = [...map].filter(([k, v]) => v === EN.get(k) && !SAME_EVERYWHERE.test(v)).map(([k]) => k);
      // A handful of international words may match (e.g. "Atrium", "Finance"); more means untranslated text.
      expect(copies.length, `${lng}: identical to English: ${copies.join(', ')}`).toBeLessThanOrEqual(lng === 'fr' ? 12 : 3);
    });
  }

  it('every literal key used in the code exists in English', () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(tsx?|ts)$/.test(f) && !f.endsWith('.test.ts')) files.push(p);
      }
    };
    walk(root);
    const missing: string[] = [];
    for (const file of files) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([a-zA-Z0-9_.\/-]+)'/g)) {
        if (!EN.has(m[1]!)) missing.push(`${m[1]} (${file.slice(root.length)})`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('covers every error code the server documents', async () => {
    const { ERROR_CODES } = await import('../../../server/src/platform/errors.js');
    const missing = Object.keys(ERROR_CODES).filter((code) => !EN.has(`errors.${code}`));
    expect(missing).toEqual([]);
  });
});
