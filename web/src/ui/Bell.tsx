// The bell in the header: unread count, and a small list of the latest notifications
// (mark read, mark all read, open the entity, see all). Escape or a click outside closes it.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'wouter';
import type { Notification } from '../../../sdk/src/rules.js';
import { rules } from '../api';
import { fmtNumber, fmtRelative } from '../lib/format';
import { refreshInbox, useInbox } from '../lib/inbox';
import { useAction } from './feedback';

/** Where a notification leads: its link, else its entity. */
export function notificationHref(n: Notification): string | null {
  if (n.link) return n.link;
  if (n.entity?.type === 'workflow') return `/workflows/${n.entity.id}`;
  if (n.entity?.type === 'approval') return `/approvals/${n.entity.id}`;
  return null;
}

export function Bell() {
  const { t, i18n } = useTranslation();
  const { unread, latest } = useInbox();
  const [open, setOpen] = useState(false);
  const [location, navigate] = useLocation();
  const box = useRef<HTMLDivElement>(null);
  const run = useAction();
  useEffect(() => setOpen(false), [location]);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  const openOne = async (n: Notification) => {
    if (!n.read) await run(() => rules.markRead(n.id));
    void refreshInbox();
    const href = notificationHref(n);
    navigate(href ?? '/notifications');
  };

  const label = unread > 0 ? t('notifications.bellUnread', { n: fmtNumber(unread, i18n.language) }) : t('notifications.bell');
  return (
    <div className="bell" ref={box} onKeyDown={(e) => e.key === 'Escape' && open && (e.stopPropagation(), setOpen(false))}>
      <button type="button" className="icon-btn bell-btn" aria-haspopup="true" aria-expanded={open} aria-controls="bell-panel" aria-label={label} title={label} onClick={() => setOpen((o) => !o)} data-testid="bell">
        <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
          <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
          <path d="M13.73 21a2 2 0 0 1-3.46 0" />
        </svg>
        {unread > 0 && <span className="badge" data-testid="bell-count" aria-hidden="true">{unread > 99 ? '99+' : fmtNumber(unread, i18n.language)}</span>}
      </button>
      {open && (
        <div id="bell-panel" className="glass bell-panel" role="region" aria-label={t('notifications.title')}>
          <div className="row" style={{ justifyContent: 'space-between' }}>
            <strong>{t('notifications.title')}</strong>
            {unread > 0 && <button type="button" className="btn-sm" onClick={async () => (await run(() => rules.markAllRead())) && void refreshInbox()}>{t('notifications.markAll')}</button>}
          </div>
          {latest.length === 0 ? <p className="empty">{t('notifications.none')}</p> : (
            <ul className="list">
              {latest.map((n) => (
                <li key={n.id} className={n.read ? 'read' : 'unread'}>
                  <button type="button" className="notif-link" onClick={() => void openOne(n)}>
                    {!n.read && <span className="dot" aria-hidden="true" />}
                    <span>
                      <strong>{n.title}</strong>
                      {n.body && <span className="small notif-body">{n.body}</span>}
                      <span className="muted small">{fmtRelative(n.created_at, i18n.language)}{!n.read && <span className="sr-only"> · {t('notifications.unread')}</span>}</span>
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          <Link href="/notifications">{t('notifications.seeAll')}</Link>
        </div>
      )}
    </div>
  );
}
