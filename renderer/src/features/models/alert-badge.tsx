import type { Alert } from '../../../../shared/alerts';
import { routeHref } from '../../app/router';

/** A model's firing alerts as one badge; the tooltip lists them, the link opens the model's monitoring. */
export function AlertBadge({ model, alerts }: { model: string; alerts: readonly Alert[] }) {
  if (alerts.length === 0) return null;
  const label = alerts.length === 1 ? '1 alert' : `${alerts.length} alerts`;
  return (
    <a
      className="alert-badge"
      href={`${routeHref({ view: 'model', name: model })}?tab=monitoring`}
      title={alerts.map((a) => a.message).join('\n')}
      data-testid="alert-badge"
      data-count={alerts.length}
      aria-label={`${label} firing on ${model}`}
    >
      <span className="alert-dot" aria-hidden="true" />
      {label}
    </a>
  );
}
