// New flow: a gallery of templates (cards: name, description, step count, "Use this template"),
// and the definition as JSON or YAML that the chosen one fills; problems shown with their path.
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation } from 'wouter';
import { ErrorText } from '../../ui/feedback';
import { definitionBody, flows, type Problem } from './api';
import { FlowEditor } from './FlowEditor';
import { ProblemList, problemsOf } from './Problems';
import { TEMPLATES, templateById, templateText } from './templates';

const GALLERY: React.CSSProperties = { display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(min(100%, 240px), 1fr))', gap: 12, listStyle: 'none', margin: 0, padding: 0 };
const CARD: React.CSSProperties = { cursor: 'default', height: '100%', justifyContent: 'space-between' };

export default function NewFlow() {
  const { t } = useTranslation();
  const [, navigate] = useLocation();
  const [template, setTemplate] = useState(TEMPLATES[0]!.id);
  const tplText = (id: string) => { const x = templateById(id); return templateText(id, { name: t(x.nameKey), description: t(x.descriptionKey) }); };
  const [text, setText] = useState(() => tplText(TEMPLATES[0]!.id));
  const [announce, setAnnounce] = useState('');
  const editor = useRef<HTMLTextAreaElement>(null);

  const applyTemplate = (id: string) => {
    setTemplate(id);
    setText(tplText(id));
    setProblems([]);
    setChecked(false);
    setError(null);
    setAnnounce(t('newFlow.filled', { name: t(templateById(id).nameKey) }));
    // The editor is where the template lands: go there (keyboard and screen-reader users too).
    editor.current?.focus({ preventScroll: true });
    editor.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  };
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
      <section className="glass panel stack" aria-labelledby="nf-gallery">
        <h2 id="nf-gallery">{t('newFlow.gallery')}</h2>
        <p className="hint">{t('newFlow.galleryHint')}</p>
        <ul style={GALLERY} data-testid="flow-templates">
          {TEMPLATES.map((tpl) => {
            const name = t(tpl.nameKey);
            const current = tpl.id === template;
            return (
              <li key={tpl.id} className="card" style={{ ...CARD, ...(current && { borderColor: 'var(--accent)' }) }} data-template={tpl.id} aria-current={current ? 'true' : undefined}>
                <div className="stack" style={{ gap: 4 }}>
                  <h3 id={`nf-tpl-${tpl.id}`} style={{ margin: 0, fontSize: 15 }}>{name}</h3>
                  <p id={`nf-tpl-${tpl.id}-d`} style={{ margin: 0 }}>{t(tpl.descriptionKey)}</p>
                </div>
                <div className="row">
                  <span className="chip">{t('newFlow.stepCount', { n: tpl.definition.steps.length })}</span>
                  {current && <span className="chip">{t('newFlow.inEditor')}</span>}
                  <button type="button" style={{ marginLeft: 'auto' }} aria-label={t('newFlow.useNamed', { name })} aria-describedby={`nf-tpl-${tpl.id}-d`} onClick={() => applyTemplate(tpl.id)}>{t('newFlow.use')}</button>
                </div>
              </li>
            );
          })}
        </ul>
        <p className="sr-only" role="status" aria-live="polite">{announce}</p>
      </section>
      <form className="glass panel form" onSubmit={create} aria-label={t('newFlow.title')}>
        <FlowEditor text={text} onText={(x) => { setText(x); setChecked(false); }} problems={problems}
          textId="nf-def" textLabel={t('newFlow.definition')} textRef={editor} hint={t('newFlow.formatHint')} />
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
