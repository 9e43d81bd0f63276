// New flow: a definition as JSON or YAML, from one of the templates; problems shown with their path.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation } from 'wouter';
import { ErrorText } from '../../ui/feedback';
import { definitionBody, flows, type Problem } from './api';
import { ProblemList, problemsOf } from './Problems';
import { TEMPLATES, templateText } from './templates';

export default function NewFlow() {
  const { t } = useTranslation();
  const [, navigate] = useLocation();
  const [template, setTemplate] = useState(TEMPLATES[0]!.id);
  const [text, setText] = useState(() => templateText(TEMPLATES[0]!.id));
  const [problems, setProblems] = useState<Problem[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [checked, setChecked] = useState(false);

  const validate = async () => {
    setError(null);
    try {
      const out = await flows.validate(definitionBody(text));
      setProblems(out.problems);
      setChecked(out.valid);
    } catch (err) {
      setProblems(problemsOf(err));
      setChecked(false);
      if (problemsOf(err).length === 0) setError(err);
    }
  };

  const create = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setProblems([]);
    try {
      const out = await flows.create(definitionBody(text));
      navigate(`/flows/${encodeURIComponent(out.flow.key)}`);
    } catch (err) {
      const ps = problemsOf(err);
      setProblems(ps);
      setError(err);
      setBusy(false);
    }
  };

  return (
    <div className="stack">
      <div className="page-head">
        <h1>{t('newFlow.title')}</h1>
      </div>
      <form className="glass panel form" onSubmit={create} aria-label={t('newFlow.title')}>
        <div className="field">
          <label htmlFor="nf-template">{t('newFlow.template')}</label>
          <select id="nf-template" value={template} onChange={(e) => {
            setTemplate(e.target.value);
            setText(templateText(e.target.value));
            setProblems([]);
            setChecked(false);
          }}>
            {TEMPLATES.map((tpl) => <option key={tpl.id} value={tpl.id}>{t(tpl.labelKey)}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="nf-def">{t('newFlow.definition')}</label>
          <textarea id="nf-def" className="flow-json" spellCheck={false} value={text} onChange={(e) => { setText(e.target.value); setChecked(false); }} />
          <p className="hint">{t('newFlow.formatHint')}</p>
        </div>
        <ProblemList problems={problems} />
        {problems.length === 0 && <ErrorText error={error} />}
        {checked && <p className="health-green" role="status">{t('flow.valid')}</p>}
        <div className="row">
          <button type="button" onClick={() => void validate()}>{t('flow.validate')}</button>
          <span style={{ flex: 1 }} />
          <button type="submit" className="btn-primary" disabled={busy}>{t('newFlow.create')}</button>
        </div>
      </form>
    </div>
  );
}
