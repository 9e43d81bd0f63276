// Two-factor authentication: enrol with the QR code (or the secret), confirm with a first
// code, keep the recovery codes (shown once); turn it off with a code.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TotpSetup } from '../../../../../sdk/src/index.js';
import { api } from '../../../api';
import { useSession } from '../../../app/session';
import { usePrefs } from '../../../lib/prefs';
import { CopyButton } from '../../../ui/CopyButton';
import { ErrorText } from '../../../ui/feedback';

export function Security() {
  const { t } = useTranslation();
  const { me, refresh } = useSession();
  const { lowBandwidth } = usePrefs();
  const [setup, setSetup] = useState<TotpSetup | null>(null);
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [showQr, setShowQr] = useState(false);
  const enabled = !!me?.user?.totp_enabled;

  const act = (fn: () => Promise<void>) => async (e?: React.FormEvent) => {
    e?.preventDefault();
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section className="glass panel stack" style={{ maxWidth: 640 }}>
      <h2>{t('security.title')}</h2>
      <p>{enabled ? t('security.on') : t('security.off')}</p>
      {codes && (
        <div className="alert info" role="status">
          <p><strong>{t('security.codesTitle')}</strong> {t('security.codesBody')}</p>
          <div className="codes" data-testid="recovery-codes">{codes.map((c) => <code key={c}>{c}</code>)}</div>
          <div style={{ marginTop: 8 }}><CopyButton text={codes.join('\n')} /></div>
        </div>
      )}
      {!enabled && !setup && <div><button type="button" className="btn-primary" onClick={act(async () => setSetup(await api.auth.totpSetup()))}>{t('security.enable')}</button></div>}
      {!enabled && setup && (
        <form className="form" onSubmit={act(async () => {
          const res = await api.auth.totpVerify(code.replace(/\s/g, ''));
          setCodes(res.recovery_codes);
          setSetup(null);
          setCode('');
          await refresh();
        })}>
          <p>{t('security.scan')}</p>
          {lowBandwidth && !showQr ? (
            <button type="button" onClick={() => setShowQr(true)}>{t('security.showQr')}</button>
          ) : (
            <img className="qr" src={setup.qr_data_url} alt={t('security.qrAlt')} width={196} height={196} />
          )}
          <div className="field">
            <span>{t('security.secret')}</span>
            <div className="row"><code className="secret" style={{ flex: 1 }}>{setup.secret}</code><CopyButton text={setup.secret} /></div>
          </div>
          <div className="field">
            <label htmlFor="totp-code">{t('auth.totpCode')}</label>
            <input id="totp-code" inputMode="numeric" autoComplete="one-time-code" required value={code} onChange={(e) => setCode(e.target.value)} />
          </div>
          <div className="row">
            <button type="submit" className="btn-primary">{t('security.confirm')}</button>
            <button type="button" onClick={() => setSetup(null)}>{t('common.cancel')}</button>
          </div>
        </form>
      )}
      {enabled && (
        <form className="form" onSubmit={act(async () => {
          await api.auth.totpDisable(code.replace(/\s/g, ''));
          setCode('');
          setCodes(null);
          await refresh();
        })}>
          <div className="field">
            <label htmlFor="totp-off">{t('security.disableCode')}</label>
            <input id="totp-off" autoComplete="one-time-code" required value={code} onChange={(e) => setCode(e.target.value)} />
          </div>
          <div><button type="submit" className="btn-danger">{t('security.disable')}</button></div>
        </form>
      )}
      <ErrorText error={error} />
    </section>
  );
}
