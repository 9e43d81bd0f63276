// The frame around every signed-in screen: navigation (the modules' `nav` entries, by `order`),
// the search/command button (Cmd+K, Ctrl+K), live status, the person and sign-out.
import { lazy, Suspense, useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'wouter';
import { useLive, useLiveStatus } from '../live';
import { fmtNumber } from '../lib/format';
import { useInbox, useInboxFeed } from '../lib/inbox';
import { NAV } from '../modules';
import { Bell } from '../ui/Bell';
import { useSession } from './session';

const Palette = lazy(() => import('./Palette'));

/** The entry for this address: the longest `to` that is it or a parent of it (/settings/ai → AI, not Settings). */
function currentNav(location: string): string | undefined {
  let best: string | undefined;
  for (const { to } of NAV) {
    const hit = to === '/' ? location === '/' : location === to || location.startsWith(`${to}/`);
    if (hit && (best === undefined || to.length > best.length)) best = to;
  }
  return best;
}

export function LiveIndicator() {
  const { t } = useTranslation();
  const status = useLiveStatus();
  useLive(() => {}); // keeps the shared stream open while signed in
  return (
    <span className="chip live-chip" role="status" aria-live="polite" data-live={status} title={t(`live.${status}`)}>
      <span className={`live-dot ${status}`} aria-hidden="true" />
      <span className="live-text">{t(`live.${status}`)}</span>
    </span>
  );
}

export function Shell({ children }: { children: ReactNode }) {
  const { t, i18n } = useTranslation();
  const [location] = useLocation();
  const current = currentNav(location);
  const { me, signOut } = useSession();
  useInboxFeed(me?.user?.id);
  const inbox = useInbox();
  const [menuOpen, setMenuOpen] = useState(false);
  const [palette, setPalette] = useState(false);
  const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.metaKey || e.ctrlKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setPalette((open) => !open);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  useEffect(() => setMenuOpen(false), [location]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">{t('nav.skip')}</a>
      <nav className={`sidebar ${menuOpen ? 'open' : ''}`} aria-label={t('nav.label')}>
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">A</span>
          <span>Atrium</span>
        </div>
        <div className="nav">
          {NAV.map((n) => (
            <Link key={n.to} href={n.to} aria-current={n.to === current ? 'page' : undefined}>
              <span className="nav-icon" aria-hidden="true">{n.icon}</span>
              {t(n.labelKey)}
              {n.badge && inbox[n.badge.count] > 0 && (
                <span className="badge nav-badge" data-testid={`nav-${n.badge.count}`}>
                  {fmtNumber(inbox[n.badge.count], i18n.language)}
                  <span className="sr-only"> {t(n.badge.labelKey, { n: inbox[n.badge.count] })}</span>
                </span>
              )}
            </Link>
          ))}
        </div>
        <div className="sidebar-foot">
          <span>{me?.user?.name}</span>
          <span>{me?.tenant.name}</span>
          <button type="button" className="btn-sm" onClick={() => void signOut()}>{t('auth.signOut')}</button>
        </div>
      </nav>
      <div className="main">
        <header className="topbar">
          <button type="button" className="menu-btn icon-btn" aria-expanded={menuOpen} aria-label={t('nav.menu')} onClick={() => setMenuOpen((o) => !o)}>☰</button>
          {/* Its accessible name is its visible text (on phones, where the text is hidden, the same words for screen readers). */}
          <button type="button" className="btn-ghost search-btn" onClick={() => setPalette(true)} aria-keyshortcuts="Meta+K Control+K">
            <span aria-hidden="true">⌕</span>
            <span className="sr-only-mobile muted">{t('palette.open')}</span>
            <kbd className="hide-mobile" aria-hidden="true">{isMac ? '⌘' : 'Ctrl'} K</kbd>
          </button>
          <span className="spacer" />
          <LiveIndicator />
          <Bell />
        </header>
        <main id="main" className="content" tabIndex={-1}>
          {children}
        </main>
      </div>
      {menuOpen && <div className="overlay" style={{ zIndex: 30 }} onClick={() => setMenuOpen(false)} aria-hidden="true" />}
      {palette && (
        <Suspense fallback={null}>
          <Palette onClose={() => setPalette(false)} />
        </Suspense>
      )}
    </div>
  );
}
