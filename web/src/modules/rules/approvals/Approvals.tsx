// Approvals, now the one inbox: the Pending tab is the Inbox (agents' proposals, rule-held
// changes, flow steps, budgets, memory conflicts; Inbox.tsx). /approvals/:id still shows one
// rule-held change with its proposed before/after (approve with a why / reject with a reason,
// a step-up 2FA prompt when the approver has 2FA); decided rule approvals are in a tab.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useParams, useSearch } from 'wouter';
import type { Diff } from '../../../../../sdk/src/index.js';
import type { Approval } from '../../../../../sdk/src/rules.js';
import { rules } from '../../../api';
import { useActorName, useSession } from '../../../app/session';
import { fmtDateTime, fmtNumber } from '../../../lib/format';
import { refreshInbox, useInbox } from '../../../lib/inbox';
import { useDebounced, useQuery } from '../../../lib/query';
import { useLive } from '../../../live';
import { Dialog } from '../../../ui/Dialog';
import { ErrorText, Loading, useToast } from '../../../ui/feedback';
import { useStepUp } from '../../../ui/StepUp';
import { WhyDialog } from '../../../ui/WhyDialog';
import { DiffViewer } from '../../ledger/DiffDetail';
import { HeldFacts } from './HeldFacts';
import { Inbox } from './Inbox';

type Decision = { kind: 'approve' | 'reject'; items: Approval[] };

/** The held change as a diff, for the audit diff viewer. */
const asDiff = (a: Approval): Diff =>
  ({ id: a.id, event: a.change.event, namespace: a.change.namespace, entity_type: a.change.entity_type, entity_id: a.change.entity_id, before: a.change.before, after: a.change.after }) as unknown as Diff;

