// Log in: email + password, then a TOTP code when the account has 2FA; single sign-on
// when the installation offers it.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useSearch } from 'wouter';
import type { AuthProviders } from '../../../../../sdk/src/index.js';
import { api } from '../../../api';
import { useSession } from '../../../app/session';
import { ErrorText } from '../../../ui/feedback';
import { TotpField, useTotpStep } from '../../../ui/TotpField';
import { AuthLayout } from './AuthLayout';

/** Only same-site paths: never send a person to another origin after login. */
export const safeNext = (next: string | null): string => (next && next.startsWith('/') && !next.startsWith('//') ? next : '/');

export default function Login() {
  const { t } = useTranslation();
  const { refresh } = useSession();
  const [, navigate] = useLocation();
  const params = new URLSearchParams(useSearch());
  const next = safeNext(params.get('next'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const totp = useTotpStep();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [providers, setProviders] = useState<AuthProviders | null>(null);

  useEffect(() => {
    api.auth.providers().then(setProviders, () => setProviders(null));
  }, []);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.auth.login({ email, password, ...totp.params });
      await refresh();
      navigate(next, { replace: true });
    } catch (err) {
      if (!totp.askedFor(err)) setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthLayout title={t('auth.loginTitle')}>
      <form className="form" onSubmit={submit}>
        <div className="field">
          <label htmlFor="login-email">{t('fields.email')}</label>
          <input id="login-email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="login-password">{t('fields.password')}</label>
          <input id="login-password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        {totp.needsCode && <TotpField id="login-code" value={totp.code} onChange={totp.setCode} />}
        <ErrorText error={error} />
        <button type="submit" className="btn-primary" disabled={busy}>{totp.needsCode ? t('auth.verify') : t('auth.login')}</button>
        {providers?.oidc.enabled && providers.oidc.start_url && (
          <>
            <div className="divider">{t('auth.or')}</div>
            <a className="btn" href={`${providers.oidc.start_url}?redirect=${encodeURIComponent(next)}`}>
              {providers.oidc.label ?? t('auth.sso')}
            </a>
          </>
        )}
        <p className="muted small" style={{ textAlign: 'center' }}>
          {t('auth.noAccount')} <Link href="/signup">{t('auth.signup')}</Link>
        </p>
      </form>
    </AuthLayout>
  );
}
