// Alias routing: each alias (fast, smart, cheap, embed and the workspace's own) with the chain
// the gateway really uses, and for admins an editor of that chain — ordered steps of provider +
// optional model, moved with buttons (never drag-only), a custom alias added by name, an
// alias put back to its default (null), each save with an optional why for the ledger.
import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AiProvider, AiSettings } from '../../../../sdk/src/ai.js';
import { ErrorText, useToast } from '../../ui/feedback';
import { useStepUp } from '../../ui/StepUp';
import { fieldErrors, FieldMessage, invalidProps, messagesAt, saveSettings, WhyField, withWhy } from './shared';

export const BUILTIN_ALIASES = ['fast', 'smart', 'cheap', 'embed'];
const MAX_STEPS = 8; // the API's limit
const ALIAS_NAME = /^[a-z][a-z0-9_-]{0,39}$/;

type Step = { key: number; provider: string; model: string };
type Props = {
  providers: AiProvider[];
  /** The chains the gateway uses (GET /v1/ai/providers), defaults included. */
  effective: Record<string, { provider: string; model: string }[]>;
  /** The workspace's own chains (GET /v1/ai/settings). */
  stored: AiSettings['aliases'];
  admin: boolean;
  onSaved: () => Promise<void>;
};

let seq = 0;
const step = (provider: string, model = ''): Step => ({ key: ++seq, provider, model });

const defaultModel = (p: AiProvider | undefined, alias: string) => (p ? (alias === 'embed' ? (p.embed_model ?? p.model) : p.model) : '');

export function Routing({ providers, effective, stored, admin, onSaved }: Props) {
  const { t } = useTranslation();
  const uid = useId();
  const [editing, setEditing] = useState<string | null>(null);
  const [draft, setDraft] = useState<Step[]>([]);
  const [newName, setNewName] = useState('');
  const [nameError, setNameError] = useState<string | undefined>(undefined);
  const byId = new Map(providers.map((p) => [p.id, p]));
  // Closing an editor gives the focus back to its alias's Edit button.
  const editButtons = useRef(new Map<string, HTMLButtonElement | null>());
  const refocus = useRef<string | null>(null);
  useEffect(() => {
    const name = refocus.current;
    if (name && editing === null) {
      refocus.current = null;
      editButtons.current.get(name)?.focus();
    }
  });
  const close = (name: string) => {
    refocus.current = name;
    setEditing(null);
  };

  const names = [...BUILTIN_ALIASES, ...[...new Set([...Object.keys(effective), ...Object.keys(stored)])].filter((n) => !BUILTIN_ALIASES.includes(n)).sort()];
  if (editing && !names.includes(editing)) names.push(editing);

  /** The steps to start from: the saved chain, else the default one without pinned models. */
  const draftOf = (name: string): Step[] => {
    const own = stored[name];
    if (own) return own.chain.map((l) => step(l.provider, l.model ?? ''));
    const chain = effective[name] ?? effective.smart ?? [];
    const steps = chain.map((l) => step(l.provider, l.model === defaultModel(byId.get(l.provider), name) ? '' : l.model));
    return steps.length > 0 ? steps : [step('offline')];
  };

  /** One editor at a time (the other Edit buttons are disabled): opening another would drop this one's unsaved steps. */
  const open = (name: string) => {
    setDraft(draftOf(name));
    setEditing(name);
  };

  const addAlias = (e: React.FormEvent) => {
    e.preventDefault();
    const name = newName.trim();
    if (!ALIAS_NAME.test(name)) {
      setNameError(t('aiSettings.aliasNameInvalid'));
      return;
    }
    setNameError(undefined);
    setNewName('');
    open(name);
  };

  return (
    <section className="glass panel stack" aria-labelledby="ai-routing-h" data-testid="ai-routing">
      <div>
        <h2 id="ai-routing-h">{t('aiSettings.routingTitle')}</h2>
        <p className="muted small">{t('aiSettings.routingHint')}</p>
      </div>
      <ul className="list">
        {names.map((name) => {
          const chain = effective[name];
          const custom = !!stored[name];
          return (
            <li key={name} data-alias={name}>
              <div className="row" style={{ justifyContent: 'space-between' }}>
                <div className="row">
                  <strong className="mono">{name}</strong>
                  <span className="chip" data-testid="alias-kind">{custom ? t('aiSettings.customRouting') : chain ? t('aiSettings.defaultRouting') : t('aiSettings.newAlias')}</span>
                </div>
                {admin && editing !== name && (
                  <button type="button" className="btn-sm" ref={(el) => void editButtons.current.set(name, el)} onClick={() => open(name)} disabled={editing !== null} aria-label={t('aiSettings.editAlias', { name })}>{t('aiSettings.edit')}</button>
                )}
              </div>
              {chain && (
                <p className="small wrap-any" style={{ margin: '6px 0 0' }} data-testid="alias-chain">
                  <span className="sr-only">{t('aiSettings.triedInOrder')} </span>
                  {chain.map((l, i) => (
                    <span key={i}>
                      {i > 0 && <span aria-hidden="true"> → </span>}
                      <span className="mono">{l.provider}</span> <span className="muted">({l.model})</span>
                    </span>
                  ))}
                </p>
              )}
              {editing === name && (
                <AliasEditor
                  name={name}
                  initial={draft}
                  providers={providers}
                  custom={custom}
                  builtin={BUILTIN_ALIASES.includes(name)}
                  onClose={() => close(name)}
                  onSaved={async () => {
                    close(name);
                    await onSaved();
                  }}
                />
              )}
            </li>
          );
        })}
      </ul>
      {admin && (
        <form className="field" onSubmit={addAlias} noValidate>
          <label htmlFor={`${uid}-new`}>{t('aiSettings.newAliasName')}</label>
          <div className="row">
            <input id={`${uid}-new`} className="mono" style={{ flex: '1 1 160px', minWidth: 0 }} value={newName} onChange={(e) => setNewName(e.target.value.toLowerCase())} maxLength={40} autoComplete="off" aria-describedby={`${uid}-new-hint${nameError ? ` ${uid}-new-err` : ''}`} aria-invalid={!!nameError || undefined} />
            <button type="submit" style={{ flex: 'none' }} disabled={editing !== null}>{t('aiSettings.addAlias')}</button>
          </div>
          <span id={`${uid}-new-hint`} className="hint">{t('aiSettings.newAliasHint')}</span>
          <FieldMessage id={`${uid}-new-err`} messages={[]} local={nameError} />
        </form>
      )}
    </section>
  );
}

