// New workflow: the template gallery (description, department, task preview), or blank.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useSearch } from 'wouter';
import type { Template } from '../../../../../sdk/src/index.js';
import { api } from '../../../api';
import { useQuery } from '../../../lib/query';
import { ErrorText, Loading } from '../../../ui/feedback';
import { DEPARTMENTS } from './WorkflowList';

const today = () => new Date().toISOString().slice(0, 10);

function Gallery({ templates, selected, onSelect }: { templates: Template[]; selected: string; onSelect: (id: string) => void }) {
  const { t } = useTranslation();
  return (
    <div className="grid grid-3" role="radiogroup" aria-label={t('workflows.templates')}>
      {templates.map((tpl) => (
        <div
          key={tpl.id}
          role="radio"
          aria-checked={selected === tpl.id}
          tabIndex={selected === tpl.id || (!selected && tpl === templates[0]) ? 0 : -1}
          className="glass panel"
          style={{ cursor: 'pointer', outline: selected === tpl.id ? '2px solid var(--accent)' : undefined }}
          onClick={() => onSelect(tpl.id)}
          onKeyDown={(e) => {
            const i = templates.indexOf(tpl);
            if (e.key === ' ' || e.key === 'Enter') {
              e.preventDefault();
              onSelect(tpl.id);
            }
            if (e.key === 'ArrowRight' || e.key === 'ArrowDown' || e.key === 'ArrowLeft' || e.key === 'ArrowUp') {
              e.preventDefault();
              const next = templates[(i + (e.key === 'ArrowRight' || e.key === 'ArrowDown' ? 1 : templates.length - 1)) % templates.length]!;
              onSelect(next.id);
              (e.currentTarget.parentElement?.children[templates.indexOf(next)] as HTMLElement | undefined)?.focus();
            }
          }}
          data-template={tpl.id}
        >
          <h3>{tpl.name}</h3>
          <div className="row small muted">
            <span className="chip">{t(`departments.${tpl.department}`, { defaultValue: tpl.department })}</span>
            <span>v{tpl.version}</span>
            <span>{t('workflows.taskCount', { n: tpl.tasks.length })}</span>
          </div>
          <p className="small" style={{ marginTop: 8 }}>{tpl.description}</p>
          <ol className="small muted" style={{ paddingLeft: 18, margin: 0 }} aria-label={t('workflows.preview')}>
            {tpl.tasks.slice(0, 4).map((task) => (
              <li key={task.name}>{task.name} <span className="muted">· {t('workflows.dayN', { n: task.day })}</span></li>
            ))}
            {tpl.tasks.length > 4 && <li style={{ listStyle: 'none' }}>{t('workflows.andMore', { n: tpl.tasks.length - 4 })}</li>}
          </ol>
        </div>
      ))}
    </div>
  );
}

export default function NewWorkflow() {
  const { t } = useTranslation();
  const [, navigate] = useLocation();
  const preselect = new URLSearchParams(useSearch()).get('template') ?? '';
  const templates = useQuery(() => api.work.templates(), []);
  const [selected, setSelected] = useState(preselect);
  const [name, setName] = useState('');
  const [startDate, setStartDate] = useState(today());
  const [department, setDepartment] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const template = templates.data?.find((x) => x.id === selected);

  const create = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = { start_date: startDate };
      if (template) body.template_id = template.id;
      if (name.trim()) body.name = name.trim();
      else if (!template) body.name = t('workflows.untitled');
      if (department) body.department = department;
      const wf = await api.work.create(body);
      navigate(`/workflows/${wf.id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <div className="stack">
      <div className="page-head">
        <h1>{t('workflows.newTitle')}</h1>
      </div>
      <form className="glass panel form" onSubmit={create} aria-label={t('workflows.newTitle')}>
        <div className="grid grid-3">
          <div className="field">
            <label htmlFor="nw-name">{t('fields.name')}</label>
            <input id="nw-name" value={name} onChange={(e) => setName(e.target.value)} placeholder={template?.name ?? t('workflows.untitled')} />
          </div>
          <div className="field">
            <label htmlFor="nw-start">{t('fields.start_date')}</label>
            <input id="nw-start" type="date" value={startDate} onChange={(e) => setStartDate(e.target.value)} required />
          </div>
          <div className="field">
            <label htmlFor="nw-dept">{t('fields.department')}</label>
            {/* Without a template the default is Operations itself, listed once (not also as the empty choice). */}
            <select id="nw-dept" value={department || (template ? '' : 'ops')} onChange={(e) => setDepartment(e.target.value)}>
              {template && <option value="">{t('workflows.templateDepartment', { name: t(`departments.${template.department}`, { defaultValue: template.department }) })}</option>}
              {DEPARTMENTS.map((d) => (
                <option key={d} value={d}>{t(`departments.${d}`)}</option>
              ))}
            </select>
          </div>
        </div>
        <div className="row">
          <span className="muted">{template ? t('workflows.fromTemplate', { name: template.name }) : t('workflows.blank')}</span>
          <span className="spacer" style={{ flex: 1 }} />
          {template && <button type="button" onClick={() => setSelected('')}>{t('workflows.startBlank')}</button>}
          <button type="submit" className="btn-primary" disabled={busy}>{t('workflows.create')}</button>
        </div>
        <ErrorText error={error} />
      </form>
      <h2>{t('workflows.templates')}</h2>
      {templates.error ? <ErrorText error={templates.error} onRetry={() => void templates.reload()} /> : !templates.data ? <Loading /> : (
        <Gallery templates={templates.data} selected={selected} onSelect={setSelected} />
      )}
    </div>
  );
}
