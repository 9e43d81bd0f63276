// Changing tasks from the list and the board: one place for optimistic updates, version
// guards, and the rule that blocked/failed needs a why (the dialog; nothing moves without it).
import { useCallback, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Sentiment, Task, TaskStatus } from '../../../../../sdk/src/index.js';
import { api } from '../../../api';
import { errorCode, errorMessage } from '../../../lib/errors';
import { useToast } from '../../../ui/feedback';
import { WhyDialog } from '../../../ui/WhyDialog';

export const STATUSES: TaskStatus[] = ['todo', 'in_progress', 'blocked', 'done', 'failed'];
export const NEEDS_WHY = new Set<TaskStatus>(['blocked', 'failed']);
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;

/** Where `moved` lands among the other tasks when dropped before `before` (or at the end). */
export function positionAmongOthers(order: string[], moved: string, before: string | null): number {
  const others = order.filter((id) => id !== moved);
  if (before === null) return others.length;
  const at = others.indexOf(before);
  return at < 0 ? others.length : at;
}

export function useTaskActions(tasks: Task[], setTasks: (t: Task[]) => void, reload: () => Promise<void>) {
  const { t } = useTranslation();
  const toast = useToast();
  const [pending, setPending] = useState<{ task: Task; status: TaskStatus } | null>(null);

  const replace = useCallback((updated: Task, list: Task[]) => list.map((x) => (x.id === updated.id ? updated : x)), []);

  // Edits of one task go out one after another, each with the version the previous one
  // returned: a quick priority change right after a move is not refused as a conflict with
  // ourselves (the version guard is for other people's edits).
  const inFlight = useRef(new Map<string, { done: Promise<unknown>; version: number }>());

  const patch = useCallback(
    (task: Task, body: Record<string, unknown>, optimistic?: Task[]) => {
      const previous = tasks;
      if (optimistic) setTasks(optimistic);
      const prior = inFlight.current.get(task.id);
      const send = async () => {
        const version = Math.max(task.version, inFlight.current.get(task.id)?.version ?? 0);
        try {
          const updated = await api.work.patchTask(task.id, { ...body, version });
          inFlight.current.set(task.id, { done: inFlight.current.get(task.id)?.done ?? Promise.resolve(), version: updated.version });
          setTasks(replace(updated, optimistic ?? previous));
          if ('position' in body) await reload();
          return updated;
        } catch (err) {
          setTasks(previous);
          toast(errorMessage(err, t), 'error');
          if (errorCode(err) === 'VERSION_CONFLICT') await reload();
          throw err;
        }
      };
      const done = (prior?.done ?? Promise.resolve()).catch(() => undefined).then(send);
      inFlight.current.set(task.id, { done, version: prior?.version ?? task.version });
      return done;
    },
    [tasks, setTasks, replace, reload, toast, t],
  );

  const changeStatus = useCallback(
    (task: Task, status: TaskStatus) => {
      if (status === task.status) return;
      if (NEEDS_WHY.has(status)) setPending({ task, status });
      else void patch(task, { status }).catch(() => {});
    },
    [patch],
  );

  const move = useCallback(
    (task: Task, beforeId: string | null) => {
      const order = tasks.map((x) => x.id);
      const position = positionAmongOthers(order, task.id, beforeId);
      const others = tasks.filter((x) => x.id !== task.id);
      const optimistic = [...others.slice(0, position), task, ...others.slice(position)];
      if (optimistic.every((x, i) => x.id === tasks[i]?.id)) return;
      void patch(task, { position }, optimistic).catch(() => {});
    },
    [tasks, patch],
  );

  const dialog = pending && (
    <WhyDialog
      title={t('why.statusTitle', { name: pending.task.name, status: t(`status.${pending.status}`) })}
      description={t('why.statusBody')}
      confirmLabel={t('why.confirmStatus', { status: t(`status.${pending.status}`) })}
      onCancel={() => setPending(null)}
      onConfirm={async (why: string, sentiment: Sentiment) => {
        const updated = await api.work.patchTask(pending.task.id, { status: pending.status, why, sentiment, version: pending.task.version });
        setTasks(replace(updated, tasks));
        setPending(null);
      }}
    />
  );

  return { patch, changeStatus, move, dialog };
}
