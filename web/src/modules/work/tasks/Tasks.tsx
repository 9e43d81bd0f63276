// Blocked or overdue tasks across workflows (palette: "show blocked tasks", "show overdue
// tasks this week"), live.
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useSearch } from 'wouter';
import { api } from '../../../api';
import { useLive } from '../../../live';
import { fmtDay, weekBounds } from '../../../lib/format';
import { useDebounced, useQuery } from '../../../lib/query';
import type { Dashboard } from '../../../lib/types';
import { ErrorText, Loading } from '../../../ui/feedback';
import { TaskList } from '../../../ui/TaskList';

type Filter = 'blocked' | 'overdue';

export default function Tasks() {
  const { t, i18n } = useTranslation();
  const [, navigate] = useLocation();
  const params = new URLSearchParams(useSearch());
  const filter: Filter = params.get('filter') === 'overdue' ? 'overdue' : 'blocked';
  const week = params.get('range') === 'week';
  const q = useQuery(() => api.work.dashboard() as Promise<Dashboard>, []);
  const reload = useDebounced(() => void q.reload(), 400);
  useLive((d) => d.namespace === 'flow_os' && reload());
  const bounds = weekBounds(new Date());
  const workflowNames = useMemo(() => new Map((q.data?.workflows ?? []).map((w) => [w.id, w.name])), [q.data]);

  const tasks = useMemo(() => {
    if (!q.data) return [];
    const list = filter === 'blocked' ? q.data.blocked_tasks.items : q.data.overdue_tasks.items;
    return week ? list.filter((x) => x.due_date && x.due_date >= bounds.start && x.due_date <= bounds.end) : list;
  }, [q.data, filter, week, bounds.start, bounds.end]);

  const title = filter === 'blocked' ? t('tasks.blockedTitle') : week ? t('tasks.overdueWeekTitle') : t('tasks.overdueTitle');
  const go = (f: Filter, w = false) => navigate(`/tasks?filter=${f}${w ? '&range=week' : ''}`, { replace: true });

  return (
    <div className="stack">
      <div className="page-head">
        <h1>{title}</h1>
      </div>
      <div className="tabs" role="tablist" aria-label={t('tasks.filters')}>
        <button type="button" role="tab" aria-selected={filter === 'blocked'} onClick={() => go('blocked')}>{t('tasks.blockedTab')}</button>
        <button type="button" role="tab" aria-selected={filter === 'overdue' && !week} onClick={() => go('overdue')}>{t('tasks.overdueTab')}</button>
        <button type="button" role="tab" aria-selected={filter === 'overdue' && week} onClick={() => go('overdue', true)}>{t('tasks.overdueWeekTab')}</button>
      </div>
      {week && <p className="muted small">{t('tasks.weekRange', { start: fmtDay(bounds.start, i18n.language), end: fmtDay(bounds.end, i18n.language) })}</p>}
      <ErrorText error={q.error} onRetry={() => void q.reload()} />
      {!q.data ? !q.error && <Loading /> : (
        <section className="glass panel" aria-label={title} data-testid="task-results">
          <TaskList tasks={tasks} empty={filter === 'blocked' ? t('pulse.noBlocked') : t('pulse.noOverdue')} workflowNames={workflowNames} />
        </section>
      )}
    </div>
  );
}
