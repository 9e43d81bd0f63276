// Flow steps waiting for me: the approval steps of flow runs (module orchestration) I may
// decide (GET /v1/flow-approvals?mine=true), each approved or rejected here with an optional
// why (POST /v1/runs/:id/steps/:step/decision), then the list is reloaded.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { api } from '../../../api';
import { useSession } from '../../../app/session';
import { fmtDateTime } from '../../../lib/format';
import { useQuery } from '../../../lib/query';
import { ErrorText, Loading, useToast } from '../../../ui/feedback';

export type FlowApproval = {
  run_id: string; step: string; flow_key: string; flow_name: string; title: string; description: string;
  approvers: string[]; required: number; decisions: Array<{ user_id: string; decision: string; why?: string | null; at: string }>;
  until: string | null; created_at: string; can_decide: boolean;
};

const enc = encodeURIComponent;
export const flowApprovals = {
  mine: async () => (await api.request<FlowApproval[]>('GET', '/v1/flow-approvals', { query: { mine: 'true' } })).data,
  decide: async (runId: string, step: string, decision: 'approve' | 'reject', why?: string) =>
    (await api.request<{ outcome: string; approvals: number; required: number }>('POST', `/v1/runs/${enc(runId)}/steps/${enc(step)}/decision`, { body: { decision, ...(why && { why }) } })).data,
};

const approvalsOf = (a: FlowApproval) => a.decisions.filter((d) => d.decision === 'approve' || d.decision === 'approved').length;

export function FlowApprovals() {
  const { t } = useTranslation();
  const q = useQuery(() => flowApprovals.mine(), []);
  const items = q.data ?? [];
  return (
    <section className="glass panel stack" aria-labelledby="flow-approvals-h" data-testid="flow-approvals">
      <h2 id="flow-approvals-h" style={{ fontSize: 17 }}>{t('approvals.flow.title')}</h2>
      {!q.data ? (q.error ? <ErrorText error={q.error} onRetry={() => void q.reload()} /> : <Loading />) : items.length === 0 ? (
        <p className="empty">{t('approvals.flow.none')}</p>
      ) : (
        <ul className="stack" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
          {items.map((a) => <FlowApprovalItem key={`${a.run_id}/${a.step}`} a={a} onDone={() => void q.reload()} />)}
        </ul>
      )}
    </section>
  );
}

function FlowApprovalItem({ a, onDone }: { a: FlowApproval; onDone: () => void }) {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const toast = useToast();
  const [why, setWhy] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const id = `fa-${a.run_id}-${a.step}`.replace(/[^A-Za-z0-9_-]/g, '_');
  const decide = async (decision: 'approve' | 'reject') => {
    setBusy(true);
    setError(null);
    try {
      await flowApprovals.decide(a.run_id, a.step, decision, why.trim() || undefined);
      toast(t(decision === 'approve' ? 'approvals.flow.approvedToast' : 'approvals.flow.rejectedToast', { title: a.title }));
      setWhy('');
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className="stack" data-flow-approval={`${a.run_id}/${a.step}`} aria-labelledby={`${id}-h`}>
      <div>
        <h3 id={`${id}-h`} style={{ fontSize: 16, margin: 0 }}>{a.title}</h3>
        <div className="muted small">
          {t('approvals.flow.flow', { name: a.flow_name })}
          {' · '}<span data-testid="flow-approval-count">{t('approvals.flow.count', { approvals: approvalsOf(a), required: a.required })}</span>
          {a.until && <> · {t('approvals.flow.until', { when: fmtDateTime(a.until, i18n.language) })}</>}
          {' · '}<Link href={`/runs/${enc(a.run_id)}`}>{t('approvals.flow.openRun')}</Link>
        </div>
        {a.description && <p className="small" style={{ margin: '4px 0 0' }}>{a.description}</p>}
      </div>
      {can('write') && a.can_decide && (
        <>
          <div className="field">
            <label htmlFor={`${id}-why`}>{t('approvals.flow.why')}</label>
            <input id={`${id}-why`} value={why} maxLength={5000} onChange={(e) => setWhy(e.target.value)} />
          </div>
          <ErrorText error={error} />
          <div className="row">
            <button type="button" className="btn-primary" disabled={busy} aria-label={t('approvals.flow.approveOf', { title: a.title })} onClick={() => void decide('approve')}>{t('approvals.approve')}</button>
            <button type="button" className="btn-danger" disabled={busy} aria-label={t('approvals.flow.rejectOf', { title: a.title })} onClick={() => void decide('reject')}>{t('approvals.reject')}</button>
          </div>
        </>
      )}
    </li>
  );
}
