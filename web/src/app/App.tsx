// Routes: the sign-in screens without the shell, every other screen inside it, each
// screen its own chunk (code-split), each behind an error boundary.
import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { Redirect, Route, Switch, useLocation } from 'wouter';
import { ErrorBoundary } from '../ui/ErrorBoundary';
import { Loading, ToastProvider } from '../ui/feedback';
import { SessionProvider, useSession } from './session';
import { Shell } from './Shell';

const Login = lazy(() => import('../modules/identity/auth/Login'));
const Signup = lazy(() => import('../modules/identity/auth/Signup'));
const AcceptInvitation = lazy(() => import('../modules/identity/auth/AcceptInvitation'));
const Pulse = lazy(() => import('../modules/work/pulse/Pulse'));
const Workflows = lazy(() => import('../modules/work/workflows/WorkflowList'));
const NewWorkflow = lazy(() => import('../modules/work/workflows/NewWorkflow'));
const WorkflowPage = lazy(() => import('../modules/work/workflows/WorkflowPage'));
const Tasks = lazy(() => import('../modules/work/tasks/Tasks'));
const Canvas = lazy(() => import('../modules/work/canvas/Canvas'));
const Audit = lazy(() => import('../modules/ledger/Audit'));
const Settings = lazy(() => import('../modules/identity/settings/Settings'));
const Rules = lazy(() => import('../modules/rules/rules/Rules'));
const Approvals = lazy(() => import('../modules/rules/approvals/Approvals'));
const Notifications = lazy(() => import('../modules/notifications/Notifications'));

function Routes() {
  const { me, ready } = useSession();
  const [location] = useLocation();
  if (!ready) return <Loading />;
  const publicPaths = ['/login', '/signup', '/accept-invitation'];
  if (!me && !publicPaths.includes(location)) {
    const next = location === '/' ? '' : `?next=${encodeURIComponent(location + window.location.search)}`;
    return <Redirect to={`/login${next}`} replace />;
  }
  if (!me) {
    return (
      <ErrorBoundary resetKey={location}>
        <Suspense fallback={<Loading />}>
          <Switch>
            <Route path="/login" component={Login} />
            <Route path="/signup" component={Signup} />
            <Route path="/accept-invitation" component={AcceptInvitation} />
          </Switch>
        </Suspense>
      </ErrorBoundary>
    );
  }
  return (
    <Shell>
      <ErrorBoundary resetKey={location}>
        <Suspense fallback={<Loading />}>
          <Switch>
            <Route path="/" component={Pulse} />
            <Route path="/workflows" component={Workflows} />
            <Route path="/workflows/new" component={NewWorkflow} />
            <Route path="/workflows/:id" component={WorkflowPage} />
            <Route path="/tasks" component={Tasks} />
            <Route path="/canvas" component={Canvas} />
            <Route path="/audit" component={Audit} />
            <Route path="/rules" component={Rules} />
            <Route path="/approvals" component={Approvals} />
            <Route path="/approvals/:id" component={Approvals} />
            <Route path="/notifications" component={Notifications} />
            <Route path="/settings" component={Settings} />
            <Route path="/settings/:tab" component={Settings} />
            <Route path="/login"><Redirect to="/" replace /></Route>
            <Route path="/signup"><Redirect to="/" replace /></Route>
            <Route path="/accept-invitation" component={AcceptInvitation} />
            <Route><NotFound /></Route>
          </Switch>
        </Suspense>
      </ErrorBoundary>
    </Shell>
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
