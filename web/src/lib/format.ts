// Dates and numbers in the reader's language (Intl). Browsers ship no Malagasy date data
// (Chromium's ICU has no "mg"), so Malagasy dates and relative times are written from the
// translated month names and units; numbers follow Madagascar's conventions (fr-MG).
import i18n from 'i18next';

const pad = (n: number) => String(n).padStart(2, '0');
let intlHasMg: boolean | undefined;
/** True when Malagasy must be formatted by hand (the runtime's Intl lacks it). */
function ownMg(lng: string): boolean {
  intlHasMg ??= Intl.DateTimeFormat.supportedLocalesOf(['mg']).length > 0;
  return lng.startsWith('mg') && !intlHasMg;
}
const month = (m: number): string => i18n.t('time.months').split(',')[m]?.trim() ?? String(m + 1);

export function locales(lng: string): string[] {
  if (lng.startsWith('mg')) return ['mg', 'fr-MG', 'fr'];
  if (lng.startsWith('fr')) return ['fr-FR', 'fr'];
  return ['en-GB', 'en'];
}

export const fmtNumber = (n: number, lng: string): string => new Intl.NumberFormat(locales(lng)).format(n);

export function fmtDateTime(iso: string | null | undefined, lng: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (ownMg(lng)) return `${d.getDate()} ${month(d.getMonth())} ${d.getFullYear()}, ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return new Intl.DateTimeFormat(locales(lng), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** A calendar date (YYYY-MM-DD) shown as such, whatever the reader's time zone. */
export function fmtDay(day: string | null | undefined, lng: string): string {
  if (!day) return '—';
  const d = new Date(`${day}T00:00:00Z`);
  if (ownMg(lng)) return `${d.getUTCDate()} ${month(d.getUTCMonth())} ${d.getUTCFullYear()}`;
  return new Intl.DateTimeFormat(locales(lng), { dateStyle: 'medium', timeZone: 'UTC' }).format(d);
}

export function fmtRelative(iso: string, lng: string, now: number = Date.now()): string {
  const s = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(s);
  const [value, unit]: [number, Intl.RelativeTimeFormatUnit] =
    abs < 60 ? [s, 'second'] : abs < 3600 ? [Math.round(s / 60), 'minute'] : abs < 86_400 ? [Math.round(s / 3600), 'hour'] : [Math.round(s / 86_400), 'day'];
  if (ownMg(lng)) {
    const amount = i18n.t(`time.${unit}`, { n: Math.abs(value) });
    return value < 0 ? i18n.t('time.ago', { time: amount }) : i18n.t('time.in', { time: amount });
  }
  return new Intl.RelativeTimeFormat(locales(lng), { numeric: 'auto' }).format(value, unit);
}

/** Monday 00:00 UTC to next Monday of the week containing `now`, as YYYY-MM-DD bounds. */
export function weekBounds(now: Date): { start: string; end: string } {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const dow = (d.getUTCDay() + 6) % 7;
  const start = new Date(d.getTime() - dow * 86_400_000);
  const end = new Date(start.getTime() + 6 * 86_400_000);
  return { start: start.toISOString().slice(0, 10), end: end.toISOString().slice(0, 10) };
}
