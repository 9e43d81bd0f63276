// One workflow: its tasks as a list or a board, history, clone, archive (with a why).
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useParams, useSearch } from 'wouter';
import type { Diff, Task, Workflow } from '../../../../../sdk/src/index.js';
import { api } from '../../../api';
import { useSession } from '../../../app/session';
import { useLive } from '../../../live';
import { fmtDateTime } from '../../../lib/format';
import { refreshInbox } from '../../../lib/inbox';
import { translateReason } from '../../../lib/health';
import { learnNames, useNames } from '../../../lib/names';
import { useDebounced, useQuery } from '../../../lib/query';
import { DiffLine } from '../../../ui/DiffFeed';
import { ErrorText, Loading, useAction, useToast } from '../../../ui/feedback';
import { HealthBadge } from '../../../ui/Health';
import { WhyDialog } from '../../../ui/WhyDialog';
import { Board } from './Board';
import { useTaskActions } from './taskActions';
import { TaskTable } from './TaskTable';

type View = 'list' | 'board' | 'history';

function History({ workflowId }: { workflowId: string }) {
  const { t } = useTranslation();
  const { names: people } = useSession();
  const [items, setItems] = useState<Diff[]>([]);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loaded, setLoaded] = useState(false);
  const load = async (from?: string) => {
    try {
      const page = await api.work.versions(workflowId, { limit: 50, cursor: from });
      setItems((xs) => (from ? [...xs, ...page.items] : page.items));
      setCursor(page.nextCursor);
      setLoaded(true);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => void load(), [workflowId]);
  useLive((d) => (d.entity_id === workflowId || d.metadata?.workflow_id === workflowId) && void load());
  const names = useNames(items, people);
  if (error) return <ErrorText error={error} onRetry={() => void load()} />;
  if (!loaded) return <Loading />;
  return (
    <div className="glass panel">
      <ol className="list">
        {items.map((d) => (
          <li key={d.id}><DiffLine diff={d} names={names} /></li>
        ))}
      </ol>
      {cursor && <button type="button" onClick={() => void load(cursor)}>{t('common.loadMore')}</button>}
    </div>
  );
}

