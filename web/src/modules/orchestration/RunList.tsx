// Runs of every flow, newest first: filter by status and by flow.
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useSearch } from 'wouter';
import { useLive } from '../../live';
import { useDebounced, useQuery } from '../../lib/query';
import { ErrorText, Loading } from '../../ui/feedback';
import { runs } from './api';
import { RunTable } from './RunTable';

export const RUN_STATUSES = ['queued', 'running', 'waiting', 'compensating', 'completed', 'failed', 'compensated', 'compensation_failed', 'cancelled'] as const;

export default function RunList() {
  const { t } = useTranslation();
  const [, navigate] = useLocation();
  const params = new URLSearchParams(useSearch());
  const status = params.get('status') ?? '';
  const flow = params.get('flow') ?? '';
  const q = useQuery(() => runs.list({ status, flow }), [status, flow]);
  const reload = useDebounced(() => void q.reload(), 800);
  useLive((d) => d.namespace === 'orchestration' && reload());
  const setParam = (k: string, v: string) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    navigate(`/runs?${next.toString()}`, { replace: true });
  };

  return (
    <div className="stack">
      <div className="page-head">
        <h1>{t('runs.title')}</h1>
        <Link className="btn" href="/flows">{t('flows.title')}</Link>
      </div>
      <form className="glass panel row" aria-label={t('runs.filters')} onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="rl-status">{t('fields.status')}</label>
          <select id="rl-status" value={status} onChange={(e) => setParam('status', e.target.value)}>
            <option value="">{t('common.all')}</option>
            {RUN_STATUSES.map((s) => <option key={s} value={s}>{t(`runStatus.${s}`)}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="rl-flow">{t('runs.flowKey')}</label>
          <input id="rl-flow" defaultValue={flow} onBlur={(e) => setParam('flow', e.target.value.trim())} onKeyDown={(e) => e.key === 'Enter' && setParam('flow', e.currentTarget.value.trim())} />
        </div>
      </form>
      <ErrorText error={q.error} onRetry={() => void q.reload()} />
      {q.data ? <div className="glass panel"><RunTable items={q.data} /></div> : !q.error && <Loading />}
    </div>
  );
}
