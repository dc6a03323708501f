/** Windows and metric rows written straight into a real database, as the window engine leaves them (tests only). */
import type { MonitoringMetricKind } from '../../../shared/monitoring.js';
import type { SqliteDatabase } from '../store/database.js';
import { ModelRegistry } from '../registry/model-registry.js';

export interface FixtureMetric {
  kind: MonitoringMetricKind;
  column: string;
  method?: string;
  statistic: number | null;
  drifted?: boolean | null;
}

/** Registers `name` (if new) and a version; returns the version's primary key. */
export function registerVersion(db: SqliteDatabase, name: string): number {
  const registry = new ModelRegistry(db);
  if (!db.prepare('SELECT 1 FROM registered_models WHERE name = ?').get(name)) registry.createModel(name);
  const version = registry.createVersion(name, { source: `file:///tmp/${name}` });
  const row = db
    .prepare('SELECT v.version_pk FROM model_versions v JOIN registered_models m ON m.model_id = v.model_id WHERE m.name = ? AND v.version = ?')
    .get(name, Number(version.version)) as { version_pk: number };
  return row.version_pk;
}

let nextFirst = 1;

/** Stores one window of 100 rows with its metrics; returns its id (window_pk as a string). */
export function insertWindow(db: SqliteDatabase, versionPk: number, fromTime: number, metrics: FixtureMetric[]): string {
  const first = nextFirst;
  nextFirst += 100;
  const pk = Number(
    db
      .prepare(
        `INSERT INTO monitoring_windows (version_pk, spec, from_time, to_time, first_prediction_pk, last_prediction_pk, rows, labelled_rows, complete, settings_sha256, computed_time)
         VALUES (?, 'count:100', ?, ?, ?, ?, 100, 100, 1, 'settings', ?)`,
      )
      .run(versionPk, fromTime, fromTime + 1000, first, first + 99, fromTime + 1000).lastInsertRowid,
  );
  const insert = db.prepare('INSERT INTO monitoring_metrics (window_pk, kind, column_name, method, statistic, drifted) VALUES (?, ?, ?, ?, ?, ?)');
  for (const m of metrics) {
    const drifted = m.drifted === undefined || m.drifted === null ? null : m.drifted ? 1 : 0;
    insert.run(pk, m.kind, m.column, m.method ?? (m.kind === 'quality' ? 'realised' : m.kind === 'estimated_quality' ? 'cbpe' : 'ks'), m.statistic, drifted);
  }
  return String(pk);
}
