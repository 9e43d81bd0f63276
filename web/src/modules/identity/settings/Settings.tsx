// Settings: organization, members and roles, invitations, API keys, 2FA, preferences, and the
// tabs other modules add through their manifest's `settings` (Settings → AI).
import { Suspense, useEffect, useRef, type ComponentType } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useParams } from 'wouter';
import type { SettingsTab } from '../../../app/manifest';
import { useSession } from '../../../app/session';
import { Loading } from '../../../ui/feedback';
import { SETTINGS_TABS } from '../../index';
import { ApiKeys } from './ApiKeys';
import { Members } from './Members';
import { Organization } from './Organization';
import { Preferences } from './Preferences';
import { Security } from './Security';

const OWN: SettingsTab[] = [
  { id: 'organization', labelKey: 'settings.tab.organization', order: 10, component: Organization },
  { id: 'members', labelKey: 'settings.tab.members', order: 20, component: Members },
  { id: 'api-keys', labelKey: 'settings.tab.api-keys', order: 30, component: ApiKeys, scope: 'admin' },
  { id: 'security', labelKey: 'settings.tab.security', order: 50, component: Security },
  { id: 'preferences', labelKey: 'settings.tab.preferences', order: 60, component: Preferences },
];
const TABS = [...OWN, ...SETTINGS_TABS].sort((a, b) => a.order - b.order);

export default function Settings() {
  const { t } = useTranslation();
  const { can } = useSession();
  const [, navigate] = useLocation();
  const params = useParams<{ tab?: string }>();
  const tabs = TABS.filter((x) => !x.scope || can(x.scope));
  const current = tabs.find((x) => x.id === params.tab) ?? tabs[0]!;
  const tab = current.id;
  const Panel: ComponentType = current.component;
  // On a phone the tabs scroll sideways: bring the current one into view (the strip only,
  // never the page).
  const strip = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = strip.current?.querySelector('[aria-selected=true]');
    if (!strip.current || !el) return;
    const s = strip.current.getBoundingClientRect();
    const r = el.getBoundingClientRect();
    if (r.left < s.left || r.right > s.right) strip.current.scrollLeft += r.left - s.left - (s.width - r.width) / 2;
  }, [tab]);
  return (
    <div className="stack">
      <div className="page-head"><h1>{t('settings.title')}</h1></div>
      <div className="tabs" role="tablist" aria-label={t('settings.title')} ref={strip}>
        {tabs.map((x) => (
          <button key={x.id} type="button" role="tab" aria-selected={tab === x.id} aria-controls="settings-panel" onClick={() => navigate(`/settings/${x.id}`, { replace: true })}>
            {t(x.labelKey)}
          </button>
        ))}
      </div>
      <div id="settings-panel" role="tabpanel">
        <Suspense fallback={<Loading />}>
          <Panel key={tab} />
        </Suspense>
      </div>
    </div>
  );
}
