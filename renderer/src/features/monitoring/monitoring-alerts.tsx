import type { Alert } from '../../../../shared/alerts';
import { formatRelative, formatTime } from '../../components/format';
import { columnLabel } from './monitoring-types';

/** The model's alerts, firing first; each names the windows and features behind it, and clicking one shows it. */
export function MonitoringAlerts({ alerts, onShow }: { alerts: Alert[]; onShow: (window: string | null, feature: string | null, version: string | null) => void }) {
  if (alerts.length === 0) return <p className="muted card-empty">No alerts for this model. Alert rules fire here when a window crosses them.</p>;
  return (
    <ul className="monitoring-alerts" data-testid="monitoring-alerts">
      {alerts.map((alert) => (
        <li key={alert.id} className={`alert-item alert-${alert.state}`} data-testid="monitoring-alert" data-state={alert.state}>
          <span className={`alert-state state-${alert.state}`}>{alert.state}</span>
          <div className="alert-body">
            <div className="alert-message">{alert.message}</div>
            <div className="muted alert-meta">
              {alert.version ? `v${alert.version} · ` : ''}fired <span title={formatTime(alert.firedTime)}>{formatRelative(alert.firedTime)}</span>
              {alert.resolvedTime !== null && (
                <>
                  {' '}
                  · resolved <span title={formatTime(alert.resolvedTime)}>{formatRelative(alert.resolvedTime)}</span>
                </>
              )}
            </div>
            <div className="alert-evidence">
              {alert.evidence.windows.map((w) => (
                <button key={`w${w}`} type="button" className="chip-link" data-testid="alert-window" onClick={() => onShow(w, alert.evidence.features[0] ?? null, alert.version)}>
                  window {w}
                </button>
              ))}
              {alert.evidence.features.map((f) => (
                <button key={`f${f}`} type="button" className="chip-link" data-testid="alert-feature" onClick={() => onShow(alert.evidence.windows.at(-1) ?? null, f, alert.version)}>
                  {columnLabel(f)}
                </button>
              ))}
            </div>
          </div>
        </li>
      ))}
    </ul>
  );
}
