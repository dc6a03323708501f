/**
 * The JSON body a webhook receives for an alert's firing or resolution: the alert, its model and
 * version, the windows (with bounds) and features behind it, and links. Links are paths on the
 * MLDesk server; the delivery loop makes them absolute when it knows its own URL.
 */
import type { Alert, AlertRuleSpec } from '../../../shared/alerts.js';
import type { SqliteDatabase } from '../store/database.js';
import { describeRule } from './alert-rules.js';

export interface WebhookPayload {
  event: 'firing' | 'resolved';
  alert: Alert;
  rule: { id: string; kind: AlertRuleSpec['kind']; description: string; spec: AlertRuleSpec };
  model: { name: string };
  version: { version: string | null };
  evidence: {
    windows: { id: string; from: number; to: number; rows: number; labelledRows: number }[];
    features: string[];
  };
  links: { model: string; alerts: string; windows: string[] };
}

export function webhookPayload(db: SqliteDatabase, alert: Alert, rule: AlertRuleSpec): WebhookPayload {
  const windowRow = db.prepare('SELECT window_pk, from_time, to_time, rows, labelled_rows FROM monitoring_windows WHERE window_pk = ?');
  const windows = alert.evidence.windows.flatMap((id) => {
    const row = windowRow.get(Number(id)) as { window_pk: number; from_time: number; to_time: number; rows: number; labelled_rows: number } | undefined;
    return row ? [{ id, from: row.from_time, to: row.to_time, rows: row.rows, labelledRows: row.labelled_rows }] : [];
  });
  const model = encodeURIComponent(alert.model);
  // The monitoring tab's address (version, window, feature) as the app's page reads it.
  const monitoring = (window: string) => {
    const params = new URLSearchParams();
    if (alert.version !== null) params.set('version', alert.version);
    params.set('tab', 'monitoring');
    params.set('window', window);
    if (alert.evidence.features.length === 1) params.set('feature', alert.evidence.features[0]!);
    return `/#/models/${model}?${params.toString()}`;
  };
  return {
    event: alert.state,
    alert,
    rule: { id: alert.ruleId, kind: rule.kind, description: describeRule(rule), spec: rule },
    model: { name: alert.model },
    version: { version: alert.version },
    evidence: { windows, features: alert.evidence.features },
    links: {
      model: `/#/models/${model}`,
      alerts: `/api/2.0/mldesk/alerts?model=${model}`,
      windows: alert.evidence.windows.map(monitoring),
    },
  };
}
