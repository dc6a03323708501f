/** One window of a version as the page's cell and lineage views read it: its row and its statistics. */
import type { MonitoringWindow } from '../../../shared/app-api/monitoring.js';
import { PREDICTION_COLUMN } from '../../../shared/monitoring.js';
import { notFound } from '../errors.js';
import type { SqliteDatabase } from '../store/database.js';
import type { MetricRow, ReferenceFacts, WindowRow } from './monitoring-queries.js';

export function readWindow(db: SqliteDatabase, versionPk: number, windowId: string): MonitoringWindow {
  const row = db
    .prepare(
      `SELECT w.window_pk, w.spec, w.from_time, w.to_time, w.rows, w.labelled_rows, w.complete, w.reference_sha256,
              CASE WHEN dv.version_id IS NULL THEN NULL ELSE nd.name || '@' || dv.version END AS reference_dataset
       FROM monitoring_windows w
       LEFT JOIN dataset_versions dv ON dv.version_id = w.reference_dataset_version_id
       LEFT JOIN named_datasets nd ON nd.dataset_id = dv.dataset_id
       WHERE w.window_pk = ? AND w.version_pk = ?`,
    )
    .get(Number(windowId), versionPk) as (WindowRow & { spec: string; reference_sha256: string | null; reference_dataset: string | null }) | undefined;
  if (!row) throw notFound(`Window ${windowId} is not a monitoring window of this model version.`);
  return {
    id: String(row.window_pk),
    spec: row.spec,
    from: row.from_time,
    to: row.to_time,
    rows: row.rows,
    labelled: row.labelled_rows,
    complete: row.complete === 1,
    referenceDataset: row.reference_dataset,
    referenceSha256: row.reference_sha256,
  };
}

/** A feature's (or the prediction's) drift row of one window, with its stored detail. */
export function readColumnMetric(db: SqliteDatabase, windowPk: number, column: string): MetricRow | null {
  const kind = column === PREDICTION_COLUMN ? 'prediction_drift' : 'feature_drift';
  return (db.prepare('SELECT * FROM monitoring_metrics WHERE window_pk = ? AND kind = ? AND column_name = ? LIMIT 1').get(windowPk, kind, column) as MetricRow | undefined) ?? null;
}

/** The window's first drifted feature in reference order, else its first feature (what the page shows first). */
export function defaultColumn(db: SqliteDatabase, windowPk: number, facts: ReferenceFacts): string | null {
  const rows = db.prepare("SELECT column_name, drifted FROM monitoring_metrics WHERE window_pk = ? AND kind = 'feature_drift'").all(windowPk) as Array<{ column_name: string; drifted: number | null }>;
  const rank = new Map(facts.order.map((name, i) => [name, i]));
  rows.sort((a, b) => (rank.get(a.column_name) ?? rank.size) - (rank.get(b.column_name) ?? rank.size) || a.column_name.localeCompare(b.column_name));
  return (rows.find((r) => r.drifted === 1) ?? rows[0])?.column_name ?? null;
}

export function nullRateMetric(db: SqliteDatabase, windowPk: number, column: string): MetricRow | null {
  return (db.prepare("SELECT * FROM monitoring_metrics WHERE window_pk = ? AND kind = 'null_rate' AND column_name = ? LIMIT 1").get(windowPk, column) as MetricRow | undefined) ?? null;
}

export function windowMetrics(db: SqliteDatabase, windowPk: number): MetricRow[] {
  return db.prepare('SELECT window_pk, kind, column_name, method, statistic, p_value, threshold, drifted, NULL AS detail_json FROM monitoring_metrics WHERE window_pk = ?').all(windowPk) as MetricRow[];
}
