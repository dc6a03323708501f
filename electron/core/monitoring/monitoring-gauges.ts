/**
 * What the model server's /metrics says about monitoring: the firing alerts per rule and each
 * version's latest window (feature drift, dataset drift share, quality and estimates). Read from
 * the database at scrape time with a few indexed queries: one latest window per version.
 */
import type { SqliteDatabase } from '../store/database.js';
import { listRules } from './alerts-store.js';

export interface MonitoringGauges {
  rules: { rule: string; description: string; firing: number }[];
  featureDrift: { version: string; feature: string; method: string; statistic: number; drifted: number | null }[];
  datasetDriftShare: { version: string; share: number }[];
  quality: { version: string; metric: string; method: string; value: number }[];
}

const EMPTY: MonitoringGauges = { rules: [], featureDrift: [], datasetDriftShare: [], quality: [] };

interface LatestMetric {
  version: number;
  kind: string;
  column_name: string;
  method: string;
  statistic: number | null;
  drifted: number | null;
}

export function readMonitoringGauges(db: SqliteDatabase, model: string): MonitoringGauges {
  const row = db.prepare('SELECT model_id FROM registered_models WHERE name = ?').get(model) as { model_id: number } | undefined;
  if (!row) return EMPTY;
  const firing = new Map(
    (
      db
        .prepare("SELECT a.rule_pk, COUNT(*) AS n FROM alerts a JOIN alert_rules r ON r.rule_pk = a.rule_pk WHERE r.model_id = ? AND a.state = 'firing' GROUP BY a.rule_pk")
        .all(row.model_id) as { rule_pk: number; n: number }[]
    ).map((r) => [String(r.rule_pk), r.n]),
  );
  const rules = listRules(db, model).map((r) => ({ rule: r.id, description: r.description, firing: firing.get(r.id) ?? 0 }));
  const metrics = db
    .prepare(
      `SELECT v.version, m.kind, m.column_name, m.method, m.statistic, m.drifted
       FROM model_versions v
       JOIN monitoring_metrics m ON m.window_pk = (SELECT window_pk FROM monitoring_windows w WHERE w.version_pk = v.version_pk ORDER BY w.from_time DESC, w.window_pk DESC LIMIT 1)
       WHERE v.model_id = ? AND m.kind IN ('feature_drift', 'prediction_drift', 'dataset_drift', 'quality', 'estimated_quality') AND m.statistic IS NOT NULL`,
    )
    .all(row.model_id) as LatestMetric[];
  const out: MonitoringGauges = { rules, featureDrift: [], datasetDriftShare: [], quality: [] };
  for (const m of metrics) {
    const version = String(m.version);
    const statistic = m.statistic!;
    if (m.kind === 'feature_drift' || m.kind === 'prediction_drift') out.featureDrift.push({ version, feature: m.column_name, method: m.method, statistic, drifted: m.drifted });
    else if (m.kind === 'dataset_drift') out.datasetDriftShare.push({ version, share: statistic });
    else out.quality.push({ version, metric: m.column_name, method: m.method, value: statistic });
  }
  return out;
}
