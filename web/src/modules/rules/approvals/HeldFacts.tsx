// What an approver decides on, for a rule-held change (issue 16, defect 4): the requester's why,
// the entity by its name (not its id), and — only while it waits — who may decide.
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { Diff } from '../../../../../sdk/src/index.js';
import type { Approval } from '../../../../../sdk/src/rules.js';
import { useNames } from '../../../lib/names';

export function HeldFacts({ a }: { a: Approval }) {
  const { t } = useTranslation();
  // The held change as a diff of its entity at the time it was asked: its name is replayed from the ledger.
  const asked = useMemo(() => [{ entity_type: a.change.entity_type, entity_id: a.change.entity_id, created_at: a.created_at, before: a.change.before, after: a.change.after } as unknown as Diff], [a]);
  const name = useNames(asked, useMemo(() => new Map(), [])).get(a.change.entity_id);
  return (
    <>
      <div className="muted small" data-testid="held-entity">
        {t(`events.${a.change.event}`, { defaultValue: a.change.event })}
        {name && <> · <strong>{name}</strong></>}
        {a.status === 'pending' && <> · {t(a.rule.approvers === 'role:member' ? 'approvals.approversMember' : 'approvals.approversAdmin')}</>}
        {a.status === 'pending' && a.rule.not_by_requester && <> · {t('approvals.notByRequester')}</>}
      </div>
      {a.requested_why && (
        <div className="why" data-testid="requested-why">
          <span className="sr-only">{t('approvals.requestedWhy')}: </span>
          {a.requested_why}
        </div>
      )}
    </>
  );
}
