/** Fixtures for the monitoring tests (not shipped: only *.test.ts files import this). */
import { PREDICTION_COLUMN, type ReferenceProfile } from '../../../shared/monitoring.js';
import { DatasetStore } from '../data/dataset-store.js';
import { generateTabular, type TabularOptions } from '../data/synthetic.js';
import { ModelRegistry } from '../registry/model-registry.js';
import type { SqliteDatabase } from '../store/database.js';
import { openTempStore, type TempStore } from '../store/test-store.js';
import { profileColumn, type MonitoredValue } from './drift.js';

export type Churn = Record<string, MonitoredValue>;

/** Churn rows (features and `churned`) as records, as the prediction log keeps inputs. */
export function churnRecords(options: TabularOptions): Churn[] {
  const data = generateTabular(options);
  return data.rows.map((row) => Object.fromEntries(data.columns.map((c, i) => [c, row[i] ?? null])));
}

export const CHURN_FEATURES = ['tenure_months', 'monthly_charges', 'support_calls', 'plan', 'paperless_billing', 'age', 'region', 'data_usage_gb'];

/** A crude stand-in for a model's answer (a rule on two features), so outputs move with the inputs. */
export const churnLabel = (row: Churn): 'yes' | 'no' => ((row.monthly_charges as number) > 80 || (row.support_calls as number) >= 4 ? 'yes' : 'no');

export function churnProfile(rows: readonly Churn[]): ReferenceProfile {
  return {
    rows: rows.length,
    columns: CHURN_FEATURES.map((f) => profileColumn(f, rows.map((r) => r[f] ?? null))),
    prediction: profileColumn(PREDICTION_COLUMN, rows.map(churnLabel)),
  };
}

export interface MonitoringFixture extends TempStore {
  registry: ModelRegistry;
  datasets: DatasetStore;
  db: SqliteDatabase;
}

export function openMonitoringStore(prefix: string): MonitoringFixture {
  const temp = openTempStore(prefix);
  return { ...temp, registry: new ModelRegistry(temp.store.db), datasets: new DatasetStore(temp.store.db, temp.store.dataDir), db: temp.store.db };
}

/** A registered version with no run behind it (and so no lineage reference). */
export function registerBareVersion(registry: ModelRegistry, name: string): number {
  try {
    registry.getModel(name);
  } catch {
    registry.createModel(name);
  }
  const version = registry.createVersion(name, { source: `/models/${name}` });
  return registry.versionRow(name, version.version).version_pk;
}

/** Stores a ready reference profile for a version, as a finished profiling would. */
export function storeReadyReference(db: SqliteDatabase, versionPk: number, profile: ReferenceProfile, sha256 = 'a'.repeat(64), ref = 'churn@1'): void {
  const now = Date.now();
  db.prepare(
    `INSERT OR REPLACE INTO monitoring_references (version_pk, dataset_version_id, dataset_ref, dataset_sha256, source, status, error, profile_json, created_time, updated_time)
     VALUES (?, NULL, ?, ?, 'manual', 'ready', NULL, ?, ?, ?)`,
  ).run(versionPk, ref, sha256, JSON.stringify(profile), now, now);
}

let requestCounter = 0;

/** Writes prediction-log rows as the log's writer would; `time(i)` gives row i's time (ms). */
export function logChurnPredictions(db: SqliteDatabase, model: string, version: number, rows: readonly Churn[], time: (i: number) => number, actual?: (i: number) => string | null): void {
  const insert = db.prepare(
    `INSERT INTO predictions (request_id, model_name, model_version, run_id, inputs_json, output_json, predicted_label, latency_us, endpoint, created_time)
     VALUES (?, ?, ?, NULL, ?, ?, ?, 100, 'invocations', ?)`,
  );
  const feedback = db.prepare('INSERT INTO prediction_feedback (prediction_pk, actual_label, created_time) VALUES (?, ?, ?)');
  db.transaction(() => {
    rows.forEach((row, i) => {
      const label = churnLabel(row);
      const yes = label === 'yes' ? 0.8 : 0.2;
      const inputs = Object.fromEntries(CHURN_FEATURES.map((f) => [f, row[f] ?? null]));
      const info = insert.run(`req-${++requestCounter}`, model, version, JSON.stringify(inputs), JSON.stringify({ label, probabilities: { no: 1 - yes, yes } }), label, time(i));
      const truth = actual?.(i);
      if (truth) feedback.run(info.lastInsertRowid, truth, time(i) + 1000);
    });
  })();
}
