// A feed of diffs: who did what to which entity, when, and why.
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import type { Diff } from '../../../sdk/src/index.js';
import { useActorName } from '../app/session';
import { entityName, fieldChanges, firstWhy, showValue } from '../lib/diffs';
import { fmtRelative } from '../lib/format';

export function DiffLine({ diff, names }: { diff: Diff; names: Map<string, string> }) {
  const { t, i18n } = useTranslation();
  const actorName = useActorName();
  const changed = fieldChanges(diff.before, diff.after).filter((c) => c.changed && c.key !== 'version' && c.key !== 'updated_at');
  const status = diff.event.endsWith('.updated') ? changed.find((c) => c.key === 'status') : undefined;
  const why = firstWhy(diff);
  return (
    <div className="feed-item">
      <div>
        <strong>{actorName(diff.actor, t)}</strong>{' '}
        <span>{t(`events.${diff.event}`, { defaultValue: diff.event })}</span>{' '}
        {/* "Joël joined", not "Joël joined Joël": a person acting on their own account is named once. */}
        {!(diff.event === 'user.created' && diff.actor.type === 'user' && diff.actor.id === diff.entity_id) && <Link href={`/audit?diff=${diff.id}`}>{entityName(diff, names)}</Link>}
        {status && (
          <span className="muted"> · {t(`status.${showValue(status.before)}`, { defaultValue: showValue(status.before) })} → {t(`status.${showValue(status.after)}`, { defaultValue: showValue(status.after) })}</span>
        )}
        {!status && changed.length > 0 && diff.event.endsWith('.updated') && (
          <span className="muted"> · {changed.slice(0, 3).map((c) => t(`fields.${c.key}`, { defaultValue: c.key })).join(', ')}</span>
        )}
      </div>
      <div className="muted small">
        <time dateTime={diff.created_at}>{fmtRelative(diff.created_at, i18n.language)}</time>
      </div>
      {why && <div className="why">“{why}”</div>}
    </div>
  );
}

export function DiffFeed({ diffs, names, fresh }: { diffs: Diff[]; names: Map<string, string>; fresh?: Set<string> }) {
  const { t } = useTranslation();
  if (diffs.length === 0) return <p className="empty">{t('pulse.noActivity')}</p>;
  return (
    <ol className="list" aria-live="polite" aria-relevant="additions">
      {diffs.map((d) => (
        <li key={d.id} className={fresh?.has(d.id) ? 'fresh' : undefined}>
          <DiffLine diff={d} names={names} />
        </li>
      ))}
    </ol>
  );
}
