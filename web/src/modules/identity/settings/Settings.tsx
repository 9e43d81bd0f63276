// Settings: organization, members and roles, invitations, API keys, 2FA, preferences.
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useParams } from 'wouter';
import { useSession } from '../../../app/session';
import { Ai } from '../../ai/Ai';
import { ApiKeys } from './ApiKeys';
import { Members } from './Members';
import { Organization } from './Organization';
import { Preferences } from './Preferences';
import { Security } from './Security';

const TABS = ['organization', 'members', 'api-keys', 'ai', 'security', 'preferences'] as const;
type Tab = (typeof TABS)[number];

export default function Settings() {
  const { t } = useTranslation();
  const { can } = useSession();
  const [, navigate] = useLocation();
  const params = useParams<{ tab?: string }>();
  const tabs = TABS.filter((x) => x !== 'api-keys' || can('admin'));
  const tab: Tab = (tabs as readonly string[]).includes(params.tab ?? '') ? (params.tab as Tab) : 'organization';
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
          <button key={x} type="button" role="tab" aria-selected={tab === x} aria-controls="settings-panel" onClick={() => navigate(`/settings/${x}`, { replace: true })}>
            {t(`settings.tab.${x}`)}
          </button>
        ))}
      </div>
      <div id="settings-panel" role="tabpanel">
        {tab === 'organization' && <Organization />}
        {tab === 'members' && <Members />}
        {tab === 'api-keys' && <ApiKeys />}
        {tab === 'ai' && <Ai />}
        {tab === 'security' && <Security />}
        {tab === 'preferences' && <Preferences />}
      </div>
    </div>
  );
}
