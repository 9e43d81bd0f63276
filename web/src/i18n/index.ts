// i18next with English bundled and French/Malagasy loaded on demand (code-split: one chunk per
// language, vite.config.ts); the language is detected from a saved choice, then the browser, and
// switchable at any time. The dictionaries are the shared ones here and every module's
// (web/src/modules/<module>/{en,fr,mg}.ts, given to initI18n), merged into one per language.
import i18n from 'i18next';
import LanguageDetector from 'i18next-browser-languagedetector';
import { initReactI18next } from 'react-i18next';
import en from './en';
import { mergeMessages, type MessageSource } from './messages';

export type Lng = 'en' | 'fr' | 'mg';
export const LANGUAGES: Array<{ code: Lng; name: string }> = [
  { code: 'en', name: 'English' },
  { code: 'fr', name: 'Français' },
  { code: 'mg', name: 'Malagasy' },
];
/** The shell's and every screen's common strings; the modules add theirs. */
export const SHARED_MESSAGES: MessageSource = { en, fr: () => import('./fr'), mg: () => import('./mg') };
let sources: readonly MessageSource[] = [SHARED_MESSAGES];

/** 'fr', 'fr-CA' → 'fr'; anything else we do not have → 'en'. */
const supported = (lng: string | undefined): Lng => {
  const base = lng?.toLowerCase().split('-')[0];
  return base === 'fr' || base === 'mg' ? base : 'en';
};

async function ensure(lng: Lng): Promise<void> {
  if (lng === 'en' || i18n.hasResourceBundle(lng, 'translation')) return;
  const dicts = await Promise.all(sources.map((s) => s[lng]()));
  i18n.addResourceBundle(lng, 'translation', mergeMessages(dicts.map((d) => d.default)));
}

export async function changeLanguage(lng: Lng): Promise<void> {
  await ensure(lng);
  await i18n.changeLanguage(lng);
}

i18n.on('languageChanged', (lng) => {
  document.documentElement.lang = supported(lng);
});

/** `modules`: each module's messages (web/src/modules/index.ts). */
export async function initI18n(modules: readonly MessageSource[] = []): Promise<void> {
  sources = [SHARED_MESSAGES, ...modules];
  await i18n
    .use(LanguageDetector)
    .use(initReactI18next)
    .init({
      resources: { en: { translation: mergeMessages(sources.map((s) => s.en)) } },
      partialBundledLanguages: true,
      fallbackLng: 'en',
      supportedLngs: ['en', 'fr', 'mg'],
      nonExplicitSupportedLngs: true,
      load: 'languageOnly',
      interpolation: { escapeValue: false },
      detection: { order: ['localStorage', 'navigator'], lookupLocalStorage: 'atrium.lang', caches: ['localStorage'] },
      react: { useSuspense: false },
    });
  // The detected language (a saved choice, else the browser's), not `resolvedLanguage`: that is
  // still 'en' here because only English is bundled — the others load now, before the first render.
  const lng = supported(i18n.language);
  if (lng !== 'en') await changeLanguage(lng);
  document.documentElement.lang = lng;
}

export const currentLng = (): Lng => supported(i18n.resolvedLanguage ?? i18n.language);
export default i18n;
