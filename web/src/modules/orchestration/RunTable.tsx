// Runs as a table: status, flow, version, trigger, when.
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { fmtDateTime } from '../../lib/format';
import type { Run } from './api';

export function RunStatusChip({ status }: { status: string }) {
  const { t } = useTranslation();
  return <span className={`chip st-${status}`} data-status={status}>{t(`runStatus.${status}`, { defaultValue: status })}</span>;
}

export function RunTable({ items, showFlow = true }: { items: readonly Run[]; showFlow?: boolean }) {
  const { t, i18n } = useTranslation();
  if (items.length === 0) return <p className="empty">{t('runs.none')}</p>;
  return (
    <div className="table-wrap">
      <table data-testid="runs-table">
        <caption className="sr-only">{t('runs.title')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('runs.run')}</th>
            <th scope="col">{t('fields.status')}</th>
            {showFlow && <th scope="col">{t('runs.flow')}</th>}
            <th scope="col" className="hide-mobile">{t('fields.version')}</th>
            <th scope="col" className="hide-mobile">{t('runs.trigger')}</th>
            <th scope="col" className="hide-mobile">{t('runs.started')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((r) => (
            <tr key={r.id} data-run={r.id}>
              <td><Link href={`/runs/${encodeURIComponent(r.id)}`} className="mono">{r.id}</Link></td>
              <td><RunStatusChip status={r.status} /></td>
              {showFlow && <td>{r.flow_key ? <Link href={`/flows/${encodeURIComponent(r.flow_key)}`}>{r.flow_key}</Link> : '—'}</td>}
              <td className="hide-mobile mono">{r.version}</td>
              <td className="hide-mobile">{t(`trigger.${r.trigger}`, { defaultValue: r.trigger })}</td>
              <td className="hide-mobile small">{fmtDateTime(r.created_at, i18n.language)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
