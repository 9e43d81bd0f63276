// One inbox item in detail. A proposal: its agent, why, the Reviewer's reviews (praise or
// refute, with reasons) and its input as editable JSON (edit before approving: the correction
// is learned); approve needs a why, reject a reason. A held change shows its diff; the other
// kinds link to where they live. Decisions go through POST /v1/inbox/decide, a proposal with an
// edited input through POST /v1/proposals/:id/decide.
import { useImperativeHandle, useRef, useState, type Ref } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import type { Diff } from '../../../../../sdk/src/index.js';
import type { Approval } from '../../../../../sdk/src/rules.js';
import { AtriumError } from '../../../api';
import { inbox, type InboxItem, type Proposal } from '../../agents/api';
import { fmtDateTime } from '../../../lib/format';
import { useQuery } from '../../../lib/query';
import { ErrorText, Loading, useToast } from '../../../ui/feedback';
import type { useStepUp } from '../../../ui/StepUp';
import { WhyDialog } from '../../../ui/WhyDialog';
import { DiffViewer } from '../../ledger/DiffDetail';
import type { FlowApproval } from './FlowApprovals';
import { HeldFacts } from './HeldFacts';

export type DetailHandle = { approve: () => void; reject: () => void; edit: () => void };
type Props = { item: InboxItem; stepUp: ReturnType<typeof useStepUp>; onDone: () => Promise<void>; ref?: Ref<DetailHandle> };

