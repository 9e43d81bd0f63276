// Asks for the why (and its sentiment) of a critical change. Nothing is sent without one.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Sentiment } from '../../../sdk/src/index.js';
import { Dialog } from './Dialog';
import { ErrorText } from './feedback';

type Props = {
  title: string;
  description?: string;
  confirmLabel: string;
  onCancel: () => void;
  /** Resolves when done; a rejection is shown in the dialog, which keeps what was typed. */
  onConfirm: (why: string, sentiment: Sentiment) => Promise<void>;
  /** Fields shown above the why (e.g. the new value of what is edited). */
  children?: React.ReactNode;
};

export function SentimentPicker({ value, onChange, name }: { value: Sentiment; onChange: (s: Sentiment) => void; name: string }) {
  const { t } = useTranslation();
  const options: Array<[Sentiment, string]> = [[-1, t('sentiment.negative')], [0, t('sentiment.neutral')], [1, t('sentiment.positive')]];
  return (
    <fieldset className="fieldset">
      <legend>{t('sentiment.label')}</legend>
      <div className="choices">
        {options.map(([v, label]) => (
          <label key={v} className="choice">
            <input type="radio" name={name} value={v} checked={value === v} onChange={() => onChange(v)} />
            <span aria-hidden="true">{v === -1 ? '▼' : v === 1 ? '▲' : '●'}</span>
            {label}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

export function WhyDialog({ title, description, confirmLabel, onCancel, onConfirm, children }: Props) {
  const { t } = useTranslation();
  const [why, setWhy] = useState('');
  const [sentiment, setSentiment] = useState<Sentiment>(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [tried, setTried] = useState(false);
  const missing = why.trim().length === 0;

  const submit = async (e?: React.FormEvent) => {
    e?.preventDefault();
    if (busy) return;
    setTried(true);
    if (missing) return;
    setBusy(true);
    setError(null);
    try {
      await onConfirm(why.trim(), sentiment);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  // Enter (or Ctrl/⌘+Enter) submits, as in the rest of the app's one-line forms; Shift+Enter
  // starts a new line of the why.
  const submitOnEnter = (e: React.KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key !== 'Enter' || e.shiftKey || e.nativeEvent.isComposing) return;
    e.preventDefault();
    void submit();
  };

  return (
    <Dialog title={title} description={description} onClose={onCancel}>
      <form className="form" onSubmit={submit} noValidate>
        {children}
        <div className="field">
          <label htmlFor="why-text">{t('why.label')}</label>
          <textarea id="why-text" value={why} onChange={(e) => setWhy(e.target.value)} onKeyDown={submitOnEnter} aria-invalid={tried && missing} aria-describedby="why-hint" autoFocus maxLength={5000} />
          <span id="why-hint" className={tried && missing ? 'alert' : 'hint'} role={tried && missing ? 'alert' : undefined}>
            {tried && missing ? t('why.required') : t('why.hint')}
          </span>
        </div>
        <SentimentPicker value={sentiment} onChange={setSentiment} name="why-sentiment" />
        <ErrorText error={error} />
        <div className="dialog-actions">
          <button type="button" onClick={onCancel}>{t('common.cancel')}</button>
          <button type="submit" className="btn-primary" disabled={busy}>{confirmLabel}</button>
        </div>
      </form>
    </Dialog>
  );
}
