// Workflows: filters (status, health, department), sort, and the way to a new one.
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useSearch } from 'wouter';
import type { WorkflowQuery } from '../../../../../sdk/src/index.js';
import { api } from '../../../api';
import { useSession } from '../../../app/session';
import { useLive } from '../../../live';
import { fmtDateTime } from '../../../lib/format';
import { translateReason } from '../../../lib/health';
import { learnNames } from '../../../lib/names';
import { useDebounced, useQuery } from '../../../lib/query';
import { ErrorText, Loading } from '../../../ui/feedback';
import { HealthBadge } from '../../../ui/Health';

export const DEPARTMENTS = ['ops', 'sales', 'creative', 'knowledge', 'hr', 'finance'];

export default function WorkflowList() {
  const { t, i18n } = useTranslation();
  const { names } = useSession();
  const [, navigate] = useLocation();
  const params = new URLSearchParams(useSearch());
  const query: WorkflowQuery = {
    status: (params.get('status') as WorkflowQuery['status']) ?? 'active',
    health: (params.get('health') as WorkflowQuery['health']) ?? undefined,
    department: params.get('department') ?? undefined,
    sort: (params.get('sort') as WorkflowQuery['sort']) ?? 'updated_at',
    order: (params.get('order') as WorkflowQuery['order']) ?? (params.get('sort') === 'name' ? 'asc' : 'desc'),
    limit: 200,
  };
  const key = JSON.stringify(query);
  const q = useQuery(async () => {
    const page = await api.work.list(query);
    learnNames(page.items);
    return page;
  }, [key]);
  const reload = useDebounced(() => void q.reload(), 500);
  useLive((d) => d.namespace === 'flow_os' && reload());

  const setParam = (k: string, v: string) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    navigate(`/workflows?${next.toString()}`, { replace: true });
  };

  return (
    <div className="stack">
      <div className="page-head">
        <h1>{t('workflows.title')}</h1>
        <a className="btn" href="/v1/export/workflows.csv" download>{t('workflows.exportCsv')}</a>
        <Link className="btn btn-primary" href="/workflows/new">{t('workflows.new')}</Link>
      </div>
      <form className="glass panel row" aria-label={t('workflows.filters')} onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="f-status">{t('fields.status')}</label>
          <select id="f-status" value={query.status} onChange={(e) => setParam('status', e.target.value)}>
            <option value="active">{t('workflows.active')}</option>
            <option value="archived">{t('workflows.archived')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-health">{t('fields.health')}</label>
          <select id="f-health" value={query.health ?? ''} onChange={(e) => setParam('health', e.target.value)}>
            <option value="">{t('common.all')}</option>
            {(['green', 'yellow', 'red'] as const).map((h) => (
              <option key={h} value={h}>{t(`health.${h}`)}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-dept">{t('fields.department')}</label>
          <select id="f-dept" value={query.department ?? ''} onChange={(e) => setParam('department', e.target.value)}>
            <option value="">{t('common.all')}</option>
            {DEPARTMENTS.map((d) => (
              <option key={d} value={d}>{t(`departments.${d}`)}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-sort">{t('workflows.sortBy')}</label>
          <select id="f-sort" value={`${query.sort}:${query.order}`} onChange={(e) => {
            const [s, o] = e.target.value.split(':');
            const next = new URLSearchParams(params);
            next.set('sort', s!);
            next.set('order', o!);
            navigate(`/workflows?${next.toString()}`, { replace: true });
          }}>
            <option value="updated_at:desc">{t('workflows.sortUpdated')}</option>
            <option value="name:asc">{t('workflows.sortName')}</option>
            <option value="status:asc">{t('workflows.sortStatus')}</option>
            <option value="owner:asc">{t('workflows.sortOwner')}</option>
          </select>
        </div>
      </form>
      <ErrorText error={q.error} onRetry={() => void q.reload()} />
      {!q.data ? (
        !q.error && <Loading />
      ) : q.data.items.length === 0 ? (
        <p className="empty glass panel">{t('workflows.none')}</p>
      ) : (
        <div className="glass panel table-wrap">
          <table>
            <caption className="sr-only">{t('workflows.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('fields.name')}</th>
                <th scope="col">{t('fields.health')}</th>
                <th scope="col" className="hide-mobile">{t('fields.department')}</th>
                <th scope="col">{t('workflows.progressLabel')}</th>
                <th scope="col" className="hide-mobile">{t('fields.owner')}</th>
                <th scope="col" className="hide-mobile">{t('fields.updated_at')}</th>
              </tr>
            </thead>
            <tbody>
              {q.data.items.map((w) => (
                <tr key={w.id}>
                  <td>
                    <Link href={`/workflows/${w.id}`}>{w.name}</Link>
                    {w.health.reasons[0] && <div className="muted small">{translateReason(w.health.reasons[0], t)}</div>}
                  </td>
                  <td><HealthBadge health={w.health.status} /></td>
                  <td className="hide-mobile">{t(`departments.${w.department}`, { defaultValue: w.department })}</td>
                  <td>{t('workflows.progress', { done: w.progress.done, total: w.progress.total })}</td>
                  <td className="hide-mobile">{w.owner_id ? (names.get(w.owner_id) ?? '—') : '—'}</td>
                  <td className="hide-mobile small">{fmtDateTime(w.updated_at, i18n.language)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
