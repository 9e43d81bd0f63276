// A task's status as a select that changes only on an explicit choice (issue 16, defect 2). On a
// closed select Chromium changes the value on ArrowUp/Down (and type-ahead) and fires `change`
// at once: each arrow press was a diff. Here a change that follows such a key is a draft —
// shown, not sent — applied by Enter and dropped by Escape or leaving the field; a choice from
// the open list (mouse, or Enter in it) still applies at once.
import { useRef, useState, type KeyboardEvent, type SelectHTMLAttributes } from 'react';
import { useTranslation } from 'react-i18next';
import type { TaskStatus } from '../../../../../sdk/src/index.js';
import { STATUSES } from './taskActions';

const BROWSING = new Set(['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'Home', 'End', 'PageUp', 'PageDown']);
const browses = (e: KeyboardEvent) => !e.altKey && !e.ctrlKey && !e.metaKey && (BROWSING.has(e.key) || e.key.length === 1);

type Props = Omit<SelectHTMLAttributes<HTMLSelectElement>, 'value' | 'onChange'> & { value: TaskStatus; onCommit: (status: TaskStatus) => void };

export function StatusSelect({ value, onCommit, onKeyDown, onBlur, ...rest }: Props) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<TaskStatus | null>(null);
  const keyed = useRef(false);
  const commit = (status: TaskStatus) => {
    setDraft(null);
    if (status !== value) onCommit(status);
  };
  return (
    <select
      {...rest}
      value={draft ?? value}
      data-draft={draft ?? undefined}
      onKeyDown={(e) => {
        onKeyDown?.(e);
        if (e.defaultPrevented) return;
        if (e.key === 'Enter' && draft) {
          e.preventDefault();
          commit(draft);
        } else if (e.key === 'Escape' && draft) {
          e.stopPropagation();
          setDraft(null);
        } else keyed.current = browses(e);
      }}
      onChange={(e) => {
        const status = e.target.value as TaskStatus;
        if (keyed.current) setDraft(status === value ? null : status);
        else commit(status);
        keyed.current = false;
      }}
      onBlur={(e) => {
        onBlur?.(e);
        keyed.current = false;
        setDraft(null);
      }}
    >
      {STATUSES.map((s) => (
        <option key={s} value={s}>{t(`status.${s}`)}</option>
      ))}
    </select>
  );
}
