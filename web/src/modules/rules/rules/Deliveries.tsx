// A webhook run's delivery log: every attempt, what the receiver answered (or the network
// error), how long it took and when the next try is due. Loaded on demand, one run at a time.
import { useTranslation } from 'react-i18next';
import { rules } from '../../../api';
import { fmtDateTime, fmtNumber } from '../../../lib/format';
import { useQuery } from '../../../lib/query';
import { ErrorText, Loading } from '../../../ui/feedback';

export function Deliveries({ runId }: { runId: string }) {
  const { t, i18n } = useTranslation();
  const q = useQuery(() => rules.run(runId), [runId]);
  if (!q.data) return q.error ? <ErrorText error={q.error} onRetry={() => void q.reload()} /> : <Loading />;
  const attempts = q.data.deliveries ?? [];
  if (attempts.length === 0) return <p className="empty">{t('rules.noDeliveries')}</p>;
  const ok = (code: number | null) => code !== null && code >= 200 && code < 300;
  return (
    <div className="table-wrap">
      <table data-testid="webhook-deliveries" aria-label={t('rules.deliveryLog')}>
        <thead>
          <tr>
            <th scope="col">{t('rules.attempt')}</th>
            <th scope="col">{t('rules.answer')}</th>
            <th scope="col">{t('rules.error')}</th>
            <th scope="col">{t('rules.duration')}</th>
            <th scope="col">{t('rules.when')}</th>
            <th scope="col">{t('rules.nextTry')}</th>
          </tr>
        </thead>
        <tbody>
          {attempts.map((a) => (
            <tr key={a.attempt}>
              <td>{fmtNumber(a.attempt, i18n.language)}</td>
              <td>
                <span className={ok(a.status_code) ? 'chip' : 'chip status-blocked'}>
                  {a.status_code === null ? t('rules.noAnswer') : t('rules.httpStatus', { code: a.status_code })}
                </span>
              </td>
              <td className="small wrap-any">{a.error ?? '—'}</td>
              <td>{t('rules.ms', { n: fmtNumber(Math.round(a.duration_ms), i18n.language) })}</td>
              <td className="small">{fmtDateTime(a.created_at, i18n.language)}</td>
              <td className="small">{a.next_retry_at ? fmtDateTime(a.next_retry_at, i18n.language) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
