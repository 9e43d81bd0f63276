// The rule editor: a trigger builder (namespace, entity type, event, conditions grouped by
// all/any over a path, one of the 13 operators and a value) and the actions, each with its
// own fields. Validation errors from the API (details[].path like
// body.trigger.when.all.0.op) are shown at the field they name.
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { Template } from '../../../../sdk/src/index.js';
import type { Condition, ConditionLeaf, RuleAction, RuleInput } from '../../../../sdk/src/rules.js';

export const OPERATORS: ConditionLeaf['op'][] = ['eq', 'neq', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'contains', 'exists', 'changed', 'changed_to', 'changed_from'];
export const ACTION_TYPES: RuleAction['type'][] = ['notify', 'tag', 'create_task', 'start_workflow', 'webhook', 'predict', 'guard', 'require_approval'];
const NO_VALUE = new Set(['exists', 'changed']);
const LIST_OPS = new Set(['in', 'nin']);
const PLACEHOLDERS = '{{after.name}}, {{entity.status}}, {{why}}, {{rule.name}}';

/** A condition row as typed: the value stays text until the rule is built. */
export type LeafDraft = { path: string; op: ConditionLeaf['op']; value: string };
export type Draft = {
  name: string; description: string; enabled: boolean;
  namespace: string; entity_type: string; event: string; stale_for_hours: string;
  mode: 'all' | 'any'; conditions: LeafDraft[];
  /** A `when` too deep for the builder, kept as JSON text. */
  advanced: string | null;
  actions: RuleAction[];
};

export const emptyDraft = (): Draft => ({
  name: '', description: '', enabled: true, namespace: 'flow_os', entity_type: 'task', event: 'task.updated', stale_for_hours: '',
  mode: 'all', conditions: [{ path: 'after.status', op: 'changed_to', value: 'blocked' }], advanced: null,
  actions: [{ type: 'notify', to: ['owner'], message: '{{after.name}}: {{why}}' }],
});

