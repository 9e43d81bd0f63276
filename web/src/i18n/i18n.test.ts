// Every string in every language: the same keys as English, no empty value, the same
// {{placeholders}}, Malagasy and French really translated (not English copies), and every
// literal key the code asks for exists. Checked for the shared dictionaries (here) and for every
// module's (web/src/modules/<module>/{en,fr,mg}.ts), one by one and merged as the app merges them.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MODULES } from '../modules';
import { SHARED_MESSAGES } from './index';
import { mergeMessages, type MessageSource, type Messages } from './messages';

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

type Loaded = { name: string; en: Messages; fr: Messages; mg: Messages };
const load = async (name: string, m: MessageSource): Promise<Loaded> => ({ name, en: m.en, fr: (await m.fr()).default, mg: (await m.mg()).default });
const DICTS: Loaded[] = [await load('shared', SHARED_MESSAGES), ...(await Promise.all(MODULES.map((m) => load(m.id, m.messages))))];
const CONFLICTS: Record<'en' | 'fr' | 'mg', string[]> = { en: [], fr: [], mg: [] };
const merged = (lng: 'en' | 'fr' | 'mg') => flatten(mergeMessages(DICTS.map((d) => d[lng]), (k) => CONFLICTS[lng].push(k)) as Tree);

const EN = merged('en');
const LANGS = { fr: merged('fr'), mg: merged('mg') };
// Words that are the same in every language (names, codes, acronyms).
const SAME_EVERYWHERE = /^(Atrium|CSV|JSONL|Menu|Actions|Description|Version|Workflows?|Page|Finance|Invitations|Export CSV|Code|\{\{name\}\} \(.*\)|\{\{done\}\}\/\{\{total\}\} .*)$/;

describe('i18n completeness', () => {
  for (const d of DICTS) {
    const en = flatten(d.en as Tree);
    for (const lng of ['fr', 'mg'] as const) {
      it(`${d.name}: ${lng} has exactly its English keys, none empty, the same placeholders`, () => {
        const map = flatten(d[lng] as Tree);
        expect([...map.keys()].filter((k) => !en.has(k)), `${d.name}/${lng}: keys not in English`).toEqual([]);
        expect([...en.keys()].filter((k) => !map.has(k)), `${d.name}/${lng}: missing keys`).toEqual([]);
        for (const [k, v] of map) {
          expect(v.trim(), `${d.name}/${lng}:${k}`).not.toBe('');
          expect(placeholders(v), `${d.name}/${lng}:${k} placeholders`).toEqual(placeholders(en.get(k) ?? ''));
        }
      });
    }
    it(`${d.name}: no empty English string`, () => {
      for (const [k, v] of en) expect(v.trim(), `${d.name}/en:${k}`).not.toBe('');
    });
  }

  it('no key is defined by two dictionaries (shared, modules)', () => {
    expect(CONFLICTS).toEqual({ en: [], fr: [], mg: [] });
  });

  it('every folder of web/src/modules is a module in the list, with its manifest and en, fr, mg', () => {
    const dir = fileURLToPath(new URL('../modules', import.meta.url));
    const folders = readdirSync(dir).filter((f) => statSync(join(dir, f)).isDirectory()).sort();
    expect(MODULES.map((m) => m.id).sort()).toEqual(folders);
    for (const f of folders) for (const file of ['module.ts', 'en.ts', 'fr.ts', 'mg.ts']) expect(existsSync(join(dir, f, file)), `${f}/${file}`).toBe(true);
  });

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
      // t('key') calls, and the label keys of manifests' nav entries and Settings tabs.
      for (const m of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([a-zA-Z0-9_.\/-]+)'|\b(?:labelKey|paletteKey):\s*'([a-zA-Z0-9_.\/-]+)'/g)) {
        const key = m[1] ?? m[2]!;
        // A plural key (t('k', { count })) exists as k_one / k_other (i18next's suffixes).
        if (!EN.has(key) && !(EN.has(`${key}_one`) && EN.has(`${key}_other`))) missing.push(`${key} (${file.slice(root.length)})`);
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
