// i18next with English bundled and French/Malagasy loaded on demand (code-split); the
// language is detected from a saved choice, then the browser, and switchable at any time.
import i18n from 'i18next';
import LanguageDetector from 'i18next-browser-languagedetector';
import { initReactI18next } from 'react-i18next';
import en from './en';

export type Lng = 'en' | 'fr' | 'mg';
export const LANGUAGES: Array<{ code: Lng; name: string }> = [
  { code: 'en', name: 'English' },
  { code: 'fr', name: 'Français' },
  { code: 'mg', name: 'Malagasy' },
];
const loaders: Record<Exclude<Lng, 'en'>, () => Promise<{ default: typeof en }>> = {
  fr: () => import('./fr'),
  mg: () => import('./mg'),
};

/** 'fr', 'fr-CA' → 'fr'; anything else we do not have → 'en'. */
const supported = (lng: string | undefined): Lng => {
  const base = lng?.toLowerCase().split('-')[0];
  return base === 'fr' || base === 'mg' ? base : 'en';
};

async function ensure(lng: Lng): Promise<void> {
  if (lng === 'en' || i18n.hasResourceBundle(lng, 'translation')) return;
  i18n.addResourceBundle(lng, 'translation', (await loaders[lng]()).default);
}

export async function changeLanguage(lng: Lng): Promise<void> {
  await ensure(lng);
  await i18n.changeLanguage(lng);
}

i18n.on('languageChanged', (lng) => {
  document.documentElement.lang = supported(lng);
});

export async function initI18n(): Promise<void> {
  await i18n
    .use(LanguageDetector)
    .use(initReactI18next)
    .init({
      resources: { en: { translation: en } },
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
