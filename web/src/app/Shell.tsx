// The frame around every signed-in screen: navigation (the modules' `nav` entries, by `order`),
// the search/command button (Cmd+K, Ctrl+K), live status, the person and sign-out.
import { lazy, Suspense, useEffect, useRef, useState, type ReactNode } from 'react';
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
  const menuButton = useRef<HTMLButtonElement>(null);
  const drawer = useRef<HTMLElement>(null);
  const refocusMenu = useRef(false);
  const closeMenu = () => {
    refocusMenu.current = true;
    setMenuOpen(false);
  };
  // The phone drawer is modal: focus moves into it, the page behind is inert, Escape closes it
  // and gives the focus back to the menu button (once the page is no longer inert).
  useEffect(() => {
    if (menuOpen) drawer.current?.querySelector<HTMLElement>('a[href]')?.focus();
    else if (refocusMenu.current) menuButton.current?.focus();
    refocusMenu.current = false;
  }, [menuOpen]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">{t('nav.skip')}</a>
      <nav ref={drawer} className={`sidebar ${menuOpen ? 'open' : ''}`} aria-label={t('nav.label')} onKeyDown={(e) => menuOpen && e.key === 'Escape' && closeMenu()}>
        <button type="button" className="icon-btn menu-close" aria-label={t('nav.close')} onClick={closeMenu}>✕</button>
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
      </nav>
      <div className="main" inert={menuOpen || undefined}>
        <header className="topbar">
          <button ref={menuButton} type="button" className="menu-btn icon-btn" aria-expanded={menuOpen} aria-label={t('nav.menu')} onClick={() => setMenuOpen((o) => !o)}>☰</button>
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
      {/* After the content in the tab order (search and the screen come first); shown at the foot of the sidebar. */}
      <footer className={`sidebar-foot ${menuOpen ? 'open' : ''}`} onKeyDown={(e) => menuOpen && e.key === 'Escape' && closeMenu()}>
        <span>{me?.user?.name}</span>
        <span>{me?.tenant.name}</span>
        <button type="button" className="btn-sm" onClick={() => void signOut()}>{t('auth.signOut')}</button>
      </footer>
      {menuOpen && <div className="overlay" style={{ zIndex: 30 }} onClick={closeMenu} aria-hidden="true" />}
      {palette && (
        <Suspense fallback={null}>
          <Palette onClose={() => setPalette(false)} />
        </Suspense>
      )}
    </div>
  );
}
