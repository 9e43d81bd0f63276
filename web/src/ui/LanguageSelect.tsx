import { useTranslation } from 'react-i18next';
import { changeLanguage, currentLng, LANGUAGES, type Lng } from '../i18n';

export function LanguageSelect({ id = 'language-select' }: { id?: string }) {
  const { t } = useTranslation();
  return (
    <span className="row">
      <label htmlFor={id} className="small">{t('settings.language')}</label>
      <select id={id} value={currentLng()} onChange={(e) => void changeLanguage(e.target.value as Lng)}>
        {LANGUAGES.map((l) => (
          <option key={l.code} value={l.code} lang={l.code}>{l.name}</option>
        ))}
      </select>
    </span>
  );
}
