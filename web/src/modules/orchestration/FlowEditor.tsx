// The visual editor of a definition, kept in sync with its text (JSON or YAML): a palette of step
// types, the graph (click or Enter selects a step, a handle dragged to another step adds an edge,
// Delete removes the selected edge), the selected step's form, and the text itself. The text is
// the source of truth: every edit rewrites it, and editing it re-parses when it parses.
import { useEffect, useMemo, useState, type Ref } from 'react';
import { useTranslation } from 'react-i18next';
import { problemStep, type Definition, type Problem, type StepDef } from './api';
import { addStep, connect, deleteStep, disconnect, parseText, setField, splitList, STEP_TYPES, writeText, type TextFormat } from './editing';
import { FlowGraph } from './FlowGraph';

type Kind = 'text' | 'long' | 'number' | 'json' | 'any' | 'list' | 'bool' | 'method';
type Field = { path: string; kind: Kind };

const FIELDS: Record<string, Field[]> = {
  command: [{ path: 'command', kind: 'text' }, { path: 'input', kind: 'json' }],
  http: [{ path: 'method', kind: 'method' }, { path: 'url', kind: 'text' }, { path: 'body', kind: 'json' }],
  llm: [{ path: 'alias', kind: 'text' }, { path: 'prompt', kind: 'long' }],
  task: [{ path: 'workflow_id', kind: 'text' }, { path: 'name', kind: 'text' }, { path: 'assignee_id', kind: 'text' }, { path: 'due_date', kind: 'text' }],
  approval: [{ path: 'title', kind: 'text' }, { path: 'approvers', kind: 'list' }, { path: 'required', kind: 'number' }, { path: 'exclude_starter', kind: 'bool' }],
  wait: [{ path: 'seconds', kind: 'number' }, { path: 'until', kind: 'text' }, { path: 'event.namespace', kind: 'text' }, { path: 'event.event', kind: 'text' }],
  condition: [{ path: 'if', kind: 'text' }],
  switch: [{ path: 'value', kind: 'text' }, { path: 'cases', kind: 'list' }],
  parallel: [],
  for_each: [{ path: 'items', kind: 'text' }, { path: 'limit', kind: 'number' }],
  sub_flow: [{ path: 'flow', kind: 'text' }],
  transform: [{ path: 'value', kind: 'any' }],
};
const COMMON_TAIL: Field[] = [{ path: 'after', kind: 'list' }, { path: 'retry.max_attempts', kind: 'number' }, { path: 'timeout_seconds', kind: 'number' }];

const get = (s: StepDef, path: string): unknown => {
  const [head, sub] = path.split('.') as [string, string | undefined];
  const v = s[head];
  return sub ? (v as Record<string, unknown> | undefined)?.[sub] : v;
};
const show = (v: unknown, kind: Kind): string => {
  if (v === undefined || v === null) return '';
  if (kind === 'list') return Array.isArray(v) ? v.join(', ') : String(v);
  if (kind === 'json') return JSON.stringify(v, null, 2);
  if (kind === 'any') return typeof v === 'string' ? v : JSON.stringify(v);
  return String(v);
};

