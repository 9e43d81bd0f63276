// Live updates: the tenant's diffs over Server-Sent Events (/v1/stream), or — in
// low-bandwidth mode or when the stream cannot be held — polling /v1/diffs with backoff
// (5 s, doubling while nothing changes, up to 60 s; paused while the tab is hidden).
import { useEffect, useRef, useSyncExternalStore } from 'react';
import type { Diff } from '../../sdk/src/index.js';
import { api } from './api';
import { getPrefs, subscribePrefs } from './lib/prefs';

export type LiveStatus = 'live' | 'polling' | 'offline';
type Listener = (diff: Diff) => void;

const listeners = new Set<Listener>();
const statusListeners = new Set<() => void>();
let status: LiveStatus = 'offline';
let stop: (() => void) | null = null;
let lastId: number | null = null;

const numeric = (id: string): number => Number(id.replace(/^dif_/, '')) || 0;

function setStatus(s: LiveStatus) {
  status = s;
  for (const l of statusListeners) l();
}

function emit(diff: Diff) {
  const n = numeric(diff.id);
  if (lastId !== null && n <= lastId) return;
  lastId = n;
  for (const l of listeners) l(diff);
}

function openStream(): () => void {
  const source = new EventSource('/v1/stream');
  let failures = 0;
  source.onopen = () => {
    failures = 0;
    setStatus('live');
  };
  source.addEventListener('diff', (e) => emit(JSON.parse((e as MessageEvent<string>).data) as Diff));
  source.onerror = () => {
    failures += 1;
    // The browser reconnects by itself (resuming with Last-Event-ID); after repeated
    // failures, fall back to polling rather than hammering a server that refuses us.
    if (source.readyState === EventSource.CLOSED || failures >= 5) {
      source.close();
      stop = startPolling();
    } else setStatus('offline');
  };
  return () => source.close();
}

export const POLL_MIN_MS = 5_000;
export const POLL_MAX_MS = 60_000;
/** The next polling delay: back to the minimum after news, doubled (capped) after none. */
export const nextDelay = (current: number, gotNews: boolean): number => (gotNews ? POLL_MIN_MS : Math.min(POLL_MAX_MS, current * 2));

function startPolling(): () => void {
  let delay = POLL_MIN_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  setStatus('polling');
  const tick = async () => {
    if (stopped) return;
    let news = false;
    if (document.visibilityState !== 'hidden') {
      try {
        const page = await api.diffs.list({ limit: 20 });
        const fresh = page.items.filter((d) => lastId === null || numeric(d.id) > lastId).reverse();
        if (lastId === null) lastId = page.items[0] ? numeric(page.items[0].id) : 0;
        else for (const d of fresh) emit(d);
        news = fresh.length > 0;
        setStatus('polling');
      } catch {
        setStatus('offline');
      }
    }
    delay = nextDelay(delay, news);
    timer = setTimeout(() => void tick(), delay);
  };
  void tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

function restart() {
  stop?.();
  stop = null;
  if (listeners.size === 0) return setStatus('offline');
  stop = getPrefs().lowBandwidth || typeof EventSource === 'undefined' ? startPolling() : openStream();
}

let lowBw = getPrefs().lowBandwidth;
subscribePrefs(() => {
  if (getPrefs().lowBandwidth !== lowBw) {
    lowBw = getPrefs().lowBandwidth;
    if (listeners.size > 0) restart();
  }
});

/** Ends the stream (on sign-out). */
export function closeLive(): void {
  stop?.();
  stop = null;
  lastId = null;
  setStatus('offline');
}

function subscribe(l: Listener): () => void {
  listeners.add(l);
  if (!stop) restart();
  return () => {
    listeners.delete(l);
  };
}

/** Calls `onDiff` for each new diff of the tenant while the component is mounted. */
export function useLive(onDiff: Listener): void {
  const ref = useRef(onDiff);
  ref.current = onDiff;
  useEffect(() => subscribe((d) => ref.current(d)), []);
}

export const useLiveStatus = (): LiveStatus =>
  useSyncExternalStore((l) => {
    statusListeners.add(l);
    return () => statusListeners.delete(l);
  }, () => status);
