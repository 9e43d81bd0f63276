// Tasks as a list: drag a row (or use the move buttons / Alt+↑↓) to reorder; edit status,
// assignee, due date and priority in place.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Member, Task } from '../../../../../sdk/src/index.js';
import { BlockedWhy } from '../../../ui/BlockedWhy';
import { StatusSelect } from './StatusSelect';
import { PRIORITIES } from './taskActions';

type Props = {
  tasks: Task[];
  members: Member[];
  readOnly: boolean;
  highlight?: string | null;
  onStatus: (task: Task, status: Task['status']) => void;
  onPatch: (task: Task, body: Record<string, unknown>) => void;
  onMove: (task: Task, beforeId: string | null) => void;
};

export function TaskTable({ tasks, members, readOnly, highlight, onStatus, onPatch, onMove }: Props) {
  const { t } = useTranslation();
  const [dragging, setDragging] = useState<string | null>(null);
  const [over, setOver] = useState<string | null>(null);
  const people = members.filter((m) => m.role !== 'integration');

  const moveBy = (task: Task, delta: -1 | 1) => {
    const i = tasks.findIndex((x) => x.id === task.id);
    const target = i + delta;
    if (target < 0 || target >= tasks.length) return;
    // Dropping before the task that will follow it: one up → before the previous; one down → before the one after next.
    onMove(task, delta === -1 ? tasks[target]!.id : (tasks[target + 1]?.id ?? null));
  };

  return (
    <div className="table-wrap">
      <table className="task-table">
        <caption className="sr-only">{t('workflow.tasksCaption')}</caption>
        <thead>
          <tr>
            <th scope="col"><span className="sr-only">{t('workflow.order')}</span></th>
            <th scope="col">{t('fields.name')}</th>
            <th scope="col">{t('fields.status')}</th>
            <th scope="col">{t('fields.assignee_id')}</th>
            <th scope="col">{t('fields.due_date')}</th>
            <th scope="col">{t('fields.priority')}</th>
          </tr>
        </thead>
        <tbody>
          {tasks.map((task, i) => (
            <tr
              key={task.id}
              id={`task-${task.id}`}
              data-task={task.name}
              className={[highlight === task.id ? 'selected' : '', over === task.id && dragging !== task.id ? 'drop-before' : ''].join(' ')}
              draggable={!readOnly}
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
              onDragOver={(e) => {
                if (!dragging) return;
                e.preventDefault();
                setOver(task.id);
              }}
              onDrop={(e) => {
                e.preventDefault();
                const moved = tasks.find((x) => x.id === dragging);
                if (moved && moved.id !== task.id) onMove(moved, task.id);
                setDragging(null);
                setOver(null);
              }}
            >
              <td style={{ whiteSpace: 'nowrap' }}>
                <span className="drag-handle muted" aria-hidden="true">⠿</span>
                {!readOnly && (
                  <>
                    <button type="button" className="btn-ghost icon-btn btn-sm" disabled={i === 0} onClick={() => moveBy(task, -1)} aria-label={t('workflow.moveUp', { name: task.name })}>↑</button>
                    <button type="button" className="btn-ghost icon-btn btn-sm" disabled={i === tasks.length - 1} onClick={() => moveBy(task, 1)} aria-label={t('workflow.moveDown', { name: task.name })}>↓</button>
                  </>
                )}
              </td>
              <td>
                <span>{task.name}</span>
                {task.overdue && <span className="chip" style={{ marginLeft: 6 }}>{t('task.overdue')}</span>}
                <BlockedWhy task={task} />
              </td>
              <td>
                <StatusSelect
                  id={`status-${task.id}`}
                  aria-label={t('workflow.statusOf', { name: task.name })}
                  className={`status-${task.status}`}
                  value={task.status}
                  disabled={readOnly}
                  onCommit={(status) => onStatus(task, status)}
                  onKeyDown={(e) => e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown') && (e.preventDefault(), moveBy(task, e.key === 'ArrowUp' ? -1 : 1))}
                />
              </td>
              <td>
                <select aria-label={t('workflow.assigneeOf', { name: task.name })} value={task.assignee_id ?? ''} disabled={readOnly} onChange={(e) => onPatch(task, { assignee_id: e.target.value || null })}>
                  <option value="">{t('task.unassigned')}</option>
                  {people.map((m) => (
                    <option key={m.user_id} value={m.user_id}>{m.name}</option>
                  ))}
                </select>
              </td>
              <td>
                <input
                  type="date"
                  aria-label={t('workflow.dueOf', { name: task.name })}
                  value={task.due_date ?? ''}
                  disabled={readOnly}
                  onChange={(e) => onPatch(task, { due_date: e.target.value || null })}
                />
              </td>
              <td>
                <select aria-label={t('workflow.priorityOf', { name: task.name })} value={task.priority} disabled={readOnly} onChange={(e) => onPatch(task, { priority: e.target.value })}>
                  {PRIORITIES.map((p) => (
                    <option key={p} value={p}>{t(`priority.${p}`)}</option>
                  ))}
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
