// Pieces shared by the AI settings forms: the API, validation messages from the server shown
// at the field they name (details[].path like body.aliases.smart.chain.0.provider), the
// optional "why" that goes into the ledger with the change, and durations.
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { aiApi, type AiPrice, type AiSettingsInput } from '../../../../sdk/src/ai.js';
import { api } from '../../api';
import { fmtNumber } from '../../lib/format';

export const ai = aiApi(api);

export type Price = AiPrice;
export const saveSettings = (input: AiSettingsInput) => ai.updateSettings(input);

/** A why only when one was typed (the API refuses an empty one). */
export const withWhy = (why: string) => (why.trim() ? { why: why.trim() } : {});

export { fieldErrors } from '../../lib/errors';

/** Messages for one key of a map built by fieldErrors. */
export const messagesAt = (errors: Map<string, string[]>, key: string): string[] => errors.get(key) ?? [];

/**
 * A field's error. The server's detail is English: shown as is to English readers, and as a
 * translated sentence (with the detail as a tooltip) to others — as the rule editor does.
 */
export function FieldMessage({ id, messages, local }: { id: string; messages: string[]; local?: string }) {
  const { t, i18n } = useTranslation();
  if (!local && messages.length === 0) return null;
  const english = i18n.language.startsWith('en');
  const text = local ?? (english ? messages.join(' ') : t('aiSettings.fieldInvalid'));
  return <span id={id} className="field-error" role="alert" title={local || english ? undefined : messages.join(' ')}>{text}</span>;
}

/** aria attributes of a control with (or without) an error shown in FieldMessage `errId`. */
export const invalidProps = (bad: boolean, errId: string) => ({ 'aria-invalid': bad || undefined, 'aria-describedby': bad ? errId : undefined });

export function WhyField({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{t('aiSettings.why')}</label>
      <input id={id} value={value} onChange={(e) => onChange(e.target.value)} maxLength={5000} aria-describedby={`${id}-hint`} />
      <span id={`${id}-hint`} className="hint">{t('aiSettings.whyHint')}</span>
    </div>
  );
}

/** "1 d", "2 h", "90 s" (largest whole unit); 0 is "off". */
export function fmtDuration(seconds: number, t: TFunction, lng: string): string {
  if (seconds <= 0) return t('aiSettings.cacheOff');
  const units: Array<[number, string]> = [[86_400, 'time.day'], [3_600, 'time.hour'], [60, 'time.minute']];
  for (const [size, key] of units) if (seconds % size === 0) return t(key, { n: fmtNumber(seconds / size, lng) });
  return t('time.second', { n: fmtNumber(seconds, lng) });
}