export default function WorkflowPage() {
  const { t, i18n } = useTranslation();
  const { id } = useParams<{ id: string }>();
  const [, navigate] = useLocation();
  const search = new URLSearchParams(useSearch());
  const view = (search.get('view') as View) ?? 'list';
  const highlight = search.get('task');
  const { members, can } = useSession();
  const run = useAction();
  const toast = useToast();
  const q = useQuery(() => api.work.get(id), [id]);
  const [tasks, setTasks] = useState<Task[]>([]);
  const [newTask, setNewTask] = useState('');
  const [archiving, setArchiving] = useState(false);
  const workflow: Workflow | undefined = q.data;

  useEffect(() => {
    if (q.data?.tasks) {
      setTasks(q.data.tasks);
      learnNames([q.data, ...q.data.tasks]);
    }
  }, [q.data]);
  useEffect(() => {
    if (highlight && tasks.length) document.getElementById(`task-${highlight}`)?.scrollIntoView({ block: 'center' });
  }, [highlight, tasks.length]);

  const reload = useDebounced(() => void q.reload(), 300);
  useLive((d) => (d.entity_id === id || d.metadata?.workflow_id === id) && reload());
  const actions = useTaskActions(tasks, setTasks, q.reload);
  const readOnly = !can('write') || workflow?.status === 'archived';
  const setView = (v: View) => navigate(`/workflows/${id}?view=${v}`, { replace: true });
  const tabs: View[] = useMemo(() => ['list', 'board', 'history'], []);

  if (!workflow) return q.error ? <ErrorText error={q.error} onRetry={() => void q.reload()} /> : <Loading />;

  const addTask = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!newTask.trim()) return;
    const created = await run(() => api.work.addTask(id, { name: newTask.trim() }));
    if (created) {
      setNewTask('');
      setTasks((xs) => [...xs, created]);
    }
  };

  return (
    <div className="stack">
      <div className="page-head">
        <h1>{workflow.name}</h1>
        <HealthBadge health={workflow.health.status} />
      </div>
      <div className="row muted small">
        <span className="chip">{t(`departments.${workflow.department}`, { defaultValue: workflow.department })}</span>
        {workflow.status === 'archived' && <span className="chip">{t('workflows.archived')}</span>}
        <span>{t('workflows.progress', { done: workflow.progress.done, total: workflow.progress.total })}</span>
        <span>· {t('workflow.updated', { when: fmtDateTime(workflow.updated_at, i18n.language) })}</span>
        {workflow.template_id && <span>· {t('workflow.template', { id: workflow.template_id, version: workflow.template_version ?? '' })}</span>}
      </div>
      {workflow.health.reasons.length > 0 && (
        <ul className="row small" aria-label={t('workflow.reasons')} style={{ listStyle: 'none', padding: 0, margin: 0 }}>
          {workflow.health.reasons.map((r) => (
            <li key={r} className={`chip health-${workflow.health.status}`}>{translateReason(r, t)}</li>
          ))}
        </ul>
      )}
      {workflow.description && <p>{workflow.description}</p>}
      <div className="row">
        {can('write') && (
          <button type="button" onClick={async () => {
            const copy = await run(() => api.work.clone(id, { name: t('workflow.copyName', { name: workflow.name }) }));
            if (copy) navigate(`/workflows/${copy.id}`);
          }}>{t('workflow.clone')}</button>
        )}
        {can('write') && workflow.status === 'active' && <button type="button" className="btn-danger" onClick={() => setArchiving(true)}>{t('workflow.archive')}</button>}
        {can('write') && workflow.status === 'archived' && (
          <button type="button" onClick={async () => (await run(() => api.work.restore(id))) && void q.reload()}>{t('workflow.restore')}</button>
        )}
        <Link className="btn" href={`/audit?workflow=${id}`}>{t('workflow.auditLog')}</Link>
      </div>

      <div className="tabs" role="tablist" aria-label={t('workflow.views')}>
        {tabs.map((v) => (
          <button key={v} type="button" role="tab" id={`tab-${v}`} aria-selected={view === v} aria-controls="workflow-view" onClick={() => setView(v)}>
            {t(`workflow.view.${v}`)}
          </button>
        ))}
      </div>
      <div id="workflow-view" role="tabpanel" aria-labelledby={`tab-${view}`}>
        {view === 'history' ? (
          <History workflowId={id} />
        ) : (
          <>
            {tasks.length === 0 && <p className="empty">{t('workflow.noTasks')}</p>}
            {view === 'board' ? (
              <Board tasks={tasks} readOnly={readOnly} onStatus={actions.changeStatus} />
            ) : (
              tasks.length > 0 && (
                <div className="glass panel">
                  <TaskTable
                    tasks={tasks}
                    members={members}
                    readOnly={readOnly}
                    highlight={highlight}
                    onStatus={actions.changeStatus}
                    onPatch={(task, body) => void actions.patch(task, body).catch(() => {})}
                    onMove={actions.move}
                  />
                </div>
              )
            )}
            {!readOnly && (
              <form className="row" onSubmit={addTask} style={{ marginTop: 12 }}>
                <label htmlFor="new-task" className="sr-only">{t('workflow.newTask')}</label>
                <input id="new-task" placeholder={t('workflow.newTask')} value={newTask} onChange={(e) => setNewTask(e.target.value)} style={{ flex: 1, minWidth: 180 }} />
                <button type="submit">{t('workflow.addTask')}</button>
              </form>
            )}
          </>
        )}
      </div>
      {actions.dialog}
      {archiving && (
        <WhyDialog
          title={t('workflow.archiveTitle', { name: workflow.name })}
          description={t('workflow.archiveBody')}
          confirmLabel={t('workflow.archive')}
          onCancel={() => setArchiving(false)}
          onConfirm={async (why) => {
            const out: unknown = await api.work.archive(id, why);
            setArchiving(false);
            // A require_approval rule holds the change (202): it is pending on Approvals.
            if (out && typeof out === 'object' && 'change' in out && (out as { status?: string }).status === 'pending') {
              toast(t('approvals.heldToast'));
              void refreshInbox();
            }
            await q.reload();
          }}
        />
      )}
    </div>
  );
}
