// One run: the graph coloured by step status, the journal (every attempt, its input, output and
// error), approvals waiting on it, cancel, replay and fork. Polled every 2 s until it finishes.
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useParams } from 'wouter';
import { useSession } from '../../app/session';
import { fmtDateTime } from '../../lib/format';
import { useQuery } from '../../lib/query';
import { ErrorText, Loading, useAction } from '../../ui/feedback';
import { FAILED, FINISHED, runs, type RunDetail, type StepAttempt, type Wait } from './api';
import { FlowGraph, type StepState } from './FlowGraph';
import { RunStatusChip } from './RunTable';

const json = (v: unknown) => JSON.stringify(v, null, 2);
const message = (e: unknown): string => {
  if (!e) return '';
  if (typeof e === 'string') return e;
  if (typeof e === 'object' && e && 'message' in e) return String((e as { message: unknown }).message);
  return json(e);
};

function Attempt({ s }: { s: StepAttempt }) {
  const { t, i18n } = useTranslation();
  const parts: Array<[string, unknown]> = [['input', s.input], ['output', s.output], ['error', s.error]];
  return (
    <li data-step={s.key} data-attempt={s.attempt}>
      <div className="row">
        <strong className="mono">{s.key}</strong>
        <span className="chip">{s.type}</span>
        <span className={`chip st-${s.status}`}>{t(`stepStatus.${s.status}`, { defaultValue: s.status })}</span>
        {s.branch && <span className="chip">{t('run.branch', { branch: s.branch })}</span>}
        <span className="muted small">{t('run.attempt', { n: s.attempt })} · {fmtDateTime(s.started_at, i18n.language)}</span>
        {s.retry_at && <span className="muted small">{t('run.retryAt', { when: fmtDateTime(s.retry_at, i18n.language) })}</span>}
      </div>
      {parts.filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => (
        <details key={k}>
          <summary className="small">{t(`run.${k}`)}</summary>
          <pre className="flow-pre">{json(v)}</pre>
        </details>
      ))}
    </li>
  );
}

function Approval({ run, wait, onDone }: { run: RunDetail; wait: Wait; onDone: () => void }) {
  const { t } = useTranslation();
  const act = useAction();
  const [why, setWhy] = useState('');
  const title = typeof wait.spec?.title === 'string' ? wait.spec.title : wait.step;
  const decide = async (decision: 'approve' | 'reject') => {
    if (await act(() => runs.decide(run.id, wait.step, decision, why.trim() || undefined), t(decision === 'approve' ? 'run.approved' : 'run.rejected'))) {
      setWhy('');
      onDone();
    }
  };
  return (
    <li className="stack" data-wait={wait.step}>
      <div><strong>{title}</strong> <span className="muted small mono">{wait.step}</span></div>
      <div className="field">
        <label htmlFor={`why-${wait.step}`}>{t('run.why')}</label>
        <input id={`why-${wait.step}`} value={why} onChange={(e) => setWhy(e.target.value)} />
      </div>
      <div className="row">
        <button type="button" className="btn-primary" onClick={() => void decide('approve')}>{t('run.approve')}</button>
        <button type="button" className="btn-danger" onClick={() => void decide('reject')}>{t('run.reject')}</button>
      </div>
    </li>
  );
}

