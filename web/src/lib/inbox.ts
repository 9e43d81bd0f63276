// The counts the shell shows everywhere: unread notifications (bell) and what waits in the one
// inbox (nav badge, Pulse). One shared store, refreshed by the live diffs that concern them
// (a `notification.sent` for me, any `approval.*`) — over the stream, or over the live
// module's polling with backoff in low-bandwidth mode — and on demand by the screens.
import { useEffect, useSyncExternalStore } from 'react';
import type { Diff } from '../../../sdk/src/index.js';
import type { Notification } from '../../../sdk/src/rules.js';
import { api, rules } from '../api';
import { useLive } from '../live';

type State = { unread: number; latest: Notification[]; pending: number; loaded: boolean };
let state: State = { unread: 0, latest: [], pending: 0, loaded: false };
const subs = new Set<() => void>();
const set = (patch: Partial<State>) => {
  state = { ...state, ...patch };
  for (const s of subs) s();
};

let inflight: Promise<void> | null = null;
let again = false;
/** Reloads both counts (coalesced: at most one request pair in flight, one queued). */
export function refreshInbox(): Promise<void> {
  if (inflight) {
    again = true;
    return inflight;
  }
  inflight = (async () => {
    // Pending: everything in the one inbox (GET /v1/inbox: proposals, rule approvals, the flow
    // steps this person may decide, budgets, memory conflicts).
    const [n, a] = await Promise.allSettled([rules.notifications({ limit: 8 }), api.request<unknown[]>('GET', '/v1/inbox')]);
    set({
      ...(n.status === 'fulfilled' ? { unread: n.value.unread, latest: n.value.items } : {}),
      ...(a.status === 'fulfilled' ? { pending: a.value.data.length } : {}),
      loaded: true,
    });
  })().finally(() => {
    inflight = null;
    if (again) {
      again = false;
      void refreshInbox();
    }
  });
  return inflight;
}

export function resetInbox(): void {
  state = { unread: 0, latest: [], pending: 0, loaded: false };
}

/** Whether a live diff changes what the inbox shows for user `me`. */
export const concernsInbox = (d: Diff, me: string | undefined): boolean =>
  (d.event === 'notification.sent' && (d.after as { user_id?: string } | null)?.user_id === me) ||
  (d.namespace === 'notifications' && d.event !== 'notification.sent') ||
  d.event.startsWith('approval.') ||
  // Agents' proposals, budgets and memory conflicts land in the inbox too.
  d.namespace === 'agents' ||
  // A flow run that starts to wait may be waiting for this person (decisions are approval.*).
  (d.namespace === 'orchestration' && d.event === 'run.waiting');

export function useInbox(): State {
  return useSyncExternalStore((l) => {
    subs.add(l);
    return () => subs.delete(l);
  }, () => state);
}

/** Mounted once (in the shell): first load, then live refreshes. */
export function useInboxFeed(me: string | undefined): void {
  useEffect(() => {
    void refreshInbox();
  }, [me]);
  useLive((d) => {
    if (concernsInbox(d, me)) void refreshInbox();
  });
}
