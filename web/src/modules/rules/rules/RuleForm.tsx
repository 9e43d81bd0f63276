// The rule editor: a trigger builder (namespace, entity type, event, and conditions — a
// path, one of the 13 operators and a value — in groups combined by all / any, nested, each
// condition or group negatable) and the actions, each with its own fields. Validation errors
// from the API (details[].path like body.trigger.when.all.0.op) are shown at the field they name.
import { useId, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Template } from '../../../../../sdk/src/index.js';
import type { Condition, ConditionLeaf, RuleAction, RuleInput } from '../../../../../sdk/src/rules.js';
import { groupDraft, itemsKeyOf, keyOf, leafDraft, outerKeyOf, LIST_OPS, MAX_GROUP_DEPTH, NO_VALUE, treeOf, updateAt, whenOf, type CondDraft, type GroupDraft, type LeafDraft, type NodePath } from './conditions';

export const OPERATORS: ConditionLeaf['op'][] = ['eq', 'neq', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'contains', 'exists', 'changed', 'changed_to', 'changed_from'];
export const ACTION_TYPES: RuleAction['type'][] = ['notify', 'tag', 'create_task', 'start_workflow', 'webhook', 'predict', 'guard', 'require_approval', 'start_flow', 'wake_agent'];
const PLACEHOLDERS = '{{after.name}}, {{entity.status}}, {{why}}, {{rule.name}}';

export type Draft = {
  name: string; description: string; enabled: boolean;
  namespace: string; entity_type: string; event: string; stale_for_hours: string;
  /** The conditions as a tree (the root group's mode is how the top level combines). */
  root: GroupDraft;
  /** A `when` the builder cannot show (a `not` of a `not`), or chosen to be edited as JSON text. */
  advanced: string | null;
  actions: RuleAction[];
};

export const emptyDraft = (): Draft => ({
  name: '', description: '', enabled: true, namespace: 'flow_os', entity_type: 'task', event: 'task.updated', stale_for_hours: '',
  root: groupDraft({ items: [leafDraft({ path: 'after.status', op: 'changed_to', value: 'blocked' })] }), advanced: null,
  actions: [{ type: 'notify', to: ['owner'], message: '{{after.name}}: {{why}}' }],
});

export function draftOf(rule: RuleInput): Draft {
  const root = treeOf(rule.trigger.when);
  return {
    ...emptyDraft(), name: rule.name, description: rule.description ?? '', enabled: rule.enabled ?? true,
    namespace: rule.trigger.namespace ?? '', entity_type: rule.trigger.entity_type ?? '', event: rule.trigger.event ?? '',
    stale_for_hours: rule.trigger.stale_for_hours !== undefined ? String(rule.trigger.stale_for_hours) : '',
    root: root ?? groupDraft(), advanced: root ? null : JSON.stringify(rule.trigger.when, null, 2), actions: structuredClone(rule.actions),
  };
}

export function ruleOf(d: Draft): RuleInput {
  let when: Condition | undefined;
  if (d.advanced !== null) {
    try {
      when = JSON.parse(d.advanced) as Condition;
    } catch {
      when = d.advanced as unknown as Condition; // the server answers VALIDATION_FAILED at trigger.when
    }
  } else {
    when = whenOf(d.root);
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
    case 'start_flow': return { type, flow: '', input: {} };
    case 'wake_agent': return { type, agent: '', text: '' };
  }
}

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

type Props = { draft: Draft; onChange: (d: Draft) => void; errors: Map<string, string[]>; templates: Template[] };

