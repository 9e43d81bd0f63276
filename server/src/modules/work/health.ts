// The heartbeat health rule of seed 000 FR-FO-004, in one place:
//   green  — no task overdue, no task blocked;
//   yellow — ≥1 task overdue by less than 3 days, OR ≥1 task blocked;
//   red    — ≥1 task overdue by more than 3 days, OR an urgent ("critical") task blocked
//            for more than 24 hours.
// Boundaries (tested one by one): a task is overdue once its due date has ended (due dates
// are whole days, ending at 24:00 UTC); "overdue by more than 3 days" is strictly more than
// 72 h past that end (exactly 72 h is still yellow); a blocker is critical after strictly
// more than 24 h. Only open tasks (todo, in_progress, blocked) count.

export type Health = 'green' | 'yellow' | 'red';
export type HealthVerdict = { status: Health; reasons: string[] };

export type HealthTask = {
  name: string;
  status: 'todo' | 'in_progress' | 'blocked' | 'done' | 'failed';
  priority: 'low' | 'normal' | 'high' | 'urgent';
  /** YYYY-MM-DD */
  due_date: string | null;
  blocked_at: Date | null;
};

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const RED_OVERDUE_MS = 3 * DAY;
export const CRITICAL_BLOCKER_MS = 24 * HOUR;

const OPEN = new Set(['todo', 'in_progress', 'blocked']);

/** End of the due day (00:00 UTC of the next day), in ms. */
export function dueEndsAt(dueDate: string): number {
  return Date.parse(`${dueDate}T00:00:00.000Z`) + DAY;
}

export function overdueMs(task: Pick<HealthTask, 'status' | 'due_date'>, now: Date): number {
  if (!task.due_date || !OPEN.has(task.status)) return 0;
  return Math.max(0, now.getTime() - dueEndsAt(task.due_date));
}

export function isOverdue(task: Pick<HealthTask, 'status' | 'due_date'>, now: Date): boolean {
  return overdueMs(task, now) > 0;
}

const days = (ms: number) => Math.floor(ms / DAY);

export function healthOf(tasks: readonly HealthTask[], now: Date): HealthVerdict {
  const red: string[] = [];
  const yellow: string[] = [];
  for (const t of tasks) {
    const late = overdueMs(t, now);
    if (late > RED_OVERDUE_MS) red.push(`"${t.name}" is ${days(late)} days overdue`);
    else if (late > 0) yellow.push(`"${t.name}" is overdue`);
    if (t.status === 'blocked') {
      const blockedFor = t.blocked_at ? now.getTime() - t.blocked_at.getTime() : 0;
      if (t.priority === 'urgent' && blockedFor > CRITICAL_BLOCKER_MS) red.push(`urgent "${t.name}" blocked for ${Math.floor(blockedFor / HOUR)} h`);
      else yellow.push(`"${t.name}" is blocked`);
    }
  }
  if (red.length > 0) return { status: 'red', reasons: [...red, ...yellow] };
  if (yellow.length > 0) return { status: 'yellow', reasons: yellow };
  return { status: 'green', reasons: [] };
}
