// Why a blocked task is blocked (issue 16, defect 5), wherever tasks are listed: the board, the
// Pulse and the Tasks page. Read out with its meaning; no quotation marks around text people
// wrote, which may hold its own.
import { useTranslation } from 'react-i18next';
import type { Task } from '../../../sdk/src/index.js';

export function BlockedWhy({ task }: { task: Pick<Task, 'status' | 'blocked_why'> }) {
  const { t } = useTranslation();
  if (task.status !== 'blocked' || !task.blocked_why) return null;
  return (
    <span className="why small" data-testid="blocked-why">
      <span className="sr-only">{t('task.blockedBecause')}: </span>
      {task.blocked_why}
    </span>
  );
}
