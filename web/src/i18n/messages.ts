// Message dictionaries: the shared strings (web/src/i18n/{en,fr,mg}.ts) and each module's own
// (web/src/modules/<module>/{en,fr,mg}.ts), deep-merged into one tree per language. Keys keep
// their full dotted names (`nav.rules`, `rules.title`), so a module may add leaves under a
// shared branch (`nav`, `palette.page`, `settings.tab`); a leaf is defined in one place only.
export type Messages = { [key: string]: string | Messages };
export type Loader = () => Promise<{ default: Messages }>;
/** One set of dictionaries: English bundled, French and Malagasy loaded on demand. */
export type MessageSource = { en: Messages; fr: Loader; mg: Loader };

/**
 * One tree from many; a key defined twice (or a leaf where another has a branch) is reported to
 * `onConflict` (i18n.test.ts fails on it) and the first definition is kept.
 */
export function mergeMessages(dicts: readonly Messages[], onConflict: (key: string) => void = () => {}): Messages {
  const out: Messages = {};
  const into = (target: Messages, source: Messages, prefix: string) => {
    for (const [k, v] of Object.entries(source)) {
      const key = prefix ? `${prefix}.${k}` : k;
      const have = target[k];
      if (have === undefined) target[k] = typeof v === 'string' ? v : into({}, v, key);
      else if (typeof have === 'string' || typeof v === 'string') onConflict(key);
      else into(have, v, key);
    }
    return target;
  };
  for (const d of dicts) into(out, d, '');
  return out;
}
