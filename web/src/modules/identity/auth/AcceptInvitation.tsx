// Accept an invitation from its link (?token=…): a name and a password, then signed in.
import { useEffect, useState } from 'react';
import type { InvitationPreview } from '../../../../../sdk/src/index.js';
import { useTranslation } from 'react-i18next';
import { useLocation, useSearch } from 'wouter';
import { api } from '../../../api';
import { useSession } from '../../../app/session';
import { ErrorText } from '../../../ui/feedback';
import { TotpField, useTotpStep } from '../../../ui/TotpField';
import { AuthLayout } from './AuthLayout';

export default function AcceptInvitation() {
  const { t } = useTranslation();
  const { refresh } = useSession();
  const [, navigate] = useLocation();
  const token = new URLSearchParams(useSearch()).get('token') ?? '';
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [integration, setIntegration] = useState(false);
  // An existing account with 2FA confirms its code too (as at log-in).
  const totp = useTotpStep();
  // Which workspace and who invited, before anyone types a password (a bad token shows at once).
  const [preview, setPreview] = useState<InvitationPreview | null>(null);
  useEffect(() => {
    if (!token) return;
    let live = true;
    api.members.preview(token).then((p) => live && setPreview(p), (err: unknown) => live && setError(err));
    return () => {
      live = false;
    };
  }, [token]);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const accepted = await api.members.accept({ token, name: name || undefined, password, ...totp.params });
      if (accepted.token === null) setIntegration(true);
      else {
        await refresh();
        navigate('/', { replace: true });
      }
    } catch (err) {
      if (!totp.askedFor(err)) setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthLayout title={t('auth.acceptTitle')}>
      {!token && <div className="alert" role="alert">{t('errors.INVITATION_INVALID')}</div>}
      {preview && (
        <p data-testid="invitation-preview">
          {preview.invited_by
            ? t('auth.invitedBy', { who: preview.invited_by.name, workspace: preview.tenant.name })
            : t('auth.invitedTo', { workspace: preview.tenant.name })}
        </p>
      )}
      {integration ? (
        <p className="alert info">{t('auth.integrationAccepted')}</p>
      ) : (
        <form className="form" onSubmit={submit}>
          <div className="field">
            <label htmlFor="acc-name">{t('fields.name')}</label>
            <input id="acc-name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="acc-password">{t('fields.password')}</label>
            <input id="acc-password" type="password" required autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} aria-describedby="acc-password-hint" />
            <span id="acc-password-hint" className="hint">{t('auth.passwordHint')}</span>
          </div>
          {totp.needsCode && <TotpField id="acc-code" value={totp.code} onChange={totp.setCode} />}
          <ErrorText error={error} />
          <button type="submit" className="btn-primary" disabled={busy || !token}>{t('auth.acceptButton')}</button>
        </form>
      )}
    </AuthLayout>
  );
}
