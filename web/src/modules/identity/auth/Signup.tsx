// Sign up: a new organization and its owner, signed in at once.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'wouter';
import { api } from '../../../api';
import { useSession } from '../../../app/session';
import { ErrorText } from '../../../ui/feedback';
import { AuthLayout } from './AuthLayout';

export default function Signup() {
  const { t } = useTranslation();
  const { refresh } = useSession();
  const [, navigate] = useLocation();
  const [form, setForm] = useState({ organization: '', name: '', email: '', password: '' });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [k]: e.target.value });

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.auth.signup(form);
      await refresh();
      navigate('/', { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthLayout title={t('auth.signupTitle')}>
      <form className="form" onSubmit={submit}>
        <div className="field">
          <label htmlFor="su-org">{t('fields.organization')}</label>
          <input id="su-org" required autoComplete="organization" value={form.organization} onChange={set('organization')} />
        </div>
        <div className="field">
          <label htmlFor="su-name">{t('fields.name')}</label>
          <input id="su-name" required autoComplete="name" value={form.name} onChange={set('name')} />
        </div>
        <div className="field">
          <label htmlFor="su-email">{t('fields.email')}</label>
          <input id="su-email" type="email" required autoComplete="email" value={form.email} onChange={set('email')} />
        </div>
        <div className="field">
          <label htmlFor="su-password">{t('fields.password')}</label>
          <input id="su-password" type="password" required minLength={10} autoComplete="new-password" value={form.password} onChange={set('password')} aria-describedby="su-password-hint" />
          <span id="su-password-hint" className="hint">{t('auth.passwordHint')}</span>
        </div>
        <ErrorText error={error} />
        <button type="submit" className="btn-primary" disabled={busy}>{t('auth.createAccount')}</button>
        <p className="muted small" style={{ textAlign: 'center' }}>
          {t('auth.haveAccount')} <Link href="/login">{t('auth.login')}</Link>
        </p>
      </form>
    </AuthLayout>
  );
}
