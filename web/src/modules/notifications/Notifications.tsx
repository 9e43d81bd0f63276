// My notifications: newest first, unread marked, mark one or all read, open the entity.
// Live: the shell's inbox store refreshes on `notification.sent` diffs (or by polling with
// backoff in low-bandwidth mode); this list reloads whenever that store changes.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import type { Notification } from '../../../../sdk/src/rules.js';
import { rules } from '../../api';
import { fmtDateTime, fmtNumber, fmtRelative } from '../../lib/format';
import { refreshInbox, useInbox } from '../../lib/inbox';
import { useQuery } from '../../lib/query';
import { notificationHref } from '../../ui/Bell';
import { ErrorText, Loading, useAction } from '../../ui/feedback';

export default function Notifications() {
  const { t, i18n } = useTranslation();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const q = useQuery(() => rules.notifications({ limit: 100, unread: unreadOnly ? 'true' : undefined }), [unreadOnly]);
  const inbox = useInbox();
  const run = useAction();
  // The inbox store is the live signal: when it changes, so may this list.
  useEffect(() => void q.reload(), [inbox.unread, inbox.latest[0]?.id]); // eslint-disable-line react-hooks/exhaustive-deps

  const mark = async (n: Notification) => {
    if (await run(() => rules.markRead(n.id))) await Promise.all([q.reload(), refreshInbox()]);
  };
  const data = q.data;
  return (
    <div className="stack">
      <div className="page-head">
        <h1>{t('notifications.title')}</h1>
        {data && data.unread > 0 && (
          <button type="button" onClick={async () => (await run(() => rules.markAllRead(), t('notifications.allReadToast'))) && void Promise.all([q.reload(), refreshInbox()])}>
            {t('notifications.markAll')}
          </button>
        )}
      </div>
      <div className="row">
        <span className="chip" role="status" data-testid="unread-count">{t('notifications.unreadCount', { n: fmtNumber(data?.unread ?? inbox.unread, i18n.language) })}</span>
        <label className="choice"><input type="checkbox" checked={unreadOnly} onChange={(e) => setUnreadOnly(e.target.checked)} />{t('notifications.unreadOnly')}</label>
      </div>
      <section className="glass panel" aria-label={t('notifications.title')}>
        {!data ? (q.error ? <ErrorText error={q.error} onRetry={() => void q.reload()} /> : <Loading />) : data.items.length === 0 ? (
          <p className="empty">{t('notifications.none')}</p>
        ) : (
          <ul className="list" data-testid="notifications-list">
            {data.items.map((n) => {
              const href = notificationHref(n);
              return (
                <li key={n.id} className={`notif-row ${n.read ? 'read' : 'unread'}`} data-read={n.read}>
                  <div className="row" style={{ justifyContent: 'space-between', alignItems: 'flex-start', flexWrap: 'wrap' }}>
                    <div style={{ flex: '1 1 240px', minWidth: 0 }}>
                      <strong>{n.title}</strong>
                      {!n.read && <span className="chip" style={{ marginLeft: 6 }}>{t('notifications.unread')}</span>}
                      {n.body && <p className="wrap-any" style={{ margin: '4px 0' }}>{n.body}</p>}
                      <div className="muted small">
                        <time dateTime={n.created_at} title={fmtDateTime(n.created_at, i18n.language)}>{fmtRelative(n.created_at, i18n.language)}</time>
                      </div>
                    </div>
                    <div className="row">
                      {href && <Link className="btn btn-sm" href={href} onClick={() => !n.read && void mark(n)}>{t('notifications.open')}</Link>}
                      {!n.read && <button type="button" className="btn-sm" onClick={() => void mark(n)} aria-label={t('notifications.markReadOf', { name: n.title })}>{t('notifications.markRead')}</button>}
                    </div>
                  </div>
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </div>
  );
}
