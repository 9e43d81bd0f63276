// Validation problems of a definition (from /v1/flows/validate or a 400 INVALID_FLOW): each path and message.
import { useTranslation } from 'react-i18next';
import { AtriumError } from '../../api';
import type { Problem } from './api';

/** The problems an API error names (INVALID_FLOW, VALIDATION_FAILED), paths without `body.`. */
export function problemsOf(err: unknown): Problem[] {
  if (!(err instanceof AtriumError)) return [];
  return err.details.map((d) => ({ path: (d.path ?? '').replace(/^body\.(definition\.)?/, ''), message: d.message ?? '' }));
}

export function ProblemList({ problems }: { problems: readonly Problem[] }) {
  const { t } = useTranslation();
  if (problems.length === 0) return null;
  return (
    <div className="alert" role="alert" data-testid="flow-problems">
      <strong>{t('flow.problems', { n: problems.length })}</strong>
      <ul style={{ margin: '6px 0 0', paddingLeft: 18 }}>
        {problems.map((p, i) => (
          <li key={i}><code>{p.path || '—'}</code>: {p.message}</li>
        ))}
      </ul>
    </div>
  );
}
