// Display preferences kept in this browser: theme, low-bandwidth mode. Applied as data
// attributes on <html> (index.html applies them before the first paint, too).
import { useSyncExternalStore } from 'react';

export type Theme = 'dark' | 'light' | 'system';
export type Prefs = { theme: Theme; lowBandwidth: boolean };
const KEY = 'atrium.prefs';

type NetworkInfo = { saveData?: boolean; effectiveType?: string };
function defaults(): Prefs {
  const conn = (navigator as Navigator & { connection?: NetworkInfo }).connection;
  const slow = !!conn && (conn.saveData === true || /(^|-)2g$/.test(conn.effectiveType ?? ''));
  return { theme: 'dark', lowBandwidth: slow };
}

function read(): Prefs {
  try {
    return { ...defaults(), ...(JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Prefs>) };
  } catch {
    return defaults();
  }
}

let current = read();
const listeners = new Set<() => void>();

export function applyPrefs(p: Prefs = current): void {
  const root = document.documentElement;
  const dark = p.theme === 'dark' || (p.theme === 'system' && matchMedia('(prefers-color-scheme: dark)').matches);
  root.dataset.theme = dark ? 'dark' : 'light';
  if (p.lowBandwidth) root.dataset.lowbw = 'true';
  else delete root.dataset.lowbw;
}

export function setPrefs(patch: Partial<Prefs>): void {
  current = { ...current, ...patch };
  try {
    localStorage.setItem(KEY, JSON.stringify(current));
  } catch {
    /* private mode: keep it for this page */
  }
  applyPrefs();
  for (const l of listeners) l();
}

export const getPrefs = (): Prefs => current;
export function subscribePrefs(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}
export const usePrefs = (): Prefs => useSyncExternalStore(subscribePrefs, getPrefs);
