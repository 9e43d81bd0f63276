// Who is signed in (GET /v1/me) and the workspace's people (for names and assignees).
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { Me, Member } from '../../../sdk/src/index.js';
import { api, AtriumError, hasSessionCookie, setUnauthenticatedHandler } from '../api';
import { closeLive } from '../live';

/** Why `/v1/me` could not answer yet (a rate limit, a server or network error) and when it is asked again. */
export type SessionWait = { code: string; seconds: number };

type SessionState = {
  me: Me | null;
  ready: boolean;
  /** Set while `/v1/me` is retried after an answer that was not "signed out". */
  waiting: SessionWait | null;
  members: Member[];
  names: Map<string, string>;
  refresh: () => Promise<void>;
  reloadMembers: () => Promise<void>;
  signOut: () => Promise<void>;
  can: (scope: 'write' | 'admin') => boolean;
};

const Ctx = createContext<SessionState | null>(null);
export function useSession(): SessionState {
  const s = useContext(Ctx);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [ready, setReady] = useState(false);
  const [members, setMembers] = useState<Member[]>([]);
  const [waiting, setWaiting] = useState<SessionWait | null>(null);
  const retry = useRef<{ timer?: ReturnType<typeof setTimeout>; failures: number }>({ failures: 0 });

  const refresh = useCallback(async () => {
    clearTimeout(retry.current.timer);
    // Without the CSRF cookie there is no session: skip the call (and its 401).
    if (!hasSessionCookie()) {
      setMe(null);
      setReady(true);
      return;
    }
    try {
      setMe(await api.auth.me());
      retry.current.failures = 0;
      setWaiting(null);
      setReady(true);
    } catch (err) {
      // Only a 401 means "signed out". A 429 (the rate limit), a 5xx or no network says nothing
      // about the session: keep what we know and ask again after Retry-After (else a growing delay).
      if (err instanceof AtriumError && err.status === 401) {
        setMe(null);
        setWaiting(null);
        setReady(true);
        return;
      }
      const failures = ++retry.current.failures;
      const seconds = err instanceof AtriumError && err.retryAfter ? err.retryAfter : Math.min(60, 2 ** failures);
      setWaiting({ code: err instanceof AtriumError ? err.code : 'NETWORK', seconds });
      retry.current.timer = setTimeout(() => void refreshRef.current(), seconds * 1000);
    }
  }, []);
  const refreshRef = useRef(refresh);
  refreshRef.current = refresh;
  useEffect(() => () => clearTimeout(retry.current.timer), []);

  const reloadMembers = useCallback(async () => {
    try {
      setMembers(await api.members.list());
    } catch {
      /* the screens that need people show their own errors */
    }
  }, []);

  useEffect(() => {
    void refresh();
    setUnauthenticatedHandler(() => {
      closeLive();
      setMe(null);
    });
  }, [refresh]);

  useEffect(() => {
    if (me) void reloadMembers();
    else setMembers([]);
  }, [me, reloadMembers]);

  const signOut = useCallback(async () => {
    try {
      await api.auth.logout();
    } catch {
      /* already signed out */
    }
    closeLive();
    setMe(null);
  }, []);

  const value = useMemo<SessionState>(() => {
    const names = new Map<string, string>();
    for (const m of members) names.set(m.user_id, m.name);
    return { me, ready, waiting, members, names, refresh, reloadMembers, signOut, can: (scope) => !!me?.scopes.includes(scope) };
  }, [me, ready, waiting, members, refresh, reloadMembers, signOut]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

/** A person's name for an actor id (users), or a translated label for other actors. */
export function useActorName() {
  const { names } = useSession();
  return (actor: { type: string; id: string }, t: (k: string) => string) =>
    actor.type === 'user' ? (names.get(actor.id) ?? t('actor.former')) : t(`actor.${actor.type}`);
}
