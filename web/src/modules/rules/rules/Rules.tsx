// Rules (the Reflex Arc): the workspace's rules with their recent activity and an
// enabled switch, the built-in packs, and one rule's editor (trigger builder, actions),
// its simulation over a date range and its runs.
import { Fragment, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useSearch } from 'wouter';
import type { Template } from '../../../../../sdk/src/index.js';
import type { Rule, RuleRun, Simulation } from '../../../../../sdk/src/rules.js';
import { api, rules } from '../../../api';
import { useSession } from '../../../app/session';
import { fmtDateTime, fmtNumber } from '../../../lib/format';
import { useQuery } from '../../../lib/query';
import { CopyButton } from '../../../ui/CopyButton';
import { Dialog } from '../../../ui/Dialog';
import { ErrorText, Loading, useAction } from '../../../ui/feedback';
import { fieldErrors } from '../../../lib/errors';
import { Deliveries } from './Deliveries';
import { draftOf, emptyDraft, RuleForm, ruleOf, type Draft } from './RuleForm';

/** The server's English warning about filters that matched nothing yet, translated. */
function warningText(w: string, t: (k: string, o?: Record<string, unknown>) => string): string {
  const m = w.match(/^Nothing with (.+) has been recorded/);
  return m ? t('rules.warnUnmatched', { what: m[1] }) : w;
}

const dayInput = (d: Date) => d.toISOString().slice(0, 10);

