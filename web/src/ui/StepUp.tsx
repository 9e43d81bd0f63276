// Sensitive actions (role changes, API keys, workspace changes) need a fresh 2FA code when
// the person has 2FA: on STEP_UP_REQUIRED, ask for the code, confirm it, and retry once.
import { useCallback, useState } from 'react';
import { createPortal } from 'react-dom';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { errorCode } from '../lib/errors';
import { Dialog } from './Dialog';
import { ErrorText } from './feedback';

export function useStepUp() {
  const { t } = useTranslation();
  const [ask, setAsk] = useState<{ resolve: (ok: boolean) => void } | null>(null);
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);

  const run = useCallback(async <T,>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (errorCode(err) !== 'STEP_UP_REQUIRED') throw err;
      const ok = await new Promise<boolean>((resolve) => setAsk({ resolve }));
      if (!ok) throw err;
      return fn();
    }
  }, []);

  // In a portal, and its submit kept to itself: the dialog is usually rendered inside the form
  // whose save it protects, and React bubbles a submit to the enclosing form's handler — which
  // would send that save a second time while the step-up is still on its way.
  const dialog = ask && createPortal(
    <Dialog title={t('stepUp.title')} description={t('stepUp.body')} onClose={() => (ask.resolve(false), setAsk(null))}>
      <form
        className="form"
        onSubmit={async (e) => {
          e.preventDefault();
          e.stopPropagation();
          try {
            await api.auth.stepUp(code.replace(/\s/g, ''));
            setCode('');
            setError(null);
            ask.resolve(true);
            setAsk(null);
          } catch (err) {
            setError(err);
          }
        }}
      >
        <div className="field">
          <label htmlFor="stepup-code">{t('auth.totpCode')}</label>
          <input id="stepup-code" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} autoFocus />
        </div>
        <ErrorText error={error} />
        <div className="dialog-actions">
          <button type="button" onClick={() => (ask.resolve(false), setAsk(null))}>{t('common.cancel')}</button>
          <button type="submit" className="btn-primary">{t('auth.verify')}</button>
        </div>
      </form>
    </Dialog>,
    document.body,
  );
  return { run, dialog };
}
