// Routes, from the modules' manifests (web/src/modules): the sign-in screens without the shell,
// every other screen inside it, each screen its own chunk (code-split), each behind an error
// boundary.
import { createElement, Suspense, type ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import { Redirect, Route, Switch, useLocation } from 'wouter';
import { MODULES } from '../modules';
import { ErrorBoundary } from '../ui/ErrorBoundary';
import { Loading, ToastProvider } from '../ui/feedback';
import { SessionProvider, useSession, type SessionWait } from './session';
import { Shell } from './Shell';

const routes = MODULES.flatMap((m) => m.routes ?? []);
// Addresses open without a session (sign-in, sign-up, accepting an invitation).
const publicPaths = routes.filter((r) => r.session === 'signed-out' || r.session === 'any').map((r) => r.path);

/**
 * A <Switch> over these routes, given as separate children as if written out one by one: the
 * matched route keeps no key, so moving between two routes of one screen (/settings →
 * /settings/members) keeps the screen mounted.
 */
const switchOf = (children: ReactElement[]) => createElement(Switch, null, ...children);

function Routes() {
  const { me, ready, waiting } = useSession();
  const [location] = useLocation();
  if (!ready) return waiting ? <SessionWaiting wait={waiting} /> : <Loading />;
  if (!me && !publicPaths.includes(location)) {
    const next = location === '/' ? '' : `?next=${encodeURIComponent(location + window.location.search)}`;
    return <Redirect to={`/login${next}`} replace />;
  }
  if (!me) {
    return (
      <ErrorBoundary resetKey={location}>
        <Suspense fallback={<Loading />}>
          {switchOf(routes.filter((r) => r.session === 'signed-out' || r.session === 'any').map((r) => <Route path={r.path} component={r.component} />))}
        </Suspense>
      </ErrorBoundary>
    );
  }
  return (
    <Shell>
      <ErrorBoundary resetKey={location}>
        <Suspense fallback={<Loading />}>
          {switchOf([
            ...routes.map((r) =>
              r.session === 'signed-out' ? <Route path={r.path}><Redirect to="/" replace /></Route> : <Route path={r.path} component={r.component} />,
            ),
            <Route><NotFound /></Route>,
          ])}
        </Suspense>
      </ErrorBoundary>
    </Shell>
  );
}

/** Before we know who is signed in, `/v1/me` was refused for a while (never a sign-out). */
function SessionWaiting({ wait }: { wait: SessionWait }) {
  const { t } = useTranslation();
  const { refresh } = useSession();
  return (
    <div className="glass panel session-wait" role="status" data-testid="session-waiting">
      <h1>{t(wait.code === 'RATE_LIMITED' ? 'sessionWait.busyTitle' : 'sessionWait.unreachableTitle')}</h1>
      <p>{t('sessionWait.body', { n: wait.seconds })}</p>
      <button type="button" className="btn-sm" onClick={() => void refresh()}>{t('sessionWait.now')}</button>
    </div>
  );
}

function NotFound() {
  const { t } = useTranslation();
  return (
    <div className="glass panel">
      <h1>{t('notFound.title')}</h1>
      <p className="muted">{t('notFound.body')}</p>
      <a href="/">{t('boundary.home')}</a>
    </div>
  );
}

export function App() {
  return (
    <ToastProvider>
      <SessionProvider>
        <Routes />
      </SessionProvider>
    </ToastProvider>
  );
}