export default function Rules() {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const [, navigate] = useLocation();
  const selected = new URLSearchParams(useSearch()).get('rule');
  const q = useQuery(() => rules.list(), []);
  const packs = useQuery(() => rules.packs(), []);
  const run = useAction();
  const admin = can('admin');

  const reloadAll = async () => {
    await Promise.all([q.reload(), packs.reload()]);
  };
  const toggle = async (r: Rule) => {
    if (await run(() => rules.setEnabled(r.id, !r.enabled), t(r.enabled ? 'rules.disabledToast' : 'rules.enabledToast', { name: r.name }))) await reloadAll();
  };

  return (
    <div className="stack">
      <div className="page-head">
        <h1>{t('rules.title')}</h1>
        {admin && <button type="button" className="btn-primary" onClick={() => navigate('/rules?rule=new')}>{t('rules.new')}</button>}
      </div>
      <p className="muted">{t('rules.intro')}</p>

      {selected && (
        <RuleEditor
          key={selected} id={selected} onClose={() => navigate('/rules')}
          onSaved={(id) => (void reloadAll(), navigate(`/rules?rule=${id}`, { replace: true }))}
          onDeleted={() => (void reloadAll(), navigate('/rules', { replace: true }))}
        />
      )}

      <section className="glass panel" aria-labelledby="rules-h">
        <h2 id="rules-h">{t('rules.list')}</h2>
        {!q.data ? (q.error ? <ErrorText error={q.error} onRetry={() => void q.reload()} /> : <Loading />) : q.data.length === 0 ? (
          <p className="empty">{t('rules.none')}</p>
        ) : (
          <div className="table-wrap">
            <table data-testid="rules-table">
              <thead>
                <tr>
                  <th scope="col">{t('fields.name')}</th>
                  <th scope="col">{t('rules.kind')}</th>
                  <th scope="col">{t('rules.enabled')}</th>
                  <th scope="col" className="hide-mobile">{t('rules.runs7d')}</th>
                  <th scope="col" className="hide-mobile">{t('rules.failed7d')}</th>
                  <th scope="col" className="hide-mobile">{t('rules.lastRun')}</th>
                </tr>
              </thead>
              <tbody>
                {q.data.map((r) => {
                  const s = r.stats;
                  return (
                    <tr key={r.id} data-rule={r.name}>
                      <td><Link href={`/rules?rule=${r.id}`} aria-current={selected === r.id ? 'true' : undefined}>{r.name}</Link>{r.pack_id && <span className="chip" style={{ marginLeft: 6 }}>{t('rules.fromPack')}</span>}</td>
                      <td>{t(`rules.kinds.${r.kind}`)}</td>
                      <td>
                        <label className="choice">
                          <input type="checkbox" role="switch" checked={r.enabled} disabled={!admin} onChange={() => void toggle(r)} aria-label={t('rules.enabledOf', { name: r.name })} />
                          <span aria-hidden="true">{r.enabled ? t('rules.on') : t('rules.off')}</span>
                        </label>
                      </td>
                      <td className="hide-mobile">{fmtNumber(s.runs_7d, i18n.language)}</td>
                      <td className="hide-mobile"><span className={s.failed_7d > 0 ? 'status-blocked' : undefined}>{fmtNumber(s.failed_7d, i18n.language)}</span></td>
                      <td className="hide-mobile">{s.last_run_at ? fmtDateTime(s.last_run_at, i18n.language) : t('rules.never')}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="glass panel" aria-labelledby="packs-h">
        <h2 id="packs-h">{t('rules.packs')}</h2>
        <p className="muted small">{t('rules.packsHint')}</p>
        {!packs.data ? (packs.error ? <ErrorText error={packs.error} onRetry={() => void packs.reload()} /> : <Loading />) : (
          <ul className="list">
            {packs.data.map((p) => (
              <li key={p.id} className="row" style={{ justifyContent: 'space-between', flexWrap: 'wrap' }} data-pack={p.id}>
                <span style={{ flex: '1 1 260px' }}>
                  <strong>{t(`rules.pack.${p.id}.name`, { defaultValue: p.name })}</strong>{' '}
                  {p.enabled && <span className="chip">{t('rules.on')}</span>}
                  <br />
                  <span className="muted small">{t(`rules.pack.${p.id}.description`, { defaultValue: p.description })}</span>
                </span>
                {admin && (
                  <button
                    type="button"
                    className={p.enabled ? 'btn-sm' : 'btn-sm btn-primary'}
                    aria-label={t(p.enabled ? 'rules.disablePack' : 'rules.enablePack', { name: t(`rules.pack.${p.id}.name`, { defaultValue: p.name }) })}
                    onClick={async () => {
                      const ok = await run((): Promise<unknown> => (p.enabled ? rules.disablePack(p.id) : rules.enablePack(p.id)), t(p.enabled ? 'rules.packOff' : 'rules.packOn'));
                      if (ok) await reloadAll();
                    }}
                  >
                    {p.enabled ? t('rules.disable') : t('rules.enable')}
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function RuleEditor({ id, onClose, onSaved, onDeleted }: { id: string; onClose: () => void; onSaved: (id: string) => void; onDeleted: () => void }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const isNew = id === 'new';
  const rule = useQuery(() => (isNew ? Promise.resolve(null) : rules.get(id)), [id]);
  const [draft, setDraft] = useState<Draft | null>(isNew ? emptyDraft() : null);
  const [templates, setTemplates] = useState<Template[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<{ warnings: string[]; secrets: Record<string, string> } | null>(null);
  const [busy, setBusy] = useState(false);
  const [tab, setTab] = useState<'edit' | 'simulate' | 'runs'>('edit');
  const [deleting, setDeleting] = useState(false);
  const errors = useMemo(() => fieldErrors(error), [error]);

  useEffect(() => {
    if (rule.data) setDraft(draftOf(rule.data));
  }, [rule.data]);
  useEffect(() => {
    api.work.templates().then(setTemplates, () => {});
  }, []);

  if (!draft) return <section className="glass panel">{rule.error ? <ErrorText error={rule.error} /> : <Loading />}</section>;

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const input = ruleOf(draft);
      const out = isNew ? await rules.create(input) : await rules.update(id, { ...input, version: rule.data?.version });
      setSaved({ warnings: out.warnings, secrets: out.secrets });
      if (isNew) onSaved(out.rule.id);
      else {
        await rule.reload();
        onSaved(id);
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const title = isNew ? t('rules.newTitle') : t('rules.editTitle', { name: rule.data?.name ?? '' });
  return (
    <section className="glass panel stack" aria-labelledby="editor-h" data-testid="rule-editor">
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h2 id="editor-h">{title}</h2>
        <button type="button" className="btn-sm btn-ghost" onClick={onClose}>{t('rules.close')}</button>
      </div>
      {saved && (saved.warnings.length > 0 || Object.keys(saved.secrets).length > 0) && (
        <div className="alert info" role="status" data-testid="rule-saved">
          {saved.warnings.map((w) => <p key={w}>⚠ {warningText(w, t)}</p>)}
          {Object.entries(saved.secrets).map(([i, secret]) => (
            <div key={i}>
              <p><strong>{t('rules.secretOnce', { n: Number(i) + 1 })}</strong></p>
              <div className="row"><code className="secret wrap-any" style={{ flex: 1 }}>{secret}</code><CopyButton text={secret} /></div>
            </div>
          ))}
          <button type="button" className="btn-sm" onClick={() => setSaved(null)}>{t('keys.done')}</button>
        </div>
      )}
      <div className="tabs" role="tablist" aria-label={title}>
        {(['edit', 'simulate', 'runs'] as const).filter((x) => x !== 'runs' || !isNew).map((x) => (
          <button key={x} type="button" role="tab" aria-selected={tab === x} onClick={() => setTab(x)}>{t(`rules.tab.${x}`)}</button>
        ))}
      </div>
      <div role="tabpanel">
        {tab === 'edit' && (
          <form className="form" onSubmit={save} noValidate>
            <RuleForm draft={draft} onChange={setDraft} errors={errors} templates={templates} />
            <ErrorText error={error} />
            {can('admin') && (
              <div className="row">
                <button type="submit" className="btn-primary" disabled={busy}>{isNew ? t('rules.create') : t('common.save')}</button>
                <button type="button" onClick={() => setTab('simulate')}>{t('rules.simulateDraft')}</button>
                {!isNew && <button type="button" className="btn-danger" style={{ marginLeft: 'auto' }} onClick={() => setDeleting(true)}>{t('rules.delete')}</button>}
              </div>
            )}
          </form>
        )}
        {deleting && rule.data && <DeleteRule rule={rule.data} onClose={() => setDeleting(false)} onDeleted={onDeleted} />}
        {tab === 'simulate' && <SimulatePanel draft={draft} />}
        {tab === 'runs' && !isNew && <RunsPanel ruleId={id} />}
      </div>
    </section>
  );
}

/** Asks before deleting (with an optional why, kept on the deletion's diff). */
function DeleteRule({ rule, onClose, onDeleted }: { rule: Rule; onClose: () => void; onDeleted: () => void }) {
  const { t } = useTranslation();
  const run = useAction();
  const [why, setWhy] = useState('');
  const [busy, setBusy] = useState(false);
  const confirm = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const ok = await run(() => rules.remove(rule.id, why.trim() || undefined), t('rules.deleted', { name: rule.name }));
    setBusy(false);
    if (ok) {
      onClose();
      onDeleted();
    }
  };
  return (
    <Dialog title={t('rules.deleteTitle', { name: rule.name })} description={t('rules.deleteBody')} onClose={onClose}>
      <form className="form" onSubmit={confirm}>
        <div className="field">
          <label htmlFor="delete-rule-why">{t('rules.deleteWhy')}</label>
          <textarea id="delete-rule-why" value={why} onChange={(e) => setWhy(e.target.value)} maxLength={2000} />
        </div>
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>{t('common.cancel')}</button>
          <button type="submit" className="btn-danger" disabled={busy}>{t('rules.deleteConfirm')}</button>
        </div>
      </form>
    </Dialog>
  );
}

function SimulatePanel({ draft }: { draft: Draft }) {
  const { t, i18n } = useTranslation();
  const { names } = useSession();
  const [since, setSince] = useState(dayInput(new Date(Date.now() - 7 * 86_400_000)));
  const [until, setUntil] = useState(dayInput(new Date()));
  const [sim, setSim] = useState<Simulation | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = useMemo(() => fieldErrors(error), [error]);
  const go = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const end = new Date(`${until}T23:59:59.999`);
      setSim(await rules.simulateDraft(ruleOf(draft), { since: new Date(`${since}T00:00:00`).toISOString(), until: (end > new Date() ? new Date() : end).toISOString() }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="stack" data-testid="simulate">
      <p className="muted small">{t('rules.simulateHint')}</p>
      <form className="row" onSubmit={go} style={{ alignItems: 'end', flexWrap: 'wrap' }}>
        <div className="field">
          <label htmlFor="sim-since">{t('audit.since')}</label>
          <input id="sim-since" type="date" value={since} onChange={(e) => setSince(e.target.value)} aria-invalid={errors.has('since') || undefined} />
          {errors.get('since') && <span className="field-error" role="alert">{errors.get('since')!.join(' ')}</span>}
        </div>
        <div className="field">
          <label htmlFor="sim-until">{t('audit.until')}</label>
          <input id="sim-until" type="date" value={until} onChange={(e) => setUntil(e.target.value)} aria-invalid={errors.has('until') || undefined} />
          {errors.get('until') && <span className="field-error" role="alert">{errors.get('until')!.join(' ')}</span>}
        </div>
        <button type="submit" className="btn-primary" disabled={busy}>{t('rules.simulate')}</button>
      </form>
      <ErrorText error={error} />
      {errors.size > 0 && <p className="muted small">{t('rules.fixInEditor')}</p>}
      {sim && (
        <div className="stack">
          <p role="status" data-testid="sim-summary">
            {t('rules.simResult', { matched: fmtNumber(sim.matched, i18n.language), scanned: fmtNumber(sim.scanned, i18n.language) })}
            {sim.scan_truncated && <> {t('rules.simTruncated')}</>}
          </p>
          {sim.matches.length === 0 ? <p className="empty">{t('rules.simNone')}</p> : (
            <ol className="list" data-testid="sim-matches">
              {sim.matches.map((m) => (
                <li key={m.diff.id}>
                  <div>
                    <strong>{t(`events.${m.diff.event}`, { defaultValue: m.diff.event })}</strong>{' '}
                    <Link href={`/audit?diff=${m.diff.id}`} className="mono small">{m.diff.entity_type} {m.diff.entity_id}</Link>{' '}
                    <span className="muted small">{fmtDateTime(m.diff.created_at, i18n.language)}</span>
                  </div>
                  <ul className="sim-would small">
                    {m.would.map((w, i) => <li key={i}>{describeWould(w, t, names)}</li>)}
                  </ul>
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
    </div>
  );
}

/** One "would" of a simulation as a sentence: the action, then its rendered fields. */
function describeWould(w: Record<string, unknown>, t: (k: string, o?: Record<string, unknown>) => string, names: Map<string, string>): string {
  const type = String(w.type ?? w.action ?? '');
  const rest = Object.entries(w).filter(([k]) => k !== 'type' && k !== 'action');
  const person = (x: unknown) => (typeof x === 'string' && x.startsWith('user:') ? (names.get(x.slice(5)) ?? x) : x);
  const show = (v: unknown): string => (typeof v === 'string' ? String(person(v)) : Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? String(person(x)) : JSON.stringify(x))).join(', ') : JSON.stringify(v));
  return `${t(`rules.action.${type}`, { defaultValue: type })}: ${rest.map(([k, v]) => `${t(`rules.would.${k}`, { defaultValue: k })} ${show(v)}`).join(' · ')}`;
}

function RunsPanel({ ruleId }: { ruleId: string }) {
  const { t, i18n } = useTranslation();
  const { names } = useSession();
  const q = useQuery(() => rules.runs({ rule_id: ruleId, limit: 50 }), [ruleId]);
  const [openRun, setOpenRun] = useState<string | null>(null);
  if (!q.data) return q.error ? <ErrorText error={q.error} onRetry={() => void q.reload()} /> : <Loading />;
  if (q.data.length === 0) return <p className="empty">{t('rules.noRuns')}</p>;
  // The effect as key: value pairs, people's ids shown as their names.
  const effect = (r: RuleRun): string => {
    if (r.effect === null || r.effect === undefined) return '—';
    if (typeof r.effect !== 'object') return String(r.effect);
    const show = (v: unknown): string => (typeof v === 'string' ? (names.get(v) ?? v) : Array.isArray(v) ? v.map(show).join(', ') : JSON.stringify(v));
    return Object.entries(r.effect as Record<string, unknown>).map(([k, v]) => `${k}: ${show(v)}`).join(' · ');
  };
  return (
    <div className="stack">
      <div className="row"><button type="button" className="btn-sm" onClick={() => void q.reload()}>{t('rules.refresh')}</button></div>
      <div className="table-wrap">
        <table data-testid="rule-runs">
          <thead>
            <tr>
              <th scope="col">{t('fields.status')}</th>
              <th scope="col">{t('rules.actionCol')}</th>
              <th scope="col">{t('rules.effect')}</th>
              <th scope="col">{t('rules.error')}</th>
              <th scope="col">{t('rules.duration')}</th>
              <th scope="col">{t('rules.when')}</th>
              <th scope="col"><span className="sr-only">{t('rules.deliveries')}</span></th>
            </tr>
          </thead>
          <tbody>
            {q.data.map((r) => (
              <Fragment key={r.id}>
                <tr>
                  <td><span className={r.status === 'failed' ? 'chip status-blocked' : 'chip'}>{t(`rules.runStatus.${r.status}`)}</span></td>
                  <td>{t(`rules.action.${r.action_type}`, { defaultValue: r.action_type })}</td>
                  <td className="small wrap-any">{effect(r).slice(0, 200)}</td>
                  <td className="small wrap-any">{r.error ?? '—'}</td>
                  <td>{r.duration_ms === null ? '—' : t('rules.ms', { n: fmtNumber(Math.round(r.duration_ms), i18n.language) })}</td>
                  <td className="small">{fmtDateTime(r.created_at, i18n.language)}</td>
                  <td>
                    {r.action_type === 'webhook' && (
                      <button type="button" className="btn-sm" aria-expanded={openRun === r.id} aria-controls={`deliveries-${r.id}`}
                        title={t(openRun === r.id ? 'rules.hideDeliveries' : 'rules.showDeliveries')}
                        onClick={() => setOpenRun(openRun === r.id ? null : r.id)}>
                        {t('rules.deliveries')}
                      </button>
                    )}
                  </td>
                </tr>
                {openRun === r.id && (
                  <tr id={`deliveries-${r.id}`}>
                    <td colSpan={7}><Deliveries runId={r.id} /></td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
