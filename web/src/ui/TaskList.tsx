// A list of tasks with their workflow, status, due date and assignee.
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import type { Task } from '../../../sdk/src/index.js';
import { useSession } from '../app/session';
import { fmtDay } from '../lib/format';
import { BlockedWhy } from './BlockedWhy';

export function TaskList({ tasks, empty, workflowNames }: { tasks: Task[]; empty: string; workflowNames: Map<string, string> }) {
  const { t, i18n } = useTranslation();
  const { names } = useSession();
  if (tasks.length === 0) return <p className="empty">{empty}</p>;
  return (
    <ul className="list">
      {tasks.map((task) => (
        <li key={task.id}>
          <Link href={`/workflows/${task.workflow_id}?task=${task.id}`}>{task.name}</Link>
          <div className="muted small">
            {workflowNames.get(task.workflow_id) ?? ''} · <span className={`status-${task.status}`}>{t(`status.${task.status}`)}</span>
            {task.due_date && <> · {t('task.due', { date: fmtDay(task.due_date, i18n.language) })}</>}
            {task.assignee_id && <> · {names.get(task.assignee_id) ?? ''}</>}
            {task.overdue && <> · <span className="chip">{t('task.overdue')}</span></>}
          </div>
          <BlockedWhy task={task} />
        </li>
      ))}
    </ul>
  );
}