export default function RunPage() {
  const { t, i18n } = useTranslation();
  const { id } = useParams<{ id: string }>();
  const [, navigate] = useLocation();
  const { can } = useSession();
  const act = useAction();
  const q = useQuery(() => runs.get(id), [id]);
  const [compensate, setCompensate] = useState(false);
  const run = q.data;
  const live = !!run && !FINISHED.includes(run.status);

  // Live: poll every 2 s while the run is not finished (paused while the tab is hidden).
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => {
      if (document.visibilityState !== 'hidden') void q.reload();
    }, 2000);
    return () => clearInterval(timer);
  }, [live, q.reload]);

  const states = useMemo(() => {
    const m = new Map<string, StepState>();
    for (const s of run?.steps ?? []) m.set(s.key, { status: s.status, attempts: s.attempt });
    return m;
  }, [run?.steps]);

  if (!run) return q.error ? <ErrorText error={q.error} onRetry={() => void q.reload()} /> : <Loading />;
  const writable = can('write');
  const failedStep = [...run.steps].reverse().find((s) => s.status === 'failed' || s.status === 'compensation_failed');
  const approvals = run.waits.filter((w) => w.kind === 'approval');
  const steps = run.definition?.steps ?? [];
  const goTo = async (p: Promise<{ id: string }>) => {
    const out = await act(() => p);
    if (out) navigate(`/runs/${encodeURIComponent(out.id)}`);
  };

  return (
    <div className="stack">
      <div className="page-head">
        <h1 style={{ overflowWrap: 'anywhere' }}>{t('run.title', { id: run.id })}</h1>
        <RunStatusChip status={run.status} />
      </div>
      <div className="row muted small">
        {run.flow_key && <Link href={`/flows/${encodeURIComponent(run.flow_key)}`}>{run.flow_key}</Link>}
        <span>· v{run.version}</span>
        <span>· {t(`trigger.${run.trigger}`, { defaultValue: run.trigger })}</span>
        <span>· {t('run.startedAt', { when: fmtDateTime(run.started_at ?? run.created_at, i18n.language) })}</span>
        {run.finished_at && <span>· {t('run.finishedAt', { when: fmtDateTime(run.finished_at, i18n.language) })}</span>}
        {live && <span className="chip" data-testid="run-live">{t('run.live')}</span>}
      </div>

      {live && writable && (
        <div className="row">
          <label className="row small"><input type="checkbox" checked={compensate} onChange={(e) => setCompensate(e.target.checked)} /> {t('run.compensate')}</label>
          <button type="button" className="btn-danger" onClick={async () => (await act(() => runs.cancel(run.id, compensate))) && void q.reload()}>{t('run.cancel')}</button>
        </div>
      )}

      {FAILED.includes(run.status) && (
        <section className="glass panel alert-panel" aria-labelledby="run-error-h" data-testid="run-error">
          <h2 id="run-error-h">{t('run.errorTitle')}</h2>
          {failedStep && <p>{t('run.failedStep', { step: failedStep.key, n: failedStep.attempt })}</p>}
          <pre className="flow-pre">{message(failedStep?.error ?? run.error) || '—'}</pre>
          {writable && (
            <div className="row" style={{ marginTop: 12 }}>
              <button type="button" onClick={() => void goTo(runs.replay(run.id))}>{t('run.replay')}</button>
              {failedStep && <button type="button" onClick={() => void goTo(runs.fork(run.id, failedStep.key))}>{t('run.fork', { step: failedStep.key })}</button>}
            </div>
          )}
        </section>
      )}

      {approvals.length > 0 && (
        <section className="glass panel" aria-labelledby="run-approvals-h">
          <h2 id="run-approvals-h">{t('run.approvals')}</h2>
          {writable ? (
            <ul className="list">{approvals.map((w) => <Approval key={w.step} run={run} wait={w} onDone={() => void q.reload()} />)}</ul>
          ) : <p className="muted">{t('run.readOnly')}</p>}
        </section>
      )}
      {run.waits.filter((w) => w.kind !== 'approval').length > 0 && (
        <ul className="glass panel list small" aria-label={t('run.waits')}>
          {run.waits.filter((w) => w.kind !== 'approval').map((w) => (
            <li key={w.step}>{t('run.waitsFor', { step: w.step, kind: t(`waitKind.${w.kind}`, { defaultValue: w.kind }) })}{w.until && ` · ${fmtDateTime(w.until, i18n.language)}`}</li>
          ))}
        </ul>
      )}

      {steps.length > 0 && (
        <section aria-labelledby="run-graph-h" className="stack">
          <h2 id="run-graph-h">{t('flow.graph')}</h2>
          <FlowGraph steps={steps} states={states} />
        </section>
      )}

      <section className="glass panel" aria-labelledby="run-timeline-h">
        <h2 id="run-timeline-h">{t('run.timeline')}</h2>
        {run.steps.length === 0 ? <p className="empty">{t('run.noSteps')}</p> : (
          <ol className="list" data-testid="run-timeline">{run.steps.map((s, i) => <Attempt key={`${s.key}#${s.attempt}#${i}`} s={s} />)}</ol>
        )}
      </section>

      <section className="glass panel" aria-labelledby="run-io-h">
        <h2 id="run-io-h">{t('run.io')}</h2>
        <details open={false}><summary className="small">{t('run.input')}</summary><pre className="flow-pre">{json(run.input)}</pre></details>
        {run.output !== null && run.output !== undefined && <details open><summary className="small">{t('run.output')}</summary><pre className="flow-pre" data-testid="run-output">{json(run.output)}</pre></details>}
      </section>
    </div>
  );
}
