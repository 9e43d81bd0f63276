// Language, theme and low-bandwidth mode (kept in this browser).
import { useTranslation } from 'react-i18next';
import { setPrefs, usePrefs, type Theme } from '../../../lib/prefs';
import { LanguageSelect } from '../../../ui/LanguageSelect';

export function Preferences() {
  const { t } = useTranslation();
  const prefs = usePrefs();
  return (
    <section className="glass panel stack" style={{ maxWidth: 640 }}>
      <h2>{t('settings.tab.preferences')}</h2>
      <LanguageSelect id="pref-language" />
      <fieldset className="fieldset">
        <legend>{t('settings.theme')}</legend>
        <div className="choices">
          {(['dark', 'light', 'system'] as Theme[]).map((th) => (
            <label key={th} className="choice">
              <input type="radio" name="theme" value={th} checked={prefs.theme === th} onChange={() => setPrefs({ theme: th })} />
              {t(`settings.themes.${th}`)}
            </label>
          ))}
        </div>
      </fieldset>
      <label className="choice" style={{ alignSelf: 'flex-start' }}>
        <input type="checkbox" checked={prefs.lowBandwidth} onChange={(e) => setPrefs({ lowBandwidth: e.target.checked })} />
        {t('settings.lowBandwidth')}
      </label>
      <p className="hint">{t('settings.lowBandwidthHint')}</p>
    </section>
  );
}