export function RuleForm({ draft, onChange, errors, templates }: Props) {
  const { t, i18n } = useTranslation();
  const uid = useId();
  const set = (patch: Partial<Draft>) => onChange({ ...draft, ...patch });
  const setNode = (path: NodePath, fn: (n: CondDraft) => CondDraft | null) => set({ root: updateAt(draft.root, path, fn) });
  const setLeaf = (path: NodePath, patch: Partial<LeafDraft>) => setNode(path, (n) => (n.kind === 'leaf' ? { ...n, ...patch } : n));
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

  // Leaves and groups are numbered in reading order, for their buttons' accessible names.
  let leafNo = 0;
  let groupNo = 0;
  const conditionLeaf = (c: LeafDraft, path: NodePath) => {
    const n = ++leafNo;
    const k = keyOf(draft.root, path);
    const outer = outerKeyOf(k);
    return (
      <div key={`leaf-${path.join('.')}`} className="cond" data-testid="condition">
        <label className="choice cond-not" title={t('rules.notLeafOf', { n })}>
          <input type="checkbox" checked={c.not} onChange={(e) => setLeaf(path, { not: e.target.checked })} aria-label={t('rules.notLeafOf', { n })} />
          {t('rules.notLeaf')}
        </label>
        <div className="field">
          <label htmlFor={id(`${k}.path`)}>{t('rules.path')}</label>
          <input {...aria(`${k}.path`)} value={c.path} list={`${uid}-path`} onChange={(e) => setLeaf(path, { path: e.target.value })} placeholder="after.status" />
          <FieldError k={`${k}.path`} />
        </div>
        <div className="field">
          <label htmlFor={id(`${k}.op`)}>{t('rules.operator')}</label>
          <select {...aria(`${k}.op`)} value={c.op} onChange={(e) => setLeaf(path, { op: e.target.value as LeafDraft['op'] })}>
            {OPERATORS.map((o) => <option key={o} value={o}>{t(`rules.op.${o}`)}</option>)}
          </select>
          <FieldError k={`${k}.op`} />
        </div>
        <div className="field">
          <label htmlFor={id(`${k}.value`)}>{t('rules.value')}</label>
          <input {...aria(`${k}.value`)} value={c.value} disabled={NO_VALUE.has(c.op)} onChange={(e) => setLeaf(path, { value: e.target.value })} placeholder={LIST_OPS.has(c.op) ? t('rules.valueList') : ''} />
          <FieldError k={`${k}.value`} />
          <FieldError k={k} />
          {outer !== k && <FieldError k={outer} />}
        </div>
        <button type="button" className="btn-sm btn-ghost" onClick={() => setNode(path, () => null)} aria-label={t('rules.removeCondition', { n })}>✕</button>
      </div>
    );
  };
  const conditionGroup = (g: GroupDraft, path: NodePath, depth: number): ReactNode => {
    const n = groupNo++;
    const itemsKey = itemsKeyOf(draft.root, path, g);
    const label = n === 0 ? t('rules.grouping') : t('rules.groupingOf', { n });
    return (
      <div key={`group-${path.join('.')}`} className={n === 0 ? 'cond-group cond-root' : 'cond-group'} role="group" aria-label={n === 0 ? t('rules.conditions') : t('rules.group', { n })} data-testid="condition-group">
        <div className="row">
          <div className="row" role="radiogroup" aria-label={label}>
            <label className="choice"><input type="radio" name={`${uid}-mode-${path.join('-')}`} checked={g.mode === 'all'} onChange={() => setNode(path, (x) => ({ ...(x as GroupDraft), mode: 'all' }))} />{t('rules.matchAll')}</label>
            <label className="choice"><input type="radio" name={`${uid}-mode-${path.join('-')}`} checked={g.mode === 'any'} onChange={() => setNode(path, (x) => ({ ...(x as GroupDraft), mode: 'any' }))} />{t('rules.matchAny')}</label>
          </div>
          <label className="choice">
            <input type="checkbox" checked={g.not} onChange={(e) => setNode(path, (x) => ({ ...(x as GroupDraft), not: e.target.checked }))} aria-label={n === 0 ? t('rules.notRoot') : t('rules.notGroupOf', { n })} />
            {t('rules.notGroup')}
          </label>
          {n > 0 && <button type="button" className="btn-sm btn-ghost" onClick={() => setNode(path, () => null)} aria-label={t('rules.removeGroup', { n })}>✕</button>}
        </div>
        {g.items.length === 0 && <p className="muted small">{n === 0 ? t('rules.noConditions') : t('rules.emptyGroup')}</p>}
        {g.items.map((c, i) => (c.kind === 'leaf' ? conditionLeaf(c, [...path, i]) : conditionGroup(c, [...path, i], depth + 1)))}
        <div className="row">
          <button type="button" className="btn-sm" onClick={() => setNode(path, (x) => ({ ...(x as GroupDraft), items: [...(x as GroupDraft).items, leafDraft()] }))}>
            {n === 0 ? t('rules.addCondition') : t('rules.addConditionTo', { n })}
          </button>
          {depth + 1 < MAX_GROUP_DEPTH && (
            <button type="button" className="btn-sm btn-ghost" onClick={() => setNode(path, (x) => ({ ...(x as GroupDraft), items: [...(x as GroupDraft).items, groupDraft({ mode: g.mode === 'all' ? 'any' : 'all', items: [leafDraft()] })] }))}>
              {n === 0 ? t('rules.addGroup') : t('rules.addGroupTo', { n })}
            </button>
          )}
        </div>
        <FieldError k={itemsKey} />
        {g.not && <FieldError k={outerKeyOf(keyOf(draft.root, path))} />}
      </div>
    );
  };

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
      case 'start_flow':
        return (
          <div className="grid grid-2">
            {text(k('flow'), t('rules.f.flow'), a.flow, (v) => setAction(i, { ...a, flow: v }), { required: true, hint: t('rules.f.flowHint') })}
            {text(k('input'), t('rules.f.flowInput'), Object.entries(a.input ?? {}).map(([key, v]) => `${key}=${v}`).join('\n'),
              (v) => setAction(i, { ...a, input: Object.fromEntries(v.split('\n').map((l) => l.split('=')).filter((p) => p[0]?.trim()).map(([key, ...rest]) => [key!.trim(), rest.join('=')])) }),
              { long: true, hint: t('rules.f.flowInputHint', { list: PLACEHOLDERS }) })}
          </div>
        );
      case 'wake_agent':
        return (
          <div className="grid grid-2">
            {text(k('agent'), t('rules.f.agent'), a.agent, (v) => setAction(i, { ...a, agent: v }), { required: true, hint: t('rules.f.agentHint') })}
            {text(k('text'), t('rules.f.agentText'), a.text, (v) => setAction(i, { ...a, text: v }), { long: true, required: true, hint: t('rules.f.placeholders', { list: PLACEHOLDERS }) })}
          </div>
        );
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
            {conditionGroup(draft.root, [], 0)}
            <div className="row">
              <button type="button" className="btn-sm btn-ghost" onClick={() => set({ advanced: JSON.stringify(ruleOf(draft).trigger.when ?? { all: [] }, null, 2) })}>{t('rules.editJson')}</button>
            </div>
            <FieldError k="trigger.when" />
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
