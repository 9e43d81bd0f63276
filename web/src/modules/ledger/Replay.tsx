// Replay: pick an entity and a moment on a slider (one stop per recorded change) and see
// the entity as it was then, replayed from the ledger; fields that differ from now are marked.
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Diff, Json, Task, Workflow } from '../../../../sdk/src/index.js';
import { api } from '../../api';
import { useActorName } from '../../app/session';
import { showValue } from '../../lib/diffs';
import { fmtDateTime } from '../../lib/format';
import { useQuery } from '../../lib/query';
import { ErrorText, Loading } from '../../ui/feedback';

type Ref = { type: string; id: string; at?: string };
type Obj = Record<string, Json>;
const asObj = (v: Json | null | undefined): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

function EntityPicker({ value, onPick }: { value: Ref; onPick: (r: Ref) => void }) {
  const { t } = useTranslation();
  const workflows = useQuery(() => api.work.list({ limit: 200, status: undefined }), []);
  const [workflowId, setWorkflowId] = useState(value.type === 'workflow' ? value.id : '');
  const [tasks, setTasks] = useState<Task[]>([]);
  const [type, setType] = useState(value.type);
  const [id, setId] = useState(value.id);
  useEffect(() => {
    setType(value.type);
    setId(value.id);
  }, [value.type, value.id]);
  useEffect(() => {
    if (!workflowId) return setTasks([]);
    api.work.tasks(workflowId).then(setTasks, () => setTasks([]));
  }, [workflowId]);
  const list: Workflow[] = workflows.data?.items ?? [];
  return (
    <form className="glass panel stack" onSubmit={(e) => (e.preventDefault(), onPick({ type: type.trim(), id: id.trim() }))} aria-label={t('replay.pick')}>
      <div className="grid grid-2">
        <div className="field">
          <label htmlFor="rp-wf">{t('replay.workflow')}</label>
          <select id="rp-wf" value={workflowId} onChange={(e) => {
            setWorkflowId(e.target.value);
            if (e.target.value) onPick({ type: 'workflow', id: e.target.value });
          }}>
            <option value="">—</option>
            {list.map((w) => (
              <option key={w.id} value={w.id}>{w.name}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="rp-task">{t('replay.task')}</label>
          <select id="rp-task" value={type === 'task' ? id : ''} disabled={tasks.length === 0} onChange={(e) => e.target.value && onPick({ type: 'task', id: e.target.value })}>
            <option value="">—</option>
            {tasks.map((x) => (
              <option key={x.id} value={x.id}>{x.name}</option>
            ))}
          </select>
        </div>
      </div>
      <details>
        <summary>{t('replay.other')}</summary>
        <div className="row" style={{ marginTop: 8, alignItems: 'flex-end' }}>
          <div className="field">
            <label htmlFor="rp-type">{t('fields.entity_type')}</label>
            <input id="rp-type" value={type} onChange={(e) => setType(e.target.value)} />
          </div>
          <div className="field" style={{ flex: 1 }}>
            <label htmlFor="rp-id">{t('fields.entity_id')}</label>
            <input id="rp-id" value={id} onChange={(e) => setId(e.target.value)} />
          </div>
          <button type="submit">{t('replay.show')}</button>
        </div>
      </details>
    </form>
  );
}

export function Replay({ entity, onPick }: { entity: Ref | null; onPick: (r: Ref) => void }) {
  const { t, i18n } = useTranslation();
  const actorName = useActorName();
  const history = useQuery(async () => {
    if (!entity?.type || !entity.id) return [] as Diff[];
    const out: Diff[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.entities.history(entity.type, entity.id, { limit: 200, cursor });
      out.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && out.length < 1000);
    return out.reverse();
  }, [entity?.type, entity?.id]);
  const steps = history.data ?? [];
  const [index, setIndex] = useState(0);
  useEffect(() => {
    if (steps.length === 0) return;
    const at = entity?.at ? steps.findIndex((d) => d.created_at === entity.at) : -1;
    setIndex(at >= 0 ? at : steps.length - 1);
  }, [steps, entity?.at]);
  const step = steps[Math.min(index, steps.length - 1)];
  const state = useQuery(async () => (step && entity ? api.entities.stateAt(entity.type, entity.id, step.created_at) : null), [step?.id]);
  const now = useQuery(async () => (entity?.id ? api.entities.stateAt(entity.type, entity.id) : null), [entity?.type, entity?.id, steps.length]);
  const current = asObj(now.data?.state);
  const then = asObj(state.data?.state);
  const keys = useMemo(() => [...new Set([...Object.keys(then), ...Object.keys(current)])], [then, current]);

  return (
    <div className="stack">
      <EntityPicker value={entity ?? { type: 'task', id: '' }} onPick={onPick} />
      {!entity?.id ? (
        <p className="empty">{t('replay.choose')}</p>
      ) : history.error ? (
        <ErrorText error={history.error} onRetry={() => void history.reload()} />
      ) : !history.data ? (
        <Loading />
      ) : steps.length === 0 ? (
        <p className="empty">{t('replay.noHistory')}</p>
      ) : (
        <section className="glass panel stack" aria-labelledby="replay-h" data-testid="replay">
          <h2 id="replay-h">{t('replay.title', { name: typeof current.name === 'string' ? current.name : entity.id })}</h2>
          <div className="field">
            <label htmlFor="replay-slider">{t('replay.moment')}</label>
            <input
              id="replay-slider"
              type="range"
              min={0}
              max={steps.length - 1}
              step={1}
              value={Math.min(index, steps.length - 1)}
              onChange={(e) => setIndex(Number(e.target.value))}
              aria-valuetext={step ? fmtDateTime(step.created_at, i18n.language) : ''}
            />
            <div className="row small muted" style={{ justifyContent: 'space-between' }}>
              <span>{fmtDateTime(steps[0]!.created_at, i18n.language)}</span>
              <span>{fmtDateTime(steps[steps.length - 1]!.created_at, i18n.language)}</span>
            </div>
          </div>
          {step && (
            <p data-testid="replay-step">
              <strong>{t('replay.asOf', { when: fmtDateTime(step.created_at, i18n.language), n: index + 1, total: steps.length })}</strong>
              <br />
              <span className="muted">{t(`events.${step.event}`, { defaultValue: step.event })} · {actorName(step.actor, t)}</span>
              {step.annotations[0] && <span className="why" style={{ display: 'block' }}>“{step.annotations[0].why}”</span>}
            </p>
          )}
          <ErrorText error={state.error} />
          {state.data && state.data.state === null ? (
            <p className="empty">{t('replay.absent')}</p>
          ) : (
            // Focusable: on a phone the table scrolls sideways, and keyboard people must reach it.
            <div className="table-wrap" tabIndex={0} role="region" aria-label={t('replay.stateTable')}>
              <table className="state-table" data-testid="replay-state">
                <thead>
                  <tr>
                    <th scope="col">{t('audit.field')}</th>
                    <th scope="col">{t('replay.then')}</th>
                    <th scope="col">{t('replay.now')}</th>
                  </tr>
                </thead>
                <tbody>
                  {keys.map((k) => {
                    const differs = JSON.stringify(then[k]) !== JSON.stringify(current[k]);
                    return (
                      <tr key={k} data-field={k} className={differs ? 'selected' : ''}>
                        <td>{t(`fields.${k}`, { defaultValue: k })}{differs && <span className="sr-only"> ({t('replay.differs')})</span>}</td>
                        <td data-then>{k === 'status' && typeof then[k] === 'string' ? t(`status.${then[k]}`, { defaultValue: then[k] }) : showValue(then[k])}</td>
                        <td>{k === 'status' && typeof current[k] === 'string' ? t(`status.${current[k]}`, { defaultValue: current[k] }) : showValue(current[k])}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </div>
  );
}
