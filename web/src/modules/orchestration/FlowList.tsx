// Flows: every flow with its status, latest version and runs; a text filter; the way to a new one.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { useSession } from '../../app/session';
import { useLive } from '../../live';
import { fmtDateTime } from '../../lib/format';
import { useDebounced, useQuery } from '../../lib/query';
import { ErrorText, Loading } from '../../ui/feedback';
import { flows } from './api';

export default function FlowList() {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const [filter, setFilter] = useState('');
  const [status, setStatus] = useState('');
  const q = useQuery(() => flows.list({ status }), [status]);
  const reload = useDebounced(() => void q.reload(), 800);
  useLive((d) => d.namespace === 'orchestration' && reload());
  const needle = filter.trim().toLowerCase();
  const items = (q.data ?? []).filter((f) => !needle || `${f.key} ${f.name} ${f.description}`.toLowerCase().includes(needle));

  return (
    <div className="stack">
      <div className="page-head">
        <h1>{t('flows.title')}</h1>
        <Link className="btn" href="/runs">{t('runs.title')}</Link>
        {can('write') && <Link className="btn btn-primary" href="/flows/new">{t('flows.new')}</Link>}
      </div>
      <p className="muted">{t('flows.hint')}</p>
      <form className="glass panel row" aria-label={t('flows.filters')} onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="fl-q">{t('flows.search')}</label>
          <input id="fl-q" type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="fl-status">{t('fields.status')}</label>
          <select id="fl-status" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">{t('common.all')}</option>
            {(['active', 'paused', 'archived'] as const).map((s) => <option key={s} value={s}>{t(`flowStatus.${s}`)}</option>)}
          </select>
        </div>
      </form>
      <ErrorText error={q.error} onRetry={() => void q.reload()} />
      {!q.data ? (
        !q.error && <Loading />
      ) : items.length === 0 ? (
        <p className="empty glass panel">{q.data.length === 0 ? t('flows.none') : t('flows.noMatch')}</p>
      ) : (
        <div className="glass panel table-wrap">
          <table data-testid="flows-table">
            <caption className="sr-only">{t('flows.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('fields.name')}</th>
                <th scope="col">{t('fields.status')}</th>
                <th scope="col" className="hide-mobile">{t('fields.version')}</th>
                <th scope="col">{t('flows.runsCol')}</th>
                <th scope="col" className="hide-mobile">{t('flows.lastRun')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((f) => (
                <tr key={f.id} data-flow={f.key}>
                  <td>
                    <Link href={`/flows/${encodeURIComponent(f.key)}`}>{f.name}</Link>
                    <div className="muted small mono">{f.key}</div>
                    {f.description && <div className="muted small">{f.description}</div>}
                  </td>
                  <td><span className={`chip flow-${f.status}`}>{t(`flowStatus.${f.status}`, { defaultValue: f.status })}</span></td>
                  <td className="hide-mobile mono">{f.latest_version}</td>
                  <td>
                    {t('flows.runCount', { n: f.runs.total })}
                    {f.runs.failed > 0 && <div className="small health-red">{t('flows.failedCount', { n: f.runs.failed })}</div>}
                  </td>
                  <td className="hide-mobile small">{f.runs.last_at ? fmtDateTime(f.runs.last_at, i18n.language) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
