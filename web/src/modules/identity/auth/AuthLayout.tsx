// The frame of the sign-in screens: brand, card, language switch.
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguageSelect } from '../../../ui/LanguageSelect';

export function AuthLayout({ title, children }: { title: string; children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <main className="auth-page">
      <div className="auth-card glass">
        <div className="brand" style={{ justifyContent: 'center' }}>
          <span className="brand-mark" aria-hidden="true">A</span>
          <span>Atrium</span>
        </div>
        <h1>{title}</h1>
        <p className="muted" style={{ textAlign: 'center' }}>{t('auth.tagline')}</p>
        {children}
        <div className="row" style={{ justifyContent: 'center', marginTop: 16 }}>
          <LanguageSelect />
        </div>
      </div>
    </main>
  );
}
