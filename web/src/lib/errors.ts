// Every API error shown as a sentence in the reader's language, from its stable code.
import type { TFunction } from 'i18next';
import { AtriumError } from '../../../sdk/src/index.js';

export function errorCode(err: unknown): string {
  return err instanceof AtriumError ? err.code : 'UNKNOWN';
}

export function errorMessage(err: unknown, t: TFunction): string {
  const code = errorCode(err);
  const known = t(`errors.${code}`, { defaultValue: '' });
  const base = known || t('errors.UNKNOWN');
  if (err instanceof AtriumError && code === 'VALIDATION_FAILED' && err.details.length > 0) {
    const password = err.details.filter((d) => d.path === 'body.password').map((d) => passwordProblem(d.message, t));
    if (password.length > 0) return `${base} ${password.join(' ')}`;
    const fields = [...new Set(err.details.map((d) => fieldLabel(d.path, t)).filter(Boolean))];
    if (fields.length > 0) return `${base} ${t('errors.checkFields', { fields: fields.join(', ') })}`;
  }
  return base;
}

function fieldLabel(path: string | undefined, t: TFunction): string {
  const name = (path ?? '').split('.').pop() ?? '';
  if (!name) return '';
  return t(`fields.${name}`, { defaultValue: name });
}

function passwordProblem(message: string, t: TFunction): string {
  if (/common/.test(message)) return t('errors.passwordCommon');
  if (/at most/.test(message)) return t('errors.passwordLong');
  return t('errors.passwordShort');
}

/**
 * API validation messages by field key: the detail's path without "body." (and without the
 * "rule." a rule is wrapped in), e.g. "aliases.smart.chain.0.provider", "trigger.when.all.0.op".
 */
export function fieldErrors(err: unknown): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!(err instanceof AtriumError) || err.code !== 'VALIDATION_FAILED') return out;
  for (const d of err.details) {
    const key = (d.path ?? '').replace(/^body\.(rule\.)?/, '');
    out.set(key, [...(out.get(key) ?? []), d.message ?? '']);
  }
  return out;
}
