// Tasks as a board by status: drag a card to another column, or pick its status from its
// menu (keyboard). Moving to blocked/failed asks for the why first.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Task, TaskStatus } from '../../../../../sdk/src/index.js';
import { useSession } from '../../../app/session';
import { fmtDay } from '../../../lib/format';
import { BlockedWhy } from '../../../ui/BlockedWhy';
import { StatusSelect } from './StatusSelect';
import { STATUSES } from './taskActions';

export function Board({ tasks, readOnly, onStatus }: { tasks: Task[]; readOnly: boolean; onStatus: (task: Task, status: TaskStatus) => void }) {
  const { t, i18n } = useTranslation();
  const { names } = useSession();
  const [dragging, setDragging] = useState<string | null>(null);
  const [over, setOver] = useState<TaskStatus | null>(null);

  return (
    // Columns are titled regions under the page's h1 (h2, no list roles over them: axe's heading
    // order and ARIA role rules), each card an article named by its task.
    <div className="board" role="group" aria-label={t('workflow.board')}>
      {STATUSES.map((status) => {
        const column = tasks.filter((x) => x.status === status);
        return (
          <section
            key={status}
            aria-labelledby={`column-${status}`}
            data-column={status}
            className={`glass column ${over === status ? 'drop-target' : ''}`}
            onDragOver={(e) => {
              if (!dragging) return;
              e.preventDefault();
              setOver(status);
            }}
            onDragLeave={() => setOver((s) => (s === status ? null : s))}
            onDrop={(e) => {
              e.preventDefault();
              const task = tasks.find((x) => x.id === dragging);
              setDragging(null);
              setOver(null);
              if (task) onStatus(task, status);
            }}
          >
            <h2 id={`column-${status}`}>
              <span className={`status-${status}`}>{t(`status.${status}`)}</span>
              <span className="chip">{column.length}</span>
            </h2>
            {column.map((task) => (
              <article
                key={task.id}
                className="card"
                draggable={!readOnly}
                data-task={task.name}
                aria-label={task.name}
                aria-grabbed={dragging === task.id ? true : undefined}
                onDragStart={(e) => {
                  setDragging(task.id);
                  e.dataTransfer.effectAllowed = 'move';
                  e.dataTransfer.setData('text/plain', task.id);
                }}
                onDragEnd={() => {
                  setDragging(null);
                  setOver(null);
                }}
              >
                <strong>{task.name}</strong>
                {task.overdue && <span className="chip overdue-chip">{t('task.overdue')}</span>}
                <span className="small muted">
                  {t(`priority.${task.priority}`)}
                  {task.due_date && <> · {fmtDay(task.due_date, i18n.language)}</>}
                  {task.assignee_id && <> · {names.get(task.assignee_id)}</>}
                </span>
                <BlockedWhy task={task} />
                {!readOnly && (
                  <StatusSelect id={`status-${task.id}`} aria-label={t('workflow.statusOf', { name: task.name })} value={task.status} onCommit={(status) => onStatus(task, status)} />
                )}
              </article>
            ))}
          </section>
        );
      })}
    </div>
  );
}
