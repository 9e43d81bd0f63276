// The 2FA step of signing in (log in, accepting an invitation with an existing account):
// the first try goes without a code; when the server answers TOTP_REQUIRED the code field
// appears and the next try sends the code.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorCode } from '../lib/errors';

export function useTotpStep() {
  const [needsCode, setNeedsCode] = useState(false);
  const [code, setCode] = useState('');
  return {
    needsCode,
    code,
    setCode,
    /** The request's extra field: the code without spaces, once the server has asked for it. */
    params: needsCode ? { totp_code: code.replace(/\s/g, '') } : {},
    /** True when `err` is the server asking for a code for the first time: the field is then
     * shown instead of an error. A refused code is an error like any other. */
    askedFor(err: unknown): boolean {
      if (errorCode(err) !== 'TOTP_REQUIRED' || needsCode) return false;
      setNeedsCode(true);
      return true;
    },
  };
}

/** The code field, focused when it appears; its hint has the id `${id}-hint`. */
export function TotpField({ id, value, onChange }: { id: string; value: string; onChange: (value: string) => void }) {
  const { t } = useTranslation();
  return (
    <div className="field">
      <label htmlFor={id}>{t('auth.totpCode')}</label>
      <input id={id} inputMode="numeric" autoComplete="one-time-code" required value={value} onChange={(e) => onChange(e.target.value)} autoFocus aria-describedby={`${id}-hint`} />
      <span id={`${id}-hint`} className="hint">{t('auth.totpHint')}</span>
    </div>
  );
}
