// "Wake now": asks the agent to look for work and says what came of it (slept without a
// model call, or working with a link to the run).
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { ErrorText } from '../../ui/feedback';
import { agents, type WakeResult } from './api';

export function WakeButton({ id, name, onWoken }: { id: string; name: string; onWoken?: () => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [out, setOut] = useState<WakeResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <div className="stack" style={{ gap: 4 }}>
      <button
        type="button" disabled={busy} aria-label={`${t('agents.wake')} — ${name}`}
        onClick={async () => {
          setBusy(true); setError(null); setOut(null);
          try { setOut(await agents.wake(id)); onWoken?.(); } catch (err) { setError(err); } finally { setBusy(false); }
        }}
      >{busy ? t('agents.waking') : t('agents.wake')}</button>
      <span role="status" aria-live="polite" className="small" data-testid="wake-outcome">
        {out && <>{t(`agents.outcome.${out.kind}`)}{out.run_id && <> <Link href={`/runs/${encodeURIComponent(out.run_id)}`}>{t('agents.outcome.seeRun')}</Link></>}</>}
      </span>
      <ErrorText error={error} />
    </div>
  );
}

export function BudgetBar({ percent }: { percent: number | null }) {
  const { t } = useTranslation();
  if (percent === null) return <span className="muted small">{t('agents.noBudget')}</span>;
  const p = Math.min(100, Math.max(0, percent));
  return (
    <span className="row" style={{ gap: 6 }}>
      <span className="progress" role="progressbar" aria-label={t('agents.budget')} aria-valuenow={p} aria-valuemin={0} aria-valuemax={100} style={{ width: 80 }}><span style={{ width: `${p}%` }} /></span>
      <span className="small">{percent} %</span>
    </span>
  );
}

export function StatusChip({ status }: { status: string }) {
  const { t } = useTranslation();
  const cls = status === 'paused' || status === 'error' ? 'status-blocked' : status === 'working' ? '' : 'status-done';
  return <span className={`chip ${cls}`}>{t(`agents.statusName.${status}`, { defaultValue: status })}</span>;
}