const valueText = (v: unknown): string => (v === undefined ? '' : typeof v === 'string' ? v : Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ') : JSON.stringify(v));
const isLeaf = (c: Condition): c is ConditionLeaf => 'path' in c;

export function draftOf(rule: RuleInput): Draft {
  const d: Draft = {
    ...emptyDraft(), name: rule.name, description: rule.description ?? '', enabled: rule.enabled ?? true,
    namespace: rule.trigger.namespace ?? '', entity_type: rule.trigger.entity_type ?? '', event: rule.trigger.event ?? '',
    stale_for_hours: rule.trigger.stale_for_hours !== undefined ? String(rule.trigger.stale_for_hours) : '',
    conditions: [], actions: structuredClone(rule.actions),
  };
  const w = rule.trigger.when;
  const leaves = (cs: Condition[]) => (cs.every(isLeaf) ? cs.map((c) => ({ path: c.path, op: c.op, value: valueText(c.value) })) : null);
  if (!w) return d;
  if (isLeaf(w)) d.conditions = leaves([w])!;
  else if ('all' in w && leaves(w.all)) d.conditions = leaves(w.all)!;
  else if ('any' in w && leaves(w.any)) (d.mode = 'any'), (d.conditions = leaves(w.any)!);
  else d.advanced = JSON.stringify(w, null, 2);
  return d;
}

/** A typed value: numbers, booleans, null and JSON stay themselves; lists split on commas. */
export function parseValue(op: ConditionLeaf['op'], text: string): unknown {
  const one = (s: string): unknown => {
    const x = s.trim();
    if (/^-?\d+(\.\d+)?$/.test(x)) return Number(x);
    if (x === 'true' || x === 'false') return x === 'true';
    if (x === 'null') return null;
    if (/^[[{"]/.test(x)) {
      try {
        return JSON.parse(x);
      } catch {
        return x;
      }
    }
    return x;
  };
  if (LIST_OPS.has(op)) return text.split(',').map((s) => one(s)).filter((x) => x !== '');
  return one(text);
}

export function ruleOf(d: Draft): RuleInput {
  let when: Condition | undefined;
  if (d.advanced !== null) {
    try {
      when = JSON.parse(d.advanced) as Condition;
    } catch {
      when = d.advanced as unknown as Condition; // the server answers VALIDATION_FAILED at trigger.when
    }
  } else if (d.conditions.length > 0) {
    const leaves = d.conditions.map((c) => (NO_VALUE.has(c.op) ? { path: c.path.trim(), op: c.op } : { path: c.path.trim(), op: c.op, value: parseValue(c.op, c.value) }));
    when = d.mode === 'all' ? { all: leaves } : { any: leaves };
  }
  const trigger: RuleInput['trigger'] = {};
  if (d.namespace.trim()) trigger.namespace = d.namespace.trim();
  if (d.entity_type.trim()) trigger.entity_type = d.entity_type.trim();
  if (d.event.trim()) trigger.event = d.event.trim();
  if (d.stale_for_hours.trim()) trigger.stale_for_hours = Number(d.stale_for_hours);
  if (when) trigger.when = when;
  return { name: d.name.trim(), description: d.description.trim(), enabled: d.enabled, trigger, actions: d.actions };
}

export function defaultAction(type: RuleAction['type']): RuleAction {
  switch (type) {
    case 'notify': return { type, to: ['owner'], message: '' };
    case 'tag': return { type, add: [] };
    case 'create_task': return { type, name: '' };
    case 'start_workflow': return { type, name: '' };
    case 'webhook': return { type, url: '' };
    case 'predict': return { type, model: 'workflow_completion' };
    case 'guard': return { type, message: '' };
    case 'require_approval': return { type, approvers: 'role:admin', not_by_requester: true, message: '' };
  }
}

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

type Props = { draft: Draft; onChange: (d: Draft) => void; errors: Map<string, string[]>; templates: Template[] };

export function RuleForm({ draft, onChange, errors, templates }: Props) {
  const { t, i18n } = useTranslation();
  const uid = useId();
  const set = (patch: Partial<Draft>) => onChange({ ...draft, ...patch });
  const setCond = (i: number, patch: Partial<LeafDraft>) => set({ conditions: draft.conditions.map((c, j) => (j === i ? { ...c, ...patch } : c)) });
  const setAction = (i: number, a: RuleAction) => set({ actions: draft.actions.map((x, j) => (j === i ? a : x)) });
  const moveAction = (i: number, by: number) => {
    const xs = [...draft.actions];
    const [a] = xs.splice(i, 1);
    xs.splice(i + by, 0, a!);
    set({ actions: xs });
  };

  /** Messages for one field key, and for anything below it when `deep`. */
  const errs = (key: string, deep = false): string[] => [...errors].filter(([k]) => k === key || (deep && k.startsWith(`${key}.`))).flatMap(([, v]) => v);
  const id = (key: string) => `${uid}-${key.replace(/\./g, '-')}`;
  const FieldError = ({ k, deep }: { k: string; deep?: boolean }) => {
    const m = errs(k, deep);
    // The server's detail is English: shown as is to English readers, as a tooltip to others.
    const english = i18n.language.startsWith('en');
    return m.length ? <span id={`${id(k)}-err`} className="field-error" role="alert" title={english ? undefined : m.join(' ')}>{english ? m.join(' ') : t('rules.fieldInvalid')}</span> : null;
  };
  const aria = (k: string, deep = false) => ({ id: id(k), 'aria-invalid': errs(k, deep).length > 0 || undefined, 'aria-describedby': errs(k, deep).length > 0 ? `${id(k)}-err` : undefined });
  const whenKey = `trigger.when.${draft.mode}`;

  const text = (k: string, label: string, value: string, onValue: (v: string) => void, opts: { hint?: string; required?: boolean; long?: boolean; list?: string; type?: string } = {}) => (
    <div className="field">
      <label htmlFor={id(k)}>{label}</label>
      {opts.long ? (
        <textarea {...aria(k)} value={value} onChange={(e) => onValue(e.target.value)} required={opts.required} maxLength={4000} rows={2} />
      ) : (
        <input {...aria(k)} value={value} onChange={(e) => onValue(e.target.value)} required={opts.required} list={opts.list} type={opts.type ?? 'text'} />
      )}
      {opts.hint && <span className="hint">{opts.hint}</span>}
      <FieldError k={k} />
    </div>
  );

  const actionFields = (a: RuleAction, i: number) => {
    const k = (f: string) => `actions.${i}.${f}`;
    switch (a.type) {
      case 'notify':
        return (
          <>
            {text(k('to'), t('rules.f.to'), Array.isArray(a.to) ? a.to.join(', ') : a.to, (v) => setAction(i, { ...a, to: list(v) }), { hint: t('rules.f.toHint'), required: true })}
            {text(k('title'), t('rules.f.title'), a.title ?? '', (v) => setAction(i, { ...a, title: v || undefined }))}
            {text(k('message'), t('rules.f.message'), a.message, (v) => setAction(i, { ...a, message: v }), { long: true, required: true, hint: t('rules.f.placeholders', { list: PLACEHOLDERS }) })}
            <label className="choice"><input type="checkbox" checked={a.email ?? false} onChange={(e) => setAction(i, { ...a, email: e.target.checked })} />{t('rules.f.email')}</label>
          </>
        );
      case 'tag':
        return (
          <div className="grid grid-2">
            {text(k('add'), t('rules.f.tagAdd'), (a.add ?? []).join(', '), (v) => setAction(i, { ...a, add: list(v) }), { hint: t('rules.f.commaList') })}
            {text(k('remove'), t('rules.f.tagRemove'), (a.remove ?? []).join(', '), (v) => setAction(i, { ...a, remove: list(v) }), { hint: t('rules.f.commaList') })}
          </div>
        );
      case 'create_task':
        return (
          <>
            <div className="grid grid-2">
              {text(k('name'), t('rules.f.taskName'), a.name, (v) => setAction(i, { ...a, name: v }), { required: true, hint: t('rules.f.placeholders', { list: PLACEHOLDERS }) })}
              {text(k('assignee'), t('rules.f.assignee'), a.assignee ?? '', (v) => setAction(i, { ...a, assignee: v || undefined }), { hint: t('rules.f.assigneeHint') })}
              <div className="field">
                <label htmlFor={id(k('priority'))}>{t('fields.priority')}</label>
                <select {...aria(k('priority'))} value={a.priority ?? 'normal'} onChange={(e) => setAction(i, { ...a, priority: e.target.value as 'normal' })}>
                  {(['low', 'normal', 'high', 'urgent'] as const).map((p) => <option key={p} value={p}>{t(`priority.${p}`)}</option>)}
                </select>
                <FieldError k={k('priority')} />
              </div>
              {text(k('due_in_days'), t('rules.f.dueInDays'), a.due_in_days !== undefined ? String(a.due_in_days) : '', (v) => setAction(i, { ...a, due_in_days: v === '' ? undefined : Number(v) }), { type: 'number' })}
            </div>
            {text(k('description'), t('fields.description'), a.description ?? '', (v) => setAction(i, { ...a, description: v || undefined }), { long: true })}
          </>
        );
      case 'start_workflow':
        return (
          <div className="grid grid-2">
            <div className="field">
              <label htmlFor={id(k('template_id'))}>{t('rules.f.template')}</label>
              <select {...aria(k('template_id'))} value={a.template_id ?? ''} onChange={(e) => setAction(i, { ...a, template_id: e.target.value || undefined })}>
                <option value="">{t('rules.f.noTemplate')}</option>
                {templates.map((tpl) => <option key={tpl.id} value={tpl.id}>{tpl.name}</option>)}
              </select>
              <FieldError k={k('template_id')} />
            </div>
            {text(k('name'), t('rules.f.workflowName'), a.name, (v) => setAction(i, { ...a, name: v }), { required: true, hint: t('rules.f.placeholders', { list: PLACEHOLDERS }) })}
            {text(k('department'), t('fields.department'), a.department ?? '', (v) => setAction(i, { ...a, department: v || undefined }))}
            {text(k('owner'), t('fields.owner'), a.owner ?? '', (v) => setAction(i, { ...a, owner: v || undefined }), { hint: t('rules.f.assigneeHint') })}
          </div>
        );
      case 'webhook':
        return (
          <>
            {text(k('url'), t('rules.f.url'), a.url, (v) => setAction(i, { ...a, url: v }), { required: true, type: 'url', hint: t('rules.f.urlHint') })}
            <p className="muted small">{a.has_secret ? t('rules.f.secretKept') : t('rules.f.secretNew')}</p>
          </>
        );
      case 'predict':
        return (
          <div className="field">
            <label htmlFor={id(k('model'))}>{t('rules.f.model')}</label>
            <select {...aria(k('model'))} value={a.model} onChange={(e) => setAction(i, { ...a, model: e.target.value as 'task_slip' })}>
              <option value="workflow_completion">{t('rules.f.modelCompletion')}</option>
              <option value="task_slip">{t('rules.f.modelSlip')}</option>
            </select>
            <FieldError k={k('model')} />
          </div>
        );
      case 'guard':
        return text(k('message'), t('rules.f.guardMessage'), a.message, (v) => setAction(i, { ...a, message: v }), { long: true, required: true, hint: t('rules.f.guardHint') });
      case 'require_approval':
        return (
          <>
            <div className="field">
              <label htmlFor={id(k('approvers'))}>{t('rules.f.approvers')}</label>
              <select {...aria(k('approvers'))} value={a.approvers ?? 'role:admin'} onChange={(e) => setAction(i, { ...a, approvers: e.target.value as 'role:admin' })}>
                <option value="role:admin">{t('rules.f.approversAdmin')}</option>
                <option value="role:member">{t('rules.f.approversMember')}</option>
              </select>
              <FieldError k={k('approvers')} />
            </div>
            <label className="choice"><input type="checkbox" checked={a.not_by_requester ?? false} onChange={(e) => setAction(i, { ...a, not_by_requester: e.target.checked })} />{t('rules.f.notByRequester')}</label>
            {text(k('message'), t('rules.f.message'), a.message ?? '', (v) => setAction(i, { ...a, message: v || undefined }), { long: true, hint: t('rules.f.placeholders', { list: PLACEHOLDERS }) })}
          </>
        );
    }
  };

  return (
    <div className="stack">
      <div className="grid grid-2">
        {text('name', t('fields.name'), draft.name, (v) => set({ name: v }), { required: true })}
        {text('description', t('fields.description'), draft.description, (v) => set({ description: v }))}
      </div>
      <label className="choice"><input type="checkbox" checked={draft.enabled} onChange={(e) => set({ enabled: e.target.checked })} />{t('rules.enabledLabel')}</label>

      <fieldset className="fieldset">
        <legend>{t('rules.trigger')}</legend>
        <p className="muted small">{t('rules.triggerHint')}</p>
        <datalist id={`${uid}-ns`}>{['flow_os', 'rules', 'identity', 'notifications', 'ai'].map((x) => <option key={x} value={x} />)}</datalist>
        <datalist id={`${uid}-et`}>{['task', 'workflow', 'template', 'approval', 'membership'].map((x) => <option key={x} value={x} />)}</datalist>
        <datalist id={`${uid}-ev`}>{['task.created', 'task.updated', 'workflow.created', 'workflow.updated', 'workflow.archived', 'workflow.health_changed'].map((x) => <option key={x} value={x} />)}</datalist>
        <datalist id={`${uid}-path`}>{['after.status', 'before.status', 'after.priority', 'after.assignee_id', 'after.due_date', 'entity.status', 'entity.priority', 'entity.department', 'metadata.why', 'actor.type'].map((x) => <option key={x} value={x} />)}</datalist>
        <div className="grid grid-3">
          {text('trigger.namespace', t('fields.namespace'), draft.namespace, (v) => set({ namespace: v }), { list: `${uid}-ns` })}
          {text('trigger.entity_type', t('fields.entity_type'), draft.entity_type, (v) => set({ entity_type: v }), { list: `${uid}-et` })}
          {text('trigger.event', t('fields.event'), draft.event, (v) => set({ event: v }), { list: `${uid}-ev` })}
        </div>
        {text('trigger.stale_for_hours', t('rules.staleFor'), draft.stale_for_hours, (v) => set({ stale_for_hours: v }), { type: 'number', hint: t('rules.staleHint') })}
        <FieldError k="trigger" />

        <h3 style={{ marginTop: 12 }}>{t('rules.conditions')}</h3>
        {draft.advanced !== null ? (
          <div className="field">
            <label htmlFor={id('trigger.when')}>{t('rules.advanced')}</label>
            <textarea {...aria('trigger.when', true)} className="mono" rows={6} value={draft.advanced} onChange={(e) => set({ advanced: e.target.value })} />
            <span className="hint">{t('rules.advancedHint')}</span>
            <FieldError k="trigger.when" deep />
          </div>
        ) : (
          <>
            <div className="row" role="radiogroup" aria-label={t('rules.grouping')}>
              <label className="choice"><input type="radio" name={`${uid}-mode`} checked={draft.mode === 'all'} onChange={() => set({ mode: 'all' })} />{t('rules.matchAll')}</label>
              <label className="choice"><input type="radio" name={`${uid}-mode`} checked={draft.mode === 'any'} onChange={() => set({ mode: 'any' })} />{t('rules.matchAny')}</label>
            </div>
            {draft.conditions.length === 0 && <p className="muted small">{t('rules.noConditions')}</p>}
            {draft.conditions.map((c, i) => {
              const k = `${whenKey}.${i}`;
              return (
                <div key={i} className="cond" data-testid="condition">
                  <div className="field">
                    <label htmlFor={id(`${k}.path`)}>{t('rules.path')}</label>
                    <input {...aria(`${k}.path`)} value={c.path} list={`${uid}-path`} onChange={(e) => setCond(i, { path: e.target.value })} placeholder="after.status" />
                    <FieldError k={`${k}.path`} />
                  </div>
                  <div className="field">
                    <label htmlFor={id(`${k}.op`)}>{t('rules.operator')}</label>
                    <select {...aria(`${k}.op`)} value={c.op} onChange={(e) => setCond(i, { op: e.target.value as LeafDraft['op'] })}>
                      {OPERATORS.map((o) => <option key={o} value={o}>{t(`rules.op.${o}`)}</option>)}
                    </select>
                    <FieldError k={`${k}.op`} />
                  </div>
                  <div className="field">
                    <label htmlFor={id(`${k}.value`)}>{t('rules.value')}</label>
                    <input {...aria(`${k}.value`)} value={c.value} disabled={NO_VALUE.has(c.op)} onChange={(e) => setCond(i, { value: e.target.value })} placeholder={LIST_OPS.has(c.op) ? t('rules.valueList') : ''} />
                    <FieldError k={`${k}.value`} />
                    <FieldError k={k} />
                  </div>
                  <button type="button" className="btn-sm btn-ghost" onClick={() => set({ conditions: draft.conditions.filter((_, j) => j !== i) })} aria-label={t('rules.removeCondition', { n: i + 1 })}>✕</button>
                </div>
              );
            })}
            <div className="row">
              <button type="button" className="btn-sm" onClick={() => set({ conditions: [...draft.conditions, { path: '', op: 'eq', value: '' }] })}>{t('rules.addCondition')}</button>
              <button type="button" className="btn-sm btn-ghost" onClick={() => set({ advanced: JSON.stringify(ruleOf(draft).trigger.when ?? { all: [] }, null, 2) })}>{t('rules.editJson')}</button>
            </div>
            <FieldError k="trigger.when" />
            <FieldError k={whenKey} />
          </>
        )}
      </fieldset>

      <fieldset className="fieldset">
        <legend>{t('rules.actions')}</legend>
        <FieldError k="actions" />
        {draft.actions.map((a, i) => (
          <div key={i} className="action-card" data-testid="action">
            <div className="row" style={{ justifyContent: 'space-between' }}>
              <div className="field" style={{ minWidth: 200 }}>
                <label htmlFor={id(`actions.${i}.type`)}>{t('rules.actionN', { n: i + 1 })}</label>
                <select {...aria(`actions.${i}.type`)} value={a.type} onChange={(e) => setAction(i, defaultAction(e.target.value as RuleAction['type']))}>
                  {ACTION_TYPES.map((x) => <option key={x} value={x}>{t(`rules.action.${x}`)}</option>)}
                </select>
              </div>
              <div className="row">
                <button type="button" className="btn-sm" disabled={i === 0} onClick={() => moveAction(i, -1)} aria-label={t('rules.actionUp', { n: i + 1 })}>↑</button>
                <button type="button" className="btn-sm" disabled={i === draft.actions.length - 1} onClick={() => moveAction(i, 1)} aria-label={t('rules.actionDown', { n: i + 1 })}>↓</button>
                <button type="button" className="btn-sm btn-danger" onClick={() => set({ actions: draft.actions.filter((_, j) => j !== i) })}>{t('rules.removeAction')}</button>
              </div>
            </div>
            {actionFields(a, i)}
            <FieldError k={`actions.${i}`} />
          </div>
        ))}
        <div><button type="button" className="btn-sm" onClick={() => set({ actions: [...draft.actions, defaultAction('notify')] })}>{t('rules.addAction')}</button></div>
      </fieldset>
    </div>
  );
}
