/**
 * The alerts of a model as the monitoring page lists them, read from the alerts table (migration 15)
 * until the alerts helper's `alerts.list` operation is there to call instead.
 */
import { ALERT_STATES, type Alert } from '../../../shared/alerts.js';
import type { SqliteDatabase } from '../store/database.js';
import { asRecord, parseJson } from './monitoring-queries.js';

/** The model's alerts, firing first, newest first (read from the alerts table of migration 15). */
export function modelAlerts(db: SqliteDatabase, model: string, modelId: number, limit = 100): Alert[] {
  const rows = db
    .prepare(
      `SELECT a.alert_pk, a.rule_pk, mv.version, a.state, a.message, a.value, a.fired_time, a.resolved_time, a.evidence_json
       FROM alerts a JOIN alert_rules r ON r.rule_pk = a.rule_pk LEFT JOIN model_versions mv ON mv.version_pk = a.version_pk
       WHERE r.model_id = ? ORDER BY a.state = 'firing' DESC, a.fired_time DESC LIMIT ?`,
    )
    .all(modelId, limit) as Array<{ alert_pk: number; rule_pk: number; version: number | null; state: string; message: string; value: number | null; fired_time: number; resolved_time: number | null; evidence_json: string }>;
  return rows.map((r) => {
    const evidence = asRecord(parseJson(r.evidence_json));
    const strings = (value: unknown) => (Array.isArray(value) ? value.map(String) : []);
    return {
      id: String(r.alert_pk),
      ruleId: String(r.rule_pk),
      model,
      version: r.version === null ? null : String(r.version),
      state: (ALERT_STATES as readonly string[]).includes(r.state) ? (r.state as Alert['state']) : 'firing',
      message: r.message,
      value: r.value,
      firedTime: r.fired_time,
      resolvedTime: r.resolved_time,
      evidence: { windows: strings(evidence.windows), features: strings(evidence.features) },
    };
  });
}
