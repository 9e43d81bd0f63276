// Who is signed in (GET /v1/me) and the workspace's people (for names and assignees).
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Me, Member } from '../../../sdk/src/index.js';
import { api, hasSessionCookie, setUnauthenticatedHandler } from '../api';
import { closeLive } from '../live';

type SessionState = {
  me: Me | null;
  ready: boolean;
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

  const refresh = useCallback(async () => {
    // Without the CSRF cookie there is no session: skip the call (and its 401).
    if (!hasSessionCookie()) {
      setMe(null);
      setReady(true);
      return;
    }
    try {
      setMe(await api.auth.me());
    } catch {
      setMe(null);
    } finally {
      setReady(true);
    }
  }, []);

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
    return { me, ready, members, names, refresh, reloadMembers, signOut, can: (scope) => !!me?.scopes.includes(scope) };
  }, [me, ready, members, refresh, reloadMembers, signOut]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

/** A person's name for an actor id (users), or a translated label for other actors. */
export function useActorName() {
  const { names } = useSession();
  return (actor: { type: string; id: string }, t: (k: string) => string) =>
    actor.type === 'user' ? (names.get(actor.id) ?? t('actor.former')) : t(`actor.${actor.type}`);
}
