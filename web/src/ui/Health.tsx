// Health shown by colour, shape and word together (readable without colour vision).
import { useTranslation } from 'react-i18next';
import type { Health as H } from '../../../sdk/src/index.js';

const ICON: Record<H, string> = { green: '✓', yellow: '!', red: '✕' };

export function HealthIcon({ health }: { health: H }) {
  return <span className="health-icon" aria-hidden="true">{ICON[health]}</span>;
}

export function HealthBadge({ health, compact = false }: { health: H; compact?: boolean }) {
  const { t } = useTranslation();
  return (
    <span className={`health health-${health}`} title={t(`health.${health}`)}>
      <HealthIcon health={health} />
      {compact ? <span className="sr-only">{t(`health.${health}`)}</span> : t(`health.${health}`)}
    </span>
  );
}
