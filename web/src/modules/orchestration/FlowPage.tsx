// One flow: its graph, its definition (edit, validate, publish a new version), start a run,
// pause or resume, its versions and recent runs.
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useParams } from 'wouter';
import { useSession } from '../../app/session';
import { useLive } from '../../live';
import { fmtDateTime } from '../../lib/format';
import { useDebounced, useQuery } from '../../lib/query';
import { ErrorText, Loading, useAction } from '../../ui/feedback';
import { bumpVersion, definitionBody, flows, problemStep, runs, type Definition, type Problem } from './api';
import { parseText, writeText } from './editing';
import { FlowEditor } from './FlowEditor';
import { FlowGraph, StepList } from './FlowGraph';
import { ProblemList, problemsOf } from './Problems';
import { RunTable } from './RunTable';

const pretty = (d: unknown) => JSON.stringify(d, null, 2);

export default function FlowPage() {
  const { t, i18n } = useTranslation();
  const { key } = useParams<{ key: string }>();
  const [, navigate] = useLocation();
  const { can } = useSession();
  const act = useAction();
  const q = useQuery(() => flows.get(key), [key]);
  const recent = useQuery(() => runs.list({ flow: key }), [key]);
  const reload = useDebounced(() => {
    void q.reload();
    void recent.reload();
  }, 800);
  useLive((d) => d.namespace === 'orchestration' && reload());

  const [text, setText] = useState('');
  const [problems, setProblems] = useState<Problem[]>([]);
  const [checked, setChecked] = useState(false);
  const [publishError, setPublishError] = useState<unknown>(null);
  const [input, setInput] = useState('{}');
  const [inputError, setInputError] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (q.data) setText(pretty(q.data.definition));
  }, [q.data?.flow.latest_version, q.data?.flow.id]); // eslint-disable-line react-hooks/exhaustive-deps

  // The graph follows the editor while its text parses (JSON or YAML), else the saved definition.
  const shown: Definition | undefined = useMemo(() => {
    const p = parseText(text);
    return 'definition' in p && Array.isArray(p.definition.steps) ? p.definition : q.data?.definition;
  }, [text, q.data]);
  const bad = useMemo(() => new Set(problems.map((p) => problemStep(p.path)).filter((n): n is number => n !== null)), [problems]);

  if (!q.data) return q.error ? <ErrorText error={q.error} onRetry={() => void q.reload()} /> : <Loading />;
  const { flow, versions } = q.data;
  const steps = shown?.steps ?? [];
  const writable = can('write');

  const validate = async () => {
    try {
      const out = await flows.validate(definitionBody(text));
      setProblems(out.problems);
      setChecked(out.valid);
    } catch (err) {
      setProblems(problemsOf(err));
      setChecked(false);
    }
  };
  const bump = () => {
    const p = parseText(text);
    if ('definition' in p) {
      setText(writeText({ ...p.definition, version: bumpVersion(p.definition.version ?? flow.latest_version) }, p.format));
      setChecked(false);
    } else setProblems([{ path: '', message: t('flow.notJson') }]);
  };
  const publish = async () => {
    setPublishError(null);
    setProblems([]);
    setBusy(true);
    try {
      await flows.publish(flow.key, definitionBody(text));
      setChecked(false);
      await q.reload();
    } catch (err) {
      setProblems(problemsOf(err));
      setPublishError(err);
    } finally {
      setBusy(false);
    }
  };
  const start = async () => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(input || '{}');
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('object');
    } catch {
      setInputError(t('flow.inputInvalid'));
      return;
    }
    setInputError('');
    const run = await act(() => flows.start(flow.key, parsed as Record<string, unknown>));
    if (run) navigate(`/runs/${encodeURIComponent(run.id)}`);
  };
  const setStatus = async (status: 'active' | 'paused') => {
    if (await act(() => flows.setStatus(flow.key, status))) await q.reload();
  };

  return (
    <div className="stack">
      <div className="page-head">
        <h1>{flow.name}</h1>
        <span className={`chip flow-${flow.status}`} data-testid="flow-status">{t(`flowStatus.${flow.status}`, { defaultValue: flow.status })}</span>
      </div>
      <div className="row muted small">
        <span className="mono">{flow.key}</span>
        <span>· v{flow.latest_version}</span>
        <span>· {t('flow.updated', { when: fmtDateTime(flow.updated_at, i18n.language) })}</span>
        <Link href="/flows">{t('flow.back')}</Link>
      </div>
      {flow.description && <p>{flow.description}</p>}
      {writable && (
        <div className="row">
          {flow.status === 'active' && <button type="button" onClick={() => void setStatus('paused')}>{t('flow.pause')}</button>}
          {flow.status === 'paused' && <button type="button" onClick={() => void setStatus('active')}>{t('flow.resume')}</button>}
        </div>
      )}

      {!writable && (
        <section aria-labelledby="flow-graph-h" className="stack">
          <h2 id="flow-graph-h">{t('flow.graph')}</h2>
          {steps.length === 0 ? <p className="empty">{t('flow.noSteps')}</p> : <FlowGraph steps={steps} problems={bad} />}
        </section>
      )}


      <section className="glass panel form" aria-labelledby="flow-def-h">
        <h2 id="flow-def-h">{t('flow.definition')}</h2>
        {writable ? (
          <FlowEditor text={text} onText={(x) => { setText(x); setChecked(false); }} fallback={q.data.definition} problems={problems}
            textId="fp-def" textLabel={t('flow.definitionLabel')} />
        ) : (
          <div className="field">
            <label htmlFor="fp-def">{t('flow.definitionLabel')}</label>
            <textarea id="fp-def" className="flow-json" spellCheck={false} value={text} readOnly />
          </div>
        )}
        <ProblemList problems={problems} />
        {problems.length === 0 && <ErrorText error={publishError} />}
        {checked && <p className="health-green" role="status">{t('flow.valid')}</p>}
        <div className="row">
          <button type="button" onClick={() => void validate()}>{t('flow.validate')}</button>
          {writable && <button type="button" onClick={bump}>{t('flow.bump')}</button>}
          {writable && <button type="button" className="btn-primary" onClick={() => void publish()} disabled={busy}>{t('flow.publish')}</button>}
        </div>
        {steps.length > 0 && bad.size > 0 && <StepList steps={steps} problems={bad} />}
      </section>

      {writable && flow.status !== 'archived' && (
        <section className="glass panel form" aria-labelledby="flow-run-h">
          <h2 id="flow-run-h">{t('flow.startTitle')}</h2>
          <div className="field">
            <label htmlFor="fp-input">{t('flow.input')}</label>
            <textarea id="fp-input" className="flow-json-sm" spellCheck={false} value={input} onChange={(e) => setInput(e.target.value)} aria-invalid={!!inputError} />
            {inputError && <p className="field-error" role="alert">{inputError}</p>}
          </div>
          <div className="row">
            <button type="button" className="btn-primary" onClick={() => void start()} disabled={flow.status !== 'active'}>{t('flow.start')}</button>
            {flow.status === 'paused' && <span className="muted small">{t('flow.pausedHint')}</span>}
          </div>
        </section>
      )}

      <section className="glass panel" aria-labelledby="flow-runs-h">
        <div className="row" style={{ justifyContent: 'space-between' }}>
          <h2 id="flow-runs-h">{t('flow.recentRuns')}</h2>
          <Link href={`/runs?flow=${encodeURIComponent(flow.key)}`}>{t('flow.allRuns')}</Link>
        </div>
        <ErrorText error={recent.error} onRetry={() => void recent.reload()} />
        {recent.data ? <RunTable items={recent.data.slice(0, 20)} showFlow={false} /> : !recent.error && <Loading />}
      </section>

      <section className="glass panel" aria-labelledby="flow-versions-h">
        <h2 id="flow-versions-h">{t('flow.versions')}</h2>
        <ul className="list small">
          {versions.map((v) => (
            <li key={v.version}><span className="mono">v{v.version}</span> · {fmtDateTime(v.created_at, i18n.language)}</li>
          ))}
        </ul>
      </section>
    </div>
  );
}