type EditorProps = { name: string; initial: Step[]; providers: AiProvider[]; custom: boolean; builtin: boolean; onClose: () => void; onSaved: () => Promise<void> };

function AliasEditor({ name, initial, providers, custom, builtin, onClose, onSaved }: EditorProps) {
  const { t } = useTranslation();
  const toast = useToast();
  const stepUp = useStepUp();
  const uid = useId();
  const [steps, setSteps] = useState<Step[]>(initial);
  const [why, setWhy] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [announce, setAnnounce] = useState('');
  const refs = useRef(new Map<string, HTMLElement | null>());
  const focusNext = useRef<string | null>(null);
  const errors = fieldErrors(error);
  const embed = name === 'embed';
  const byId = new Map(providers.map((p) => [p.id, p]));
  const prefix = `aliases.${name}`;

  // Focus follows the step that moved (or the field after a removed one), after the render.
  useEffect(() => {
    const key = focusNext.current;
    focusNext.current = null;
    if (key) refs.current.get(key)?.focus();
  });
  useEffect(() => {
    refs.current.get(`provider-${initial[0]?.key}`)?.focus();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const ref = (key: string) => (el: HTMLElement | null) => void refs.current.set(key, el);
  const set = (i: number, patch: Partial<Step>) => setSteps((xs) => xs.map((s, j) => (j === i ? { ...s, ...patch } : s)));
  const move = (i: number, by: -1 | 1) => {
    const xs = [...steps];
    const [s] = xs.splice(i, 1);
    xs.splice(i + by, 0, s!);
    setSteps(xs);
    const to = i + by;
    // Keep the focus on the button pressed; at an end (now disabled), on the other one.
    const dir = by < 0 ? (to === 0 ? 'down' : 'up') : (to === xs.length - 1 ? 'up' : 'down');
    focusNext.current = `${dir}-${s!.key}`;
    setAnnounce(t('aiSettings.stepMoved', { provider: s!.provider, n: to + 1 }));
  };
  const remove = (i: number) => {
    const xs = steps.filter((_, j) => j !== i);
    setSteps(xs);
    const next = xs[Math.min(i, xs.length - 1)];
    focusNext.current = next ? `provider-${next.key}` : null;
    setAnnounce(t('aiSettings.stepRemoved', { n: i + 1 }));
  };
  const add = () => {
    const used = new Set(steps.map((s) => s.provider));
    const s = step(providers.find((p) => !used.has(p.id) && p.configured)?.id ?? 'offline');
    setSteps([...steps, s]);
    focusNext.current = `provider-${s.key}`;
  };

  const submit = async (chain: { provider: string; model?: string }[] | null) => {
    setBusy(true);
    setError(null);
    try {
      await stepUp.run(() => saveSettings({ aliases: { [name]: chain === null ? null : { chain } }, ...withWhy(why) }));
      toast(chain === null ? (builtin ? t('aiSettings.aliasReset', { name }) : t('aiSettings.aliasRemoved', { name })) : t('aiSettings.routingSaved', { name }));
      await onSaved();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  const save = (e: React.FormEvent) => {
    e.preventDefault();
    void submit(steps.map((s) => ({ provider: s.provider, ...(s.model.trim() ? { model: s.model.trim() } : {}) })));
  };

  const errId = (key: string) => `${uid}-${key.replace(/[^a-z0-9-]/gi, '-')}-err`;
  const topKeys = [prefix, `${prefix}.chain`];
  const stepKeys = new Set(steps.flatMap((_, i) => [`${prefix}.chain.${i}`, `${prefix}.chain.${i}.provider`, `${prefix}.chain.${i}.model`]));
  // Anything the fields below do not show (e.g. a bad alias name) stays visible at the top.
  const elsewhere = [...errors].filter(([k]) => !topKeys.includes(k) && !stepKeys.has(k)).flatMap(([, v]) => v);

  return (
    <form className="form" style={{ marginTop: 12 }} onSubmit={save} noValidate data-testid="alias-editor" aria-labelledby={`${uid}-legend`}>
      <fieldset className="fieldset stack">
        <legend id={`${uid}-legend`}>{t('aiSettings.stepsOf', { name })}</legend>
        <p className="hint" style={{ margin: 0 }}>{embed ? t('aiSettings.embedHint') : t('aiSettings.chainHint')}</p>
        {topKeys.map((k) => <FieldMessage key={k} id={errId(k)} messages={messagesAt(errors, k)} />)}
        <FieldMessage id={errId('other')} messages={elsewhere} />
        <ol className="list" style={{ margin: 0 }}>
          {steps.map((s, i) => {
            const n = i + 1;
            const pKey = `${prefix}.chain.${i}.provider`;
            const mKey = `${prefix}.chain.${i}.model`;
            const p = byId.get(s.provider);
            const pBad = messagesAt(errors, pKey).length > 0;
            const mBad = messagesAt(errors, mKey).length > 0;
            return (
              <li key={s.key} data-testid="alias-step" className="stack" style={{ gap: 8 }}>
                <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(min(100%, 190px), 1fr))', gap: 8, alignItems: 'start' }}>
                  <div className="field">
                    <label htmlFor={`${uid}-p-${s.key}`}>{t('aiSettings.stepProvider', { n })}</label>
                    <select id={`${uid}-p-${s.key}`} ref={ref(`provider-${s.key}`)} value={s.provider} onChange={(e) => set(i, { provider: e.target.value })} {...invalidProps(pBad, errId(pKey))}>
                      {!p && <option value={s.provider}>{t('aiSettings.providerGone', { id: s.provider })}</option>}
                      {providers.map((x) => (
                        <option key={x.id} value={x.id}>{x.configured ? x.id : t('aiSettings.providerUnconfigured', { id: x.id })}</option>
                      ))}
                    </select>
                    <FieldMessage id={errId(pKey)} messages={messagesAt(errors, pKey)} />
                  </div>
                  <div className="field">
                    <label htmlFor={`${uid}-m-${s.key}`}>{t('aiSettings.stepModel', { n })}</label>
                    <input
                      id={`${uid}-m-${s.key}`} className="mono" value={s.model} onChange={(e) => set(i, { model: e.target.value })} maxLength={200} autoComplete="off"
                      placeholder={defaultModel(p, name) ? t('aiSettings.modelDefault', { model: defaultModel(p, name) }) : ''}
                      {...invalidProps(mBad, errId(mKey))}
                    />
                    <FieldMessage id={errId(mKey)} messages={messagesAt(errors, mKey)} />
                  </div>
                </div>
                <div className="row">
                  <button type="button" className="btn-sm" ref={ref(`up-${s.key}`)} disabled={i === 0} onClick={() => move(i, -1)} aria-label={t('aiSettings.moveUp', { n })} title={t('aiSettings.moveUp', { n })}><span aria-hidden="true">↑</span></button>
                  <button type="button" className="btn-sm" ref={ref(`down-${s.key}`)} disabled={i === steps.length - 1} onClick={() => move(i, 1)} aria-label={t('aiSettings.moveDown', { n })} title={t('aiSettings.moveDown', { n })}><span aria-hidden="true">↓</span></button>
                  <button type="button" className="btn-sm btn-danger" disabled={steps.length === 1} onClick={() => remove(i)} aria-label={t('aiSettings.removeStep', { n })}>{t('aiSettings.remove')}</button>
                </div>
                <FieldMessage id={errId(`${prefix}.chain.${i}`)} messages={messagesAt(errors, `${prefix}.chain.${i}`)} />
              </li>
            );
          })}
        </ol>
        {embed && steps.length > 1 && <p className="field-error" style={{ margin: 0 }}>{t('aiSettings.embedOneStep')}</p>}
        <div>
          <button type="button" className="btn-sm" ref={ref('add')} onClick={add} disabled={steps.length >= MAX_STEPS || (embed && steps.length >= 1)}>{t('aiSettings.addStep')}</button>
        </div>
        <p className="sr-only" aria-live="polite">{announce}</p>
      </fieldset>
      <WhyField value={why} onChange={setWhy} />
      <ErrorText error={error} />
      <div className="row">
        <button type="submit" className="btn-primary" disabled={busy}>{t('aiSettings.saveRouting')}</button>
        <button type="button" onClick={onClose} disabled={busy}>{t('common.cancel')}</button>
        {custom && (
          <button type="button" className="btn-danger" style={{ marginLeft: 'auto' }} disabled={busy} onClick={() => void submit(null)}>
            {builtin ? t('aiSettings.resetAlias') : t('aiSettings.removeAlias')}
          </button>
        )}
      </div>
      {stepUp.dialog}
    </form>
  );
}