export default function Approvals() {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const actorName = useActorName();
  const waiting = useInbox().pending;
  const [, navigate] = useLocation();
  const params = useParams<{ id?: string }>();
  const tab = new URLSearchParams(useSearch()).get('status') === 'decided' ? 'decided' : 'pending';
  const q = useQuery(async () => {
    const xs = await rules.approvals({ limit: 200 });
    return xs;
  }, []);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [decision, setDecision] = useState<Decision | null>(null);
  const stepUp = useStepUp();
  const toast = useToast();
  const refresh = useDebounced(() => void q.reload(), 400);
  useLive((d) => {
    if (d.event.startsWith('approval.')) refresh();
  });

  const all = q.data ?? [];
  const pending = all.filter((a) => a.status === 'pending');
  const decided = all.filter((a) => a.status !== 'pending');
  const shown = (tab === 'pending' ? pending : decided).filter((a) => !params.id || a.id === params.id);
  const picked = pending.filter((a) => selected.has(a.id));

  const done = async () => {
    setDecision(null);
    setSelected(new Set());
    await Promise.all([q.reload(), refreshInbox()]);
  };

  const decide = async (why: string) => {
    if (!decision) return;
    if (decision.kind === 'reject') {
      await stepUp.run(() => rules.reject(decision.items[0]!.id, why));
      toast(t('approvals.rejectedToast'));
    } else if (decision.items.length === 1) {
      await stepUp.run(() => rules.approve(decision.items[0]!.id, why));
      toast(t('approvals.approvedToast'));
    } else {
      const out = await stepUp.run(() => rules.approveMany(decision.items.map((a) => a.id), why));
      const failed = out.filter((r) => !r.ok);
      toast(t('approvals.batchToast', { ok: out.length - failed.length, failed: failed.length }), failed.length ? 'error' : 'info');
      if (failed.length) {
        for (const f of failed) toast(`${decision.items.find((a) => a.id === f.id)?.summary ?? f.id}: ${t(`errors.${f.error?.code ?? 'UNKNOWN'}`, { defaultValue: t('errors.UNKNOWN') })}`, 'error');
      }
    }
    await done();
  };

  return (
    <div className="stack">
      <div className="page-head">
        <h1>{t('inbox.title')}</h1>
        {params.id && <Link href="/approvals">{t('approvals.all')}</Link>}
      </div>
      <div className="tabs" role="tablist" aria-label={t('approvals.title')}>
        <button type="button" role="tab" aria-selected={tab === 'pending'} onClick={() => navigate('/approvals', { replace: true })}>
          {t('approvals.pending')} {waiting > 0 && <span className="badge" data-testid="pending-count">{fmtNumber(waiting, i18n.language)}</span>}
        </button>
        <button type="button" role="tab" aria-selected={tab === 'decided'} onClick={() => navigate('/approvals?status=decided', { replace: true })}>{t('approvals.decided')}</button>
      </div>
      {tab === 'pending' && !params.id ? <Inbox /> : !q.data ? (q.error ? <ErrorText error={q.error} onRetry={() => void q.reload()} /> : <Loading />) : (
        <>
          {tab === 'pending' && can('write') && pending.length > 1 && (
            <div className="row glass panel" style={{ flexWrap: 'wrap' }}>
              <label className="choice">
                <input type="checkbox" checked={picked.length === pending.length} onChange={(e) => setSelected(e.target.checked ? new Set(pending.map((a) => a.id)) : new Set())} />
                {t('approvals.selectAll')}
              </label>
              <span className="spacer" style={{ flex: 1 }} />
              <button type="button" className="btn-primary" disabled={picked.length === 0} onClick={() => setDecision({ kind: 'approve', items: picked })}>
                {t('approvals.approveSelected', { n: picked.length })}
              </button>
            </div>
          )}
          {shown.length === 0 ? (
            <p className="empty glass panel">{tab === 'pending' ? t('approvals.nonePending') : t('approvals.noneDecided')}</p>
          ) : (
            <ul className="stack" style={{ listStyle: 'none', padding: 0, margin: 0 }} data-testid="approvals-list">
              {shown.map((a) => (
                <li key={a.id} className="glass panel stack" data-approval={a.id} aria-labelledby={`ap-${a.id}`}>
                  <div className="row" style={{ justifyContent: 'space-between', alignItems: 'flex-start', flexWrap: 'wrap' }}>
                    <div className="row" style={{ alignItems: 'flex-start' }}>
                      {a.status === 'pending' && can('write') && pending.length > 1 && (
                        <input
                          type="checkbox"
                          aria-label={t('approvals.select', { name: a.summary })}
                          checked={selected.has(a.id)}
                          onChange={(e) => {
                            const s = new Set(selected);
                            if (e.target.checked) s.add(a.id);
                            else s.delete(a.id);
                            setSelected(s);
                          }}
                        />
                      )}
                      <div>
                        <h2 id={`ap-${a.id}`} style={{ fontSize: 17 }}>{a.summary}</h2>
                        <div className="muted small">
                          {t('approvals.byRule', { rule: a.rule.name ?? a.rule.id })} · {t('approvals.requestedBy', { who: actorName(a.requested_by as Diff['actor'], t) })} · {fmtDateTime(a.created_at, i18n.language)}
                        </div>
                        <HeldFacts a={a} />
                      </div>
                    </div>
                    {a.status === 'pending' ? (
                      can('write') && (
                        <div className="row">
                          <button type="button" className="btn-primary" onClick={() => setDecision({ kind: 'approve', items: [a] })}>{t('approvals.approve')}</button>
                          <button type="button" className="btn-danger" onClick={() => setDecision({ kind: 'reject', items: [a] })}>{t('approvals.reject')}</button>
                        </div>
                      )
                    ) : (
                      <span className={`chip ${a.status === 'rejected' ? 'status-blocked' : 'status-done'}`}>{t(`approvals.status.${a.status}`)}</span>
                    )}
                  </div>
                  <DiffViewer diff={asDiff(a)} />
                  {a.status !== 'pending' && (
                    <div className="small">
                      {t('approvals.decidedBy', { who: actorName({ type: 'user', id: a.decided_by ?? '' } as Diff['actor'], t), when: fmtDateTime(a.decided_at, i18n.language) })}
                      {a.decision_why && <div className="why">“{a.decision_why}”</div>}
                    </div>
                  )}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      {decision && decision.kind === 'approve' && (
        <WhyDialog
          title={decision.items.length === 1 ? t('approvals.approveTitle', { name: decision.items[0]!.summary }) : t('approvals.approveManyTitle', { n: decision.items.length })}
          description={t('approvals.approveBody')}
          confirmLabel={t('approvals.approve')}
          onCancel={() => setDecision(null)}
          onConfirm={decide}
        />
      )}
      {decision && decision.kind === 'reject' && <RejectDialog name={decision.items[0]!.summary} onCancel={() => setDecision(null)} onConfirm={decide} />}
      {stepUp.dialog}
    </div>
  );
}

function RejectDialog({ name, onCancel, onConfirm }: { name: string; onCancel: () => void; onConfirm: (reason: string) => Promise<void> }) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [tried, setTried] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const missing = !reason.trim();
  return (
    <Dialog title={t('approvals.rejectTitle', { name })} description={t('approvals.rejectBody')} onClose={onCancel}>
      <form
        className="form"
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          setTried(true);
          if (missing) return;
          setBusy(true);
          setError(null);
          try {
            await onConfirm(reason.trim());
          } catch (err) {
            setError(err);
            setBusy(false);
          }
        }}
      >
        <div className="field">
          <label htmlFor="reject-reason">{t('approvals.reason')}</label>
          <textarea id="reject-reason" value={reason} onChange={(e) => setReason(e.target.value)} autoFocus maxLength={5000} aria-invalid={tried && missing} aria-describedby="reject-hint" />
          <span id="reject-hint" className={tried && missing ? 'alert' : 'hint'} role={tried && missing ? 'alert' : undefined}>{tried && missing ? t('approvals.reasonRequired') : t('approvals.reasonHint')}</span>
        </div>
        <ErrorText error={error} />
        <div className="dialog-actions">
          <button type="button" onClick={onCancel}>{t('common.cancel')}</button>
          <button type="submit" className="btn-danger" disabled={busy}>{t('approvals.reject')}</button>
        </div>
      </form>
    </Dialog>
  );
}
