// What the built-in agents do without a model: deterministic, honest behaviours (each output
// says it came from the offline behaviour). With a real model the same loop asks the model to
// plan and critique; these are what the offline provider's answers are replaced by.
import type { Json, JsonObject } from '../../platform/schema.js';

/** A task as `work.list_tasks` returns it. */
export type TaskFacts = {
  id: string; name: string; status: string; assignee_id: string | null; due_date: string | null; priority: string; overdue: boolean;
  blocked_at: string | null; workflow_id: string; workflow: { name: string; department: string; owner_id: string | null };
};
/** One tool call of a plan. */
export type PlannedCall = { tool: string; input: JsonObject; why: string; summary: string };
export type Plan = { summary: string; calls: PlannedCall[]; notes: string[] };

const daysBetween = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);

/** The Ops coordinator's triage of the work it found: one nudge per blocked or overdue task. */
export function opsPlan(work: readonly WorkItem[], today: string): Plan {
  const calls: PlannedCall[] = [];
  const tasks = work.filter((w): w is Extract<WorkItem, { kind: 'task' }> => w.kind === 'task');
  for (const { task, reason } of tasks) {
    const to = task.assignee_id ?? task.workflow.owner_id;
    if (!to) continue;
    if (reason === 'blocked') {
      const since = task.blocked_at ? daysBetween(task.blocked_at.slice(0, 10), today) : 0;
      calls.push({
        tool: 'notifications.notify',
        input: { to: [`user:${to}`], title: `“${task.name}” is blocked`, body: `“${task.name}” (${task.workflow.name}) has been blocked ${since <= 0 ? 'since today' : `for ${since} day${since === 1 ? '' : 's'}`}. What do you need to unblock it?`, link: `/workflows/${task.workflow_id}`, entity: { type: 'task', id: task.id } },
        why: `Blocked ${since <= 0 ? 'today' : `${since} day(s)`}; my duty is to triage blocked tasks and ask ${task.assignee_id ? 'the assignee' : 'the workflow owner'} what is needed.`,
        summary: `Nudge about the blocked task “${task.name}”`,
      });
    } else if (reason === 'overdue' && task.due_date) {
      const late = daysBetween(task.due_date, today);
      calls.push({
        tool: 'notifications.notify',
        input: { to: [`user:${to}`], title: `“${task.name}” is overdue`, body: `“${task.name}” (${task.workflow.name}) was due on ${task.due_date}, ${late} day${late === 1 ? '' : 's'} ago. Can you finish it, or should the date move?`, link: `/workflows/${task.workflow_id}`, entity: { type: 'task', id: task.id } },
        why: `Due ${task.due_date}, ${late} day(s) late; my duty is to chase overdue tasks.`,
        summary: `Remind about the overdue task “${task.name}”`,
      });
    }
  }
  const blocked = tasks.filter((t) => t.reason === 'blocked').length;
  const overdue = tasks.filter((t) => t.reason === 'overdue').length;
  return { summary: `Stand-up ${today}: ${blocked} blocked, ${overdue} overdue; ${calls.length} nudge(s) proposed.`, calls, notes: ['offline behaviour: deterministic triage (no language model)'] };
}

/** What a wake found to do. */
export type WorkItem =
  | { kind: 'task'; reason: 'blocked' | 'overdue'; task: TaskFacts }
  | { kind: 'request'; reason: string; wake_id: string; text: string; from: { type: string; id: string } | null };

/** A review verdict (the reviewer agent's, or the deterministic check offline). */
export type Verdict = { verdict: 'praise' | 'refute'; reasons: string[]; confidence: number };

/** The offline reviewer: refutes a proposal without a why, with an empty message, or to nobody. */
export function offlineReview(p: { command: string; input: Json; why: string }): Verdict {
  const reasons: string[] = [];
  if (p.why.trim().length < 10) reasons.push('the why does not explain the action');
  const input = (p.input ?? {}) as JsonObject;
  if (p.command === 'notifications.notify') {
    if (!Array.isArray(input['to']) || input['to'].length === 0) reasons.push('nobody would receive the notification');
    if (typeof input['title'] !== 'string' || input['title'].trim() === '') reasons.push('the notification has no title');
  }
  if (/\b(delete|drop|wipe|erase)\b/i.test(JSON.stringify(input)) && !p.command.endsWith('.notify')) reasons.push('a destructive change needs a person to ask for it');
  return reasons.length === 0
    ? { verdict: 'praise', reasons: ['the action follows the manual, has a clear why and reaches the right person'], confidence: 0.8 }
    : { verdict: 'refute', reasons, confidence: 0.9 };
}

const PRIORITY: Record<string, number> = { urgent: 3, high: 2, normal: 1, low: 0 };

/** Today's tasks of a person, ranked by deadline, priority and blockage, each with the reason. */
export function rankTasks(tasks: readonly TaskFacts[], today: string) {
  return tasks
    .filter((t) => t.status !== 'done' && t.status !== 'failed')
    .map((t) => {
      const reasons: string[] = [];
      let score = (PRIORITY[t.priority] ?? 1) * 10;
      if (t.priority === 'urgent' || t.priority === 'high') reasons.push(`${t.priority} priority`);
      if (t.due_date) {
        const days = daysBetween(today, t.due_date);
        if (days < 0) { score += 50 + Math.min(30, -days); reasons.push(`overdue by ${-days} day${days === -1 ? '' : 's'}`); }
        else if (days === 0) { score += 40; reasons.push('due today'); }
        else if (days <= 2) { score += 25; reasons.push(`due in ${days} day${days === 1 ? '' : 's'}`); }
        else if (days <= 7) { score += 10; reasons.push('due this week'); }
      }
      if (t.status === 'blocked') { score -= 15; reasons.push('blocked: unblock it first or ask for help'); }
      if (t.status === 'in_progress') { score += 5; reasons.push('already in progress'); }
      if (reasons.length === 0) reasons.push('no deadline pressure');
      return { task: t, score, reasons };
    })
    .sort((a, b) => b.score - a.score || (a.task.due_date ?? '9999').localeCompare(b.task.due_date ?? '9999') || a.task.id.localeCompare(b.task.id));
}
