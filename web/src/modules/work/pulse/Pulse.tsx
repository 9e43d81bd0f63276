// The Pulse (seed 000 FR-FO-004): health counts, workflows with their dots, overdue and
// blocked tasks, workload per member, and the live feed of diffs with their whys. Every new
// diff refreshes it (SSE, or polling in low-bandwidth mode) without a reload.
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useSearch } from 'wouter';
import type { Diff, Health } from '../../../../../sdk/src/index.js';
import { api } from '../../../api';
import { useSession } from '../../../app/session';
import { useLive } from '../../../live';
import { fmtNumber } from '../../../lib/format';
import { useInbox } from '../../../lib/inbox';
import { translateReason } from '../../../lib/health';
import { learnNames, useNames } from '../../../lib/names';
import { useDebounced, useQuery } from '../../../lib/query';
import type { Dashboard } from '../../../lib/types';
import { DiffFeed } from '../../../ui/DiffFeed';
import { ErrorText, Loading } from '../../../ui/feedback';
import { HealthBadge, HealthIcon } from '../../../ui/Health';
import { TaskList } from '../../../ui/TaskList';

const HEALTHS: Health[] = ['green', 'yellow', 'red'];

export default function Pulse() {
  const { t, i18n } = useTranslation();
  const { names: people } = useSession();
  const [, navigate] = useLocation();
  const department = new URLSearchParams(useSearch()).get('department') ?? undefined;
  const q = useQuery(() => api.work.dashboard(department) as Promise<Dashboard>, [department]);
  const { pending } = useInbox();
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const refresh = useDebounced(() => void q.reload(), 400);
  useLive((d: Diff) => {
    setFresh((s) => new Set(s).add(d.id));
    refresh();
  });

  const data = q.data;
  const workflowNames = useMemo(() => {
    const m = new Map<string, string>();
    if (data) {
      for (const w of data.workflows) m.set(w.id, w.name);
      learnNames(data.workflows);
      learnNames([...data.blocked_tasks.items, ...data.overdue_tasks.items]);
    }
    return m;
  }, [data]);
  const names = useNames(data?.recent_diffs ?? [], useMemo(() => new Map([...people, ...workflowNames]), [people, workflowNames]));

  if (!data) return q.error ? <ErrorText error={q.error} onRetry={() => void q.reload()} /> : <Loading />;
  const maxLoad = Math.max(1, ...data.workload.map((w) => w.open_tasks));

  return (
    <div className="stack">
      <div className="page-head">
        <h1>{t('pulse.title')}</h1>
        {department && (
          <span className="chip">
            {t('pulse.department', { name: t(`departments.${department}`, { defaultValue: department }) })}
            <button type="button" className="btn-sm btn-ghost" onClick={() => navigate('/')} aria-label={t('pulse.clearDepartment')}>✕</button>
          </span>
        )}
        <Link className={`btn ${pending > 0 ? '' : 'btn-ghost'}`} href="/approvals" data-testid="pulse-pending">
          {t('pulse.pendingApprovals', { n: fmtNumber(pending, i18n.language) })}
        </Link>
        <Link className="btn btn-primary" href="/workflows/new">{t('workflows.new')}</Link>
      </div>
      <ErrorText error={q.error} onRetry={() => void q.reload()} />

      <section aria-labelledby="health-h">
        <h2 id="health-h" className="sr-only">{t('pulse.healthCounts')}</h2>
        <div className="grid grid-3 counts">
          {HEALTHS.map((h) => (
            <Link key={h} href={`/workflows?health=${h}`} className={`glass count-card health-${h}`} style={{ textDecoration: 'none' }} data-testid={`health-${h}`}>
              <HealthIcon health={h} />
              <div>
                <div className="n">{fmtNumber(data.health[h], i18n.language)}</div>
                <div>{t(`health.${h}`)}</div>
                <div className="muted small hint-line">{t(`health.${h}Hint`)}</div>
              </div>
            </Link>
          ))}
        </div>
      </section>

      <div className="grid grid-2" style={{ alignItems: 'start' }}>
        <section className="glass panel" aria-labelledby="wf-h">
          <h2 id="wf-h">{t('pulse.workflows')}</h2>
          {data.workflows.length === 0 ? (
            <p className="empty">{t('pulse.noWorkflows')} <Link href="/workflows/new">{t('workflows.new')}</Link></p>
          ) : (
            <ul className="list">
              {data.workflows.slice(0, 12).map((w) => (
                <li key={w.id}>
                  <div className="row" style={{ justifyContent: 'space-between' }}>
                    <Link href={`/workflows/${w.id}`}>{w.name}</Link>
                    <HealthBadge health={w.health} />
                  </div>
                  <div className="row small muted">
                    <span>{t(`departments.${w.department}`, { defaultValue: w.department })}</span>
                    <span>·</span>
                    <span>{t('workflows.progress', { done: w.progress.done, total: w.progress.total })}</span>
                    <div className="progress" style={{ flex: 1 }} aria-hidden="true">
                      <span style={{ width: `${w.progress.total ? (100 * w.progress.done) / w.progress.total : 0}%` }} />
                    </div>
                  </div>
                  {w.reasons.length > 0 && <div className="small muted">{w.reasons.slice(0, 2).map((r) => translateReason(r, t)).join(' · ')}</div>}
                </li>
              ))}
            </ul>
          )}
        </section>

        <section className="glass panel" aria-labelledby="feed-h">
          <h2 id="feed-h">{t('pulse.feed')}</h2>
          <DiffFeed diffs={data.recent_diffs.slice(0, 10)} names={names} fresh={fresh} />
        </section>

        <section className="glass panel" aria-labelledby="blocked-h">
          <h2 id="blocked-h">
            {t('pulse.blocked')} <span className="chip">{fmtNumber(data.blocked_tasks.count, i18n.language)}</span>
          </h2>
          <TaskList tasks={data.blocked_tasks.items.slice(0, 8)} empty={t('pulse.noBlocked')} workflowNames={workflowNames} />
          {data.blocked_tasks.count > 0 && <Link href="/tasks?filter=blocked">{t('pulse.seeAll')}</Link>}
        </section>

        <section className="glass panel" aria-labelledby="overdue-h">
          <h2 id="overdue-h">
            {t('pulse.overdue')} <span className="chip">{fmtNumber(data.overdue_tasks.count, i18n.language)}</span>
          </h2>
          <TaskList tasks={data.overdue_tasks.items.slice(0, 8)} empty={t('pulse.noOverdue')} workflowNames={workflowNames} />
          {data.overdue_tasks.count > 0 && <Link href="/tasks?filter=overdue">{t('pulse.seeAll')}</Link>}
        </section>
      </div>

      <section className="glass panel" aria-labelledby="load-h">
        <h2 id="load-h">{t('pulse.workload')}</h2>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('fields.member')}</th>
                <th scope="col">{t('pulse.open')}</th>
                <th scope="col">{t('pulse.overdueShort')}</th>
                <th scope="col">{t('pulse.blockedShort')}</th>
                <th scope="col" className="hide-mobile"><span className="sr-only">{t('pulse.load')}</span></th>
              </tr>
            </thead>
            <tbody>
              {data.workload.map((w) => (
                <tr key={w.user_id}>
                  <td>{w.name}</td>
                  <td>{fmtNumber(w.open_tasks, i18n.language)}</td>
                  <td>{fmtNumber(w.overdue, i18n.language)}</td>
                  <td>{fmtNumber(w.blocked, i18n.language)}</td>
                  <td className="hide-mobile" style={{ width: '40%' }}>
                    <div className="bar" aria-hidden="true">
                      <span style={{ width: `${(100 * Math.max(0, w.open_tasks - w.overdue - w.blocked)) / maxLoad}%`, background: '#60a5fa' }} />
                      <span style={{ width: `${(100 * w.overdue) / maxLoad}%`, background: 'var(--yellow)' }} />
                      <span style={{ width: `${(100 * w.blocked) / maxLoad}%`, background: 'var(--red)' }} />
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {data.unassigned_open_tasks > 0 && <p className="muted small">{t('pulse.unassigned', { n: fmtNumber(data.unassigned_open_tasks, i18n.language) })}</p>}
      </section>
    </div>
  );
}