const asDiff = (a: Approval): Diff =>
  ({ id: a.id, event: a.change.event, namespace: a.change.namespace, entity_type: a.change.entity_type, entity_id: a.change.entity_id, before: a.change.before, after: a.change.after }) as unknown as Diff;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function InboxDetail({ item, stepUp, onDone, ref }: Props) {
  const { t } = useTranslation();
  const toast = useToast();
  const [deciding, setDeciding] = useState<'approve' | 'reject' | null>(null);
  const [text, setText] = useState<string | null>(null);
  const [stale, setStale] = useState<string | null>(null);
  const editor = useRef<HTMLTextAreaElement>(null);
  const proposal = useQuery<Proposal | null>(() => (item.kind === 'proposal' ? inbox.proposal(item.id) : Promise.resolve(null)), [item.kind, item.id]);
  const p = proposal.data;
  const original = p ? (p.edited_input ?? p.input) : null;
  const shown = text ?? (original ? JSON.stringify(original, null, 2) : '');
  let parsed: Record<string, unknown> | null = null;
  try { const v: unknown = JSON.parse(shown); if (v && typeof v === 'object' && !Array.isArray(v)) parsed = v as Record<string, unknown>; } catch { /* shown below */ }
  const edited = !!p && text !== null && parsed !== null && !same(parsed, original);
  const badJson = !!p && text !== null && parsed === null;

  useImperativeHandle(ref, () => ({
    approve: () => !badJson && setDeciding('approve'),
    reject: () => setDeciding('reject'),
    edit: () => editor.current?.focus(),
  }), [badJson]);

  const decide = async (why: string) => {
    const decision = deciding!;
    setStale(null);
    try {
      if (item.kind === 'proposal' && edited && decision === 'approve') {
        await stepUp.run(() => inbox.decideProposal(item.id, { decision, why, input: parsed! }));
      } else {
        const [r] = await stepUp.run(() => inbox.decide([{ kind: item.kind, id: item.id }], decision, why));
        if (r && !r.ok) throw new AtriumError(409, r.error?.code ?? 'UNKNOWN', r.error?.message ?? '', [], undefined);
      }
    } catch (err) {
      if (err instanceof AtriumError && err.code === 'PROPOSAL_STALE') {
        const cur = (err.details?.[0] as { current?: unknown } | undefined)?.current;
        setStale(JSON.stringify(cur ?? null));
      }
      throw err;
    }
    toast(t(decision === 'approve' ? 'inbox.approved' : 'inbox.rejected'));
    setDeciding(null);
    await onDone();
  };

  const d = item.detail as Record<string, unknown> | null;
  return (
    <article className="glass panel stack" aria-labelledby="inbox-detail-h" data-testid="inbox-detail">
      <div>
        <span className="chip">{t(`inbox.kinds.${item.kind}`)}</span>
        <h2 id="inbox-detail-h" style={{ fontSize: 17, margin: '6px 0 0', overflowWrap: 'anywhere' }}>{item.title}</h2>
        {item.agent && <div className="muted small">{t('inbox.by', { agent: item.agent.name })} · <Link href={`/agents/${encodeURIComponent(item.agent.id)}`}>{t('inbox.openLink')}</Link></div>}
        <p style={{ margin: '6px 0 0', overflowWrap: 'anywhere' }}>{item.summary}</p>
      </div>
      {item.kind === 'proposal' && (!p ? (proposal.error ? <ErrorText error={proposal.error} /> : <Loading />) : (
        <>
          <section aria-labelledby="inbox-reviews-h" className="stack" style={{ gap: 4 }}>
            <h3 id="inbox-reviews-h" style={{ fontSize: 15, margin: 0 }}>{t('inbox.reviews')}</h3>
            {p.reviews.length === 0 ? <p className="muted small">{t('inbox.noReviews')}</p> : (
              <ul className="small" style={{ margin: 0 }} data-testid="inbox-reviews">
                {p.reviews.map((r, i) => (
                  <li key={i}><span className={`chip ${r.verdict === 'praise' ? 'status-done' : 'status-blocked'}`}>{t(`inbox.${r.verdict}`)}</span> {r.reasons.join(' · ')}</li>
                ))}
              </ul>
            )}
          </section>
          <div className="field">
            <label htmlFor="inbox-input">{t('inbox.input')} <span className="mono small">{p.command}</span></label>
            <textarea id="inbox-input" ref={editor} className="inbox-json" spellCheck={false} value={shown} onChange={(e) => setText(e.target.value)} aria-invalid={badJson} aria-describedby="inbox-input-hint" />
            <span id="inbox-input-hint" className={badJson ? 'alert' : 'hint'}>{badJson ? t('inbox.inputInvalid') : edited ? t('inbox.edited') : ''}</span>
            {text !== null && <div><button type="button" onClick={() => setText(null)}>{t('inbox.reset')}</button></div>}
          </div>
        </>
      ))}
      {item.kind === 'rule_approval' && d && (
        <>
          <HeldFacts a={d as unknown as Approval} />
          <DiffViewer diff={asDiff(d as unknown as Approval)} />
        </>
      )}
      {item.kind === 'memory' && d && (
        <dl className="agent-facts small"><dt>{t('inbox.known')}</dt><dd>{String(d['known'] ?? '—')}</dd><dt>{t('inbox.newValue')}</dt><dd>{String(d['new'] ?? '')}</dd></dl>
      )}
      {item.kind === 'flow_step' && d && <FlowStep a={d as unknown as FlowApproval} />}
      {item.kind === 'budget' && <Link href={item.link}>{t('inbox.openLink')}</Link>}
      {stale && <p className="alert" role="alert">{t('inbox.stale', { current: stale })}</p>}
      <div className="row">
        <button type="button" className="btn-primary" disabled={badJson} onClick={() => setDeciding('approve')}>{t('inbox.approve')}</button>
        <button type="button" className="btn-danger" onClick={() => setDeciding('reject')}>{t('inbox.reject')}</button>
      </div>
      {deciding && (
        <WhyDialog
          title={t(deciding === 'approve' ? 'approvals.approveTitle' : 'approvals.rejectTitle', { name: item.title })}
          description={deciding === 'reject' ? t('inbox.rejectReason') : edited ? t('inbox.edited') : t('inbox.whyHint')}
          confirmLabel={t(deciding === 'approve' ? 'inbox.approve' : 'inbox.reject')}
          onCancel={() => setDeciding(null)}
          onConfirm={decide}
        />
      )}
    </article>
  );
}

function FlowStep({ a }: { a: FlowApproval }) {
  const { t, i18n } = useTranslation();
  const approvals = (a.decisions ?? []).filter((x) => x.decision === 'approve' || x.decision === 'approved').length;
  return (
    <div className="muted small">
      {t('approvals.flow.flow', { name: a.flow_name })}
      {' · '}<span data-testid="flow-approval-count">{t('approvals.flow.count', { approvals, required: a.required })}</span>
      {a.until && <> · {t('approvals.flow.until', { when: fmtDateTime(a.until, i18n.language) })}</>}
      {' · '}<Link href={`/runs/${encodeURIComponent(a.run_id)}`}>{t('approvals.flow.openRun')}</Link>
    </div>
  );
}
