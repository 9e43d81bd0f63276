// My day: my open tasks ranked by deadline, priority and blockage, each with its reasons
// (GET /v1/my-day, the Ops coordinator's ranking).
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { fmtDay } from '../../lib/format';
import { useDebounced, useQuery } from '../../lib/query';
import { useLive } from '../../live';
import { ErrorText, Loading } from '../../ui/feedback';
import { inbox } from './api';

export default function MyDay() {
  const { t, i18n } = useTranslation();
  const q = useQuery(() => inbox.myDay(), []);
  const reload = useDebounced(() => void q.reload(), 1000);
  useLive((d) => d.namespace === 'work' && reload());
  return (
    <div className="stack">
      <div className="page-head"><h1>{t('myDay.title')}</h1>{q.data && <span className="muted">{fmtDay(q.data.day, i18n.language)}</span>}</div>
      <p className="muted">{t('myDay.hint')}</p>
      {!q.data ? (q.error ? <ErrorText error={q.error} onRetry={() => void q.reload()} /> : <Loading />) : q.data.tasks.length === 0 ? (
        <p className="empty glass panel">{t('myDay.none')}</p>
      ) : (
        <ol className="stack" style={{ margin: 0, paddingLeft: 20 }} data-testid="my-day">
          {q.data.tasks.map(({ task, score, reasons }) => (
            <li key={task.id} className="glass panel">
              <Link href={task.workflow_id ? `/workflows/${encodeURIComponent(task.workflow_id)}` : '/tasks'}>{task.name}</Link>
              <span className="muted small"> · {t('myDay.score', { n: score })}</span>
              <ul className="small" style={{ margin: '4px 0 0' }}>{reasons.map((r) => <li key={r}>{r}</li>)}</ul>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
