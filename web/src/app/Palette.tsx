// The Cmd+K / Ctrl+K palette: plain-language commands first (lib/commands), then fuzzy
// matches over commands, pages (the modules' navigation), workflows, tasks and people. ↑/↓ to
// choose, Enter to run.
import Fuse from 'fuse.js';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation } from 'wouter';
import type { Task, Template, Workflow } from '../../../sdk/src/index.js';
import { api } from '../api';
import { useSession } from './session';
import { changeLanguage } from '../i18n';
import { parseCommand, type Command } from '../lib/commands';
import { getPrefs, setPrefs } from '../lib/prefs';
import { NAV } from '../modules';
import { Dialog } from '../ui/Dialog';

type Item = { id: string; kind: 'command' | 'page' | 'workflow' | 'task' | 'member' | 'template'; label: string; hint?: string; run: () => void };

export default function Palette({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const [, navigate] = useLocation();
  const { members } = useSession();
  const [text, setText] = useState('');
  const [active, setActive] = useState(0);
  const [workflows, setWorkflows] = useState<Workflow[]>([]);
  const [templates, setTemplates] = useState<Template[]>([]);
  const [tasks, setTasks] = useState<Task[]>([]);

  useEffect(() => {
    let live = true;
    api.work.list({ limit: 200 }).then(async (page) => {
      if (!live) return;
      setWorkflows(page.items);
      const recent = page.items.slice(0, 15);
      const lists = await Promise.all(recent.map((w) => api.work.tasks(w.id).catch(() => [] as Task[])));
      if (live) setTasks(lists.flat());
    }, () => {});
    api.work.templates().then((x) => live && setTemplates(x), () => {});
    return () => {
      live = false;
    };
  }, []);

  const go = (path: string) => () => {
    navigate(path);
    onClose();
  };
  const exec = (c: Command) => () => {
    switch (c.kind) {
      case 'new-workflow': return go(`/workflows/new${c.template ? `?template=${encodeURIComponent(c.template.id)}` : ''}`)();
      case 'tasks': return go(`/tasks?filter=${c.filter}${c.range ? `&range=${c.range}` : ''}`)();
      case 'audit': return go(`/audit${c.workflow ? `?workflow=${encodeURIComponent(c.workflow.id)}` : ''}`)();
      case 'page': return go(c.path)();
      case 'approvals': return go('/approvals')();
      case 'language': void changeLanguage(c.lng); return onClose();
      case 'theme': setPrefs({ theme: c.theme }); return onClose();
      case 'low-bandwidth': setPrefs({ lowBandwidth: c.on }); return onClose();
    }
  };
  const pageLabel = (path: string): string => {
    const n = NAV.find((x) => x.to === path);
    return n ? t(n.paletteKey ?? n.labelKey) : path;
  };
  const describe = (c: Command): string => {
    switch (c.kind) {
      case 'new-workflow': return c.template ? t('palette.cmd.newFrom', { name: c.template.name }) : t('palette.cmd.new');
      case 'tasks': return c.filter === 'blocked' ? t('palette.cmd.blocked') : c.range ? t('palette.cmd.overdueWeek') : t('palette.cmd.overdue');
      case 'audit': return c.workflow ? t('palette.cmd.auditFor', { name: c.workflow.name }) : t('palette.cmd.audit');
      case 'page': return t('palette.cmd.goto', { page: pageLabel(c.path) });
      case 'approvals': return t('palette.cmd.approvals');
      case 'language': return t('palette.cmd.language', { name: { en: 'English', fr: 'Français', mg: 'Malagasy' }[c.lng] });
      case 'theme': return t(`palette.cmd.theme_${c.theme}`);
      case 'low-bandwidth': return c.on ? t('palette.cmd.lowOn') : t('palette.cmd.lowOff');
    }
  };

  const items: Item[] = useMemo(() => {
    const commands: Command[] = [
      { kind: 'new-workflow', query: '' },
      { kind: 'tasks', filter: 'blocked' },
      { kind: 'tasks', filter: 'overdue', range: 'week' },
      { kind: 'audit', query: '' },
      { kind: 'approvals' },
      { kind: 'language', lng: 'en' },
      { kind: 'language', lng: 'fr' },
      { kind: 'language', lng: 'mg' },
      { kind: 'theme', theme: 'dark' },
      { kind: 'theme', theme: 'light' },
      { kind: 'low-bandwidth', on: !getPrefs().lowBandwidth },
    ];
    const workflowNames = new Map(workflows.map((w) => [w.id, w.name]));
    return [
      ...commands.map((c, i) => ({ id: `c${i}`, kind: 'command' as const, label: describe(c), run: exec(c) })),
      ...NAV.map((n) => ({ id: `p${n.to}`, kind: 'page' as const, label: t(n.paletteKey ?? n.labelKey), run: go(n.to) })),
      ...templates.map((tpl) => ({ id: tpl.id, kind: 'template' as const, label: t('palette.cmd.newFrom', { name: tpl.name }), hint: tpl.description, run: go(`/workflows/new?template=${encodeURIComponent(tpl.id)}`) })),
      ...workflows.map((w) => ({ id: w.id, kind: 'workflow' as const, label: w.name, hint: t(`departments.${w.department}`, { defaultValue: w.department }), run: go(`/workflows/${w.id}`) })),
      ...tasks.map((x) => ({ id: x.id, kind: 'task' as const, label: x.name, hint: workflowNames.get(x.workflow_id), run: go(`/workflows/${x.workflow_id}?task=${x.id}`) })),
      ...members.map((m) => ({ id: m.user_id, kind: 'member' as const, label: m.name, hint: m.email, run: go(`/audit?actor_id=${encodeURIComponent(m.user_id)}`) })),
    ];
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [workflows, templates, tasks, members, t]);

  const fuse = useMemo(() => new Fuse(items, { keys: [{ name: 'label', weight: 0.8 }, { name: 'hint', weight: 0.2 }], threshold: 0.4, ignoreLocation: true }), [items]);
  const parsed = useMemo(() => parseCommand(text, { templates, workflows, pages: NAV }), [text, templates, workflows]);
  const results: Item[] = useMemo(() => {
    const found = text.trim() ? fuse.search(text, { limit: 30 }).map((r) => r.item) : items.filter((i) => i.kind === 'command' || i.kind === 'page');
    const all: Item[] = parsed ? [{ id: 'parsed', kind: 'command', label: describe(parsed), run: exec(parsed) }, ...found] : found;
    // One line per thing to do: the typed command, the same listed command and a template's
    // "New workflow from …" all read alike, so only the first of each label is kept.
    const seen = new Set<string>();
    return all.filter((i) => !seen.has(i.label) && (seen.add(i.label), true));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text, fuse, items, parsed]);
  useEffect(() => setActive(0), [text]);

  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((a) => Math.min(results.length - 1, a + 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(0, a - 1));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      results[active]?.run();
    }
  };

  return (
    <Dialog title={t('palette.title')} onClose={onClose} className="palette" hideTitle>
      <input
        role="combobox"
        aria-expanded="true"
        aria-controls="palette-results"
        aria-activedescendant={results[active] ? `pal-${active}` : undefined}
        aria-label={t('palette.placeholder')}
        placeholder={t('palette.placeholder')}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        autoFocus
      />
      <ul id="palette-results" role="listbox" aria-label={t('palette.results')}>
        {results.length === 0 && <li role="option" aria-selected="false" aria-disabled="true" className="muted">{t('palette.none')}</li>}
        {results.map((r, i) => (
          <li key={`${r.kind}-${r.id}`} id={`pal-${i}`} role="option" aria-selected={i === active} onMouseEnter={() => setActive(i)} onClick={r.run}>
            <span>{r.label}</span>
            {r.hint && <span className="muted small">{r.hint.length > 60 ? `${r.hint.slice(0, 60)}…` : r.hint}</span>}
            <span className="kind">{t(`palette.kind.${r.kind}`)}</span>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