/** A field whose text is kept while it does not parse (JSON, numbers): applied when it does. */
function FieldInput({ id, field, value, onChange, readOnly }: { id: string; field: Field; value: unknown; onChange: (v: unknown) => void; readOnly: boolean }) {
  const { t } = useTranslation();
  const shown = show(value, field.kind);
  const [draft, setDraft] = useState(shown);
  const [bad, setBad] = useState(false);
  useEffect(() => {
    setDraft((d) => (show(read(d), field.kind) === shown ? d : shown));
  }, [shown]); // eslint-disable-line react-hooks/exhaustive-deps
  function read(text: string): unknown {
    switch (field.kind) {
      case 'number': return text.trim() === '' ? undefined : Number(text);
      case 'list': return splitList(text);
      case 'json': return text.trim() === '' ? undefined : (JSON.parse(text) as unknown);
      case 'any': return /^\s*[[{]/.test(text) ? (JSON.parse(text) as unknown) : text;
      default: return text;
    }
  }
  const change = (text: string) => {
    setDraft(text);
    try {
      const v = read(text);
      if (typeof v === 'number' && !Number.isFinite(v)) throw new Error('number');
      setBad(false);
      onChange(v);
    } catch {
      setBad(true);
    }
  };
  const label = t(`editor.field.${field.path.replace('.', '_')}`);
  if (field.kind === 'bool') {
    return (
      <label className="row" style={{ gap: 6 }}>
        <input id={id} type="checkbox" checked={value === true} disabled={readOnly} onChange={(e) => onChange(e.target.checked)} />
        {label}
      </label>
    );
  }
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {field.kind === 'method' ? (
        <select id={id} value={shown || 'POST'} disabled={readOnly} onChange={(e) => onChange(e.target.value)}>
          {['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => <option key={m} value={m}>{m}</option>)}
        </select>
      ) : field.kind === 'json' || field.kind === 'long' ? (
        <textarea id={id} className="flow-json-sm" spellCheck={false} value={draft} readOnly={readOnly} aria-invalid={bad} onChange={(e) => change(e.target.value)} />
      ) : (
        <input id={id} className={field.kind === 'text' || field.kind === 'any' ? undefined : 'mono'} inputMode={field.kind === 'number' ? 'numeric' : undefined}
          value={draft} readOnly={readOnly} aria-invalid={bad} onChange={(e) => change(e.target.value)} />
      )}
      {field.kind === 'list' && <p className="hint">{t('editor.commaHint')}</p>}
      {bad && <p className="field-error">{t(field.kind === 'number' ? 'editor.notNumber' : 'editor.notJson')}</p>}
    </div>
  );
}

export function FlowEditor({ text, onText, fallback, problems, writable = true, textId, textLabel, textRef, hint }: {
  text: string;
  onText: (text: string) => void;
  /** Shown while the text does not parse (the saved definition). */
  fallback?: Definition;
  problems: readonly Problem[];
  writable?: boolean;
  textId: string;
  textLabel: string;
  textRef?: Ref<HTMLTextAreaElement>;
  hint?: string;
}) {
  const { t } = useTranslation();
  const parsed = useMemo(() => parseText(text), [text]);
  const [lastGood, setLastGood] = useState<Definition | undefined>(fallback);
  useEffect(() => {
    if ('definition' in parsed) setLastGood(parsed.definition);
  }, [parsed]);
  const def: Definition = ('definition' in parsed ? parsed.definition : lastGood ?? fallback) ?? {};
  const steps = def.steps ?? [];
  const format: TextFormat = parsed.format;
  const [selected, setSelected] = useState<number | null>(null);
  const sel = selected !== null ? steps[selected] : undefined;
  const bad = useMemo(() => new Set(problems.map((p) => problemStep(p.path)).filter((n): n is number => n !== null)), [problems]);
  const [announce, setAnnounce] = useState('');

  // While the text does not parse, the visual editor waits (an edit would overwrite the text).
  const frozen = !writable || 'error' in parsed;
  const edit = (d: Definition) => { if (!frozen) onText(writeText(d, format)); };
  const selectId = (id: string) => {
    const i = steps.findIndex((s) => s.id === id);
    if (i >= 0) setSelected(i);
  };
  const add = (type: (typeof STEP_TYPES)[number]) => {
    const out = addStep(def, type, sel?.id);
    edit(out.definition);
    setSelected(out.index);
    setAnnounce(t('editor.added', { id: out.definition.steps![out.index]!.id }));
  };
  const remove = () => {
    if (selected === null || !sel) return;
    edit(deleteStep(def, selected));
    setAnnounce(t('editor.deleted', { id: sel.id }));
    setSelected(null);
  };
  const toggle = (to: TextFormat) => {
    if (to !== format && 'definition' in parsed) onText(writeText(parsed.definition, to));
  };
  const stepProblems = selected !== null ? problems.filter((p) => problemStep(p.path) === selected) : [];
  const fields = sel ? [...(FIELDS[sel.type] ?? []), ...COMMON_TAIL] : [];
  const fid = (path: string) => `${textId}-f-${path.replace('.', '-')}`;

  return (
    <div className="stack">
      {writable && (
        <div role="toolbar" aria-label={t('editor.palette')} className="row" style={{ flexWrap: 'wrap', gap: 6 }} data-testid="step-palette">
          <span className="muted small">{sel ? t('editor.addAfter', { id: sel.id }) : t('editor.add')}</span>
          {STEP_TYPES.map((type) => (
            <button key={type} type="button" className="small" aria-label={t('editor.addType', { type: t(`editor.type.${type}`) })} disabled={frozen} onClick={() => add(type)}>
              + {t(`editor.type.${type}`)}
            </button>
          ))}
        </div>
      )}
      <p className="sr-only" role="status" aria-live="polite">{announce}</p>
      <div className="row" style={{ flexWrap: 'wrap', alignItems: 'flex-start', gap: 12 }}>
        <div style={{ flex: '2 1 460px', minWidth: 0 }}>
          {steps.length === 0 ? <p className="empty">{t('flow.noSteps')}</p> : (
            <FlowGraph steps={steps} problems={bad} selected={sel?.id} onSelect={selectId}
              onConnect={!frozen ? (from, to) => edit(connect(def, from, to)) : undefined}
              onDisconnect={!frozen ? (edge, to) => edit(disconnect(def, edge, to)) : undefined} />
          )}
          {steps.length > 0 && (
            <div className="field" style={{ marginTop: 8 }}>
              <label htmlFor={`${textId}-pick`}>{t('editor.pick')}</label>
              <select id={`${textId}-pick`} value={selected ?? ''} onChange={(e) => setSelected(e.target.value === '' ? null : Number(e.target.value))}>
                <option value="">—</option>
                {steps.map((s, i) => <option key={i} value={i}>{s.id} ({s.type})</option>)}
              </select>
            </div>
          )}
        </div>
        <section className="glass panel form" style={{ flex: '1 1 280px', minWidth: 0 }} aria-label={t('editor.stepForm')} data-testid="step-form"
          onKeyDown={(e) => { if (e.key === 'Enter' && e.target instanceof HTMLInputElement) e.preventDefault(); }}>
          {!sel ? <p className="muted small">{t('editor.noSelection')}</p> : (
            <>
              <h3 style={{ margin: 0, fontSize: 15 }}>{t('editor.stepTitle', { id: sel.id, type: t(`editor.type.${sel.type}`, { defaultValue: sel.type }) })}</h3>
              {stepProblems.length > 0 && (
                <ul className="alert small" data-testid="step-problems" style={{ margin: 0, paddingLeft: 24 }}>
                  {stepProblems.map((p, i) => <li key={i}><code>{p.path}</code>: {p.message}</li>)}
                </ul>
              )}
              {[{ path: 'id', kind: 'text' as const }, { path: 'name', kind: 'text' as const }, ...fields].map((f) => (
                <FieldInput key={`${selected}-${f.path}`} id={fid(f.path)} field={f} value={get(sel, f.path)} readOnly={frozen}
                  onChange={(v) => edit(setField(def, selected!, f.path, v))} />
              ))}
              {writable && <div className="row"><button type="button" className="btn-danger" disabled={frozen} onClick={remove}>{t('editor.delete')}</button></div>}
            </>
          )}
        </section>
      </div>
      <div className="field">
        <div className="row" style={{ justifyContent: 'space-between', flexWrap: 'wrap' }}>
          <label htmlFor={textId}>{textLabel}</label>
          <div className="row" role="group" aria-label={t('editor.format')} style={{ gap: 4 }}>
            {(['json', 'yaml'] as const).map((f) => (
              <button key={f} type="button" className="small" aria-pressed={format === f} disabled={format !== f && !('definition' in parsed)} onClick={() => toggle(f)}>
                {f.toUpperCase()}
              </button>
            ))}
          </div>
        </div>
        <textarea id={textId} ref={textRef} className="flow-json" spellCheck={false} value={text} readOnly={!writable} onChange={(e) => onText(e.target.value)}
          aria-invalid={'error' in parsed} aria-describedby={'error' in parsed ? `${textId}-err` : undefined} />
        {'error' in parsed && <p id={`${textId}-err`} className="field-error">{t('editor.parseError', { format: format.toUpperCase(), message: parsed.error })}</p>}
        {hint && <p className="hint">{hint}</p>}
      </div>
    </div>
  );
}
