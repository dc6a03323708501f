import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PREDICTION_COLUMN } from '../../../shared/monitoring.js';
import { openDatabase } from '../store/database.js';
import { writeMonitorSettings } from './monitor-settings.js';
import { monitorPass } from './monitor-pass.js';
import { churnProfile, churnRecords, logChurnPredictions, openMonitoringStore, registerBareVersion, storeReadyReference, type Churn, type MonitoringFixture } from './test-monitoring.js';
import { computeClosedWindows, currentSeries, DATASET_COLUMN } from './window-engine.js';

const HOUR = 3_600_000;
let fx: MonitoringFixture;
let versionPk: number;
const reference = churnRecords({ rows: 4000, seed: 1 });

beforeEach(() => {
  fx = openMonitoringStore('windows');
  versionPk = registerBareVersion(fx.registry, 'churn');
  storeReadyReference(fx.db, versionPk, churnProfile(reference));
});
afterEach(() => fx.dispose());

const windows = () =>
  fx.db.prepare('SELECT window_pk, spec, from_time, to_time, first_prediction_pk, last_prediction_pk, rows, labelled_rows, settings_sha256 FROM monitoring_windows ORDER BY window_pk').all() as Array<{
    window_pk: number;
    spec: string;
    from_time: number;
    to_time: number;
    first_prediction_pk: number;
    last_prediction_pk: number;
    rows: number;
    labelled_rows: number;
    settings_sha256: string;
  }>;

const metric = (windowPk: number, kind: string, column: string) =>
  fx.db.prepare('SELECT method, statistic, p_value, threshold, drifted, detail_json FROM monitoring_metrics WHERE window_pk = ? AND kind = ? AND column_name = ?').get(windowPk, kind, column) as
    | { method: string; statistic: number | null; p_value: number | null; threshold: number | null; drifted: number | null; detail_json: string | null }
    | undefined;

describe('window engine', () => {
  it('stores closed count windows only, then only the new ones on the next pass, with their lineage', async () => {
    writeMonitorSettings(fx.db, 'churn', { window: { by: 'count', size: 500 }, minWindowRows: 30, datasetShare: 0.5, overrides: {} });
    const t0 = Date.now() - 10 * HOUR;
    logChurnPredictions(fx.db, 'churn', 1, churnRecords({ rows: 1200, seed: 2 }), (i) => t0 + i * 1000, (i) => (i % 2 ? 'yes' : null));

    const first = await computeClosedWindows(fx.db, versionPk);
    expect(first).toMatchObject({ stored: 2, rows: 1000, skipped: null });
    const stored = windows();
    expect(stored.map((w) => [w.first_prediction_pk, w.last_prediction_pk, w.rows, w.labelled_rows])).toEqual([
      [1, 500, 500, 250],
      [501, 1000, 500, 250],
    ]);
    expect(stored[0]).toMatchObject({ spec: 'count:500', from_time: t0, to_time: t0 + 499_000 });
    const lineage = fx.db.prepare('SELECT version_pk, reference_sha256 FROM monitoring_windows WHERE window_pk = ?').get(stored[0]!.window_pk);
    expect(lineage).toEqual({ version_pk: versionPk, reference_sha256: 'a'.repeat(64) });

    // Every feature, the prediction, null rates, dataset drift and quality rows are there.
    const kinds = fx.db.prepare('SELECT kind, COUNT(*) AS n FROM monitoring_metrics WHERE window_pk = ? GROUP BY kind ORDER BY kind').all(stored[0]!.window_pk);
    expect(kinds).toEqual(expect.arrayContaining([{ kind: 'feature_drift', n: 8 }, { kind: 'prediction_drift', n: 1 }, { kind: 'null_rate', n: 8 }, { kind: 'dataset_drift', n: 1 }]));
    expect(metric(stored[0]!.window_pk, 'prediction_drift', PREDICTION_COLUMN)).toBeDefined();
    const tenure = metric(stored[0]!.window_pk, 'feature_drift', 'tenure_months')!;
    expect(JSON.parse(tenure.detail_json!)).toHaveProperty('distributions');

    // Nothing new: nothing stored. 400 more rows close the third window (rows 1001-1500).
    expect((await computeClosedWindows(fx.db, versionPk)).stored).toBe(0);
    logChurnPredictions(fx.db, 'churn', 1, churnRecords({ rows: 400, seed: 3 }), (i) => t0 + (1200 + i) * 1000);
    const third = await computeClosedWindows(fx.db, versionPk);
    expect(third).toMatchObject({ stored: 1, rows: 500 });
    expect(windows().map((w) => [w.first_prediction_pk, w.last_prediction_pk])).toEqual([
      [1, 500],
      [501, 1000],
      [1001, 1500],
    ]);
  });

  it('is idempotent across processes: two passes at once store each window once', async () => {
    writeMonitorSettings(fx.db, 'churn', { window: { by: 'count', size: 50 }, minWindowRows: 30, datasetShare: 0.5, overrides: {} });
    logChurnPredictions(fx.db, 'churn', 1, churnRecords({ rows: 3000, seed: 4 }), (i) => Date.now() - 1e6 + i);
    const other = openDatabase(fx.store.db.name);
    try {
      // 60 windows, stored 25 per transaction: the second pass starts while the first is between
      // batches, so both compute some of the same windows; each is stored once.
      const [a, b] = await Promise.all([computeClosedWindows(fx.db, versionPk), computeClosedWindows(other, versionPk)]);
      expect(a.rows + b.rows).toBeGreaterThan(3000);
      expect(a.stored + b.stored).toBe(60);
    } finally {
      other.close();
    }
    const stored = windows();
    expect(stored).toHaveLength(60);
    expect(stored.map((w) => w.first_prediction_pk)).toEqual(Array.from({ length: 60 }, (_, i) => 1 + i * 50));
    expect(fx.db.prepare('SELECT COUNT(*) AS n FROM monitoring_metrics WHERE kind = ?').get('dataset_drift')).toEqual({ n: 60 });
  });

  it('cuts hourly windows on UTC hour bounds and leaves the current hour open', async () => {
    writeMonitorSettings(fx.db, 'churn', { window: { by: 'hour' }, minWindowRows: 30, datasetShare: 0.5, overrides: {} });
    const now = Date.now();
    const hourStart = Math.floor(now / HOUR) * HOUR;
    const rows = churnRecords({ rows: 400, seed: 5 });
    // 100 rows in each of the three past hours, 100 in the current one.
    logChurnPredictions(fx.db, 'churn', 1, rows, (i) => hourStart - 3 * HOUR + Math.floor(i / 100) * HOUR + (i % 100) * 1000);
    const pass = await computeClosedWindows(fx.db, versionPk, now + 120_000);
    expect(pass.stored).toBe(3);
    expect(windows().map((w) => [w.spec, w.from_time, w.to_time, w.rows])).toEqual([
      ['hour', hourStart - 3 * HOUR, hourStart - 2 * HOUR, 100],
      ['hour', hourStart - 2 * HOUR, hourStart - HOUR, 100],
      ['hour', hourStart - HOUR, hourStart, 100],
    ]);
    // The current hour closes once it is over; a late row of a stored hour is not counted twice.
    logChurnPredictions(fx.db, 'churn', 1, churnRecords({ rows: 1, seed: 6 }), () => hourStart - 30 * 60_000);
    const later = await computeClosedWindows(fx.db, versionPk, hourStart + HOUR + 120_000);
    expect(later.stored).toBe(1);
    expect(windows().at(-1)).toMatchObject({ from_time: hourStart, to_time: hourStart + HOUR, rows: 100 });
  });

  it('starts a new series when the settings change, keeping the old windows', async () => {
    logChurnPredictions(fx.db, 'churn', 1, churnRecords({ rows: 1000, seed: 7 }), (i) => Date.now() - 1e6 + i);
    writeMonitorSettings(fx.db, 'churn', { window: { by: 'count', size: 500 }, minWindowRows: 30, datasetShare: 0.5, overrides: {} });
    expect((await computeClosedWindows(fx.db, versionPk)).stored).toBe(2);
    writeMonitorSettings(fx.db, 'churn', { window: { by: 'count', size: 500 }, minWindowRows: 30, datasetShare: 0.5, overrides: { tenure_months: { method: 'psi', threshold: 0.2 } } });
    expect((await computeClosedWindows(fx.db, versionPk)).stored).toBe(2);
    const all = windows();
    expect(all).toHaveLength(4);
    expect(new Set(all.map((w) => w.settings_sha256)).size).toBe(2);
    // Readers show the current series: the one the newest settings name.
    expect(currentSeries(fx.db, versionPk)).toMatchObject({ spec: 'count:500', settingsSha256: all[3]!.settings_sha256, referenceSha256: 'a'.repeat(64) });
    expect(currentSeries(fx.db, registerBareVersion(fx.registry, 'churn'))).toBeNull();
    expect(metric(all[3]!.window_pk, 'feature_drift', 'tenure_months')).toMatchObject({ method: 'psi', threshold: 0.2 });
  });

  it('flags the shifted features and not the others, and dataset drift when most features shift', async () => {
    writeMonitorSettings(fx.db, 'churn', { window: { by: 'count', size: 2000 }, minWindowRows: 30, datasetShare: 0.5, overrides: {} });
    // Same distribution as the reference, then the same rows with two features shifted.
    const calm = churnRecords({ rows: 2000, seed: 8 });
    const shifted: Churn[] = calm.map((row) => ({ ...row, monthly_charges: (row.monthly_charges as number) + 30, plan: 'premium' }));
    logChurnPredictions(fx.db, 'churn', 1, [...calm, ...shifted], (i) => Date.now() - 1e6 + i);
    expect((await computeClosedWindows(fx.db, versionPk)).stored).toBe(2);
    const [calmWindow, shiftedWindow] = windows();
    const drifted = (windowPk: number) =>
      (fx.db.prepare("SELECT column_name FROM monitoring_metrics WHERE window_pk = ? AND kind = 'feature_drift' AND drifted = 1 ORDER BY column_name").all(windowPk) as Array<{ column_name: string }>).map(
        (r) => r.column_name,
      );
    expect(drifted(calmWindow!.window_pk)).toEqual([]);
    expect(drifted(shiftedWindow!.window_pk)).toEqual(['monthly_charges', 'plan']);
    expect(metric(calmWindow!.window_pk, 'dataset_drift', DATASET_COLUMN)!.drifted).toBe(0);
    expect(metric(shiftedWindow!.window_pk, 'dataset_drift', DATASET_COLUMN)).toMatchObject({ drifted: 0, statistic: 0.25 });
    // The rule's answers moved with monthly_charges: prediction drift.
    expect(metric(shiftedWindow!.window_pk, 'prediction_drift', PREDICTION_COLUMN)!.drifted).toBe(1);
  });

  it('gives no verdict on a window smaller than the minimum, and the pass skips versions without a reference', async () => {
    writeMonitorSettings(fx.db, 'churn', { window: { by: 'count', size: 10 }, minWindowRows: 30, datasetShare: 0.5, overrides: {} });
    logChurnPredictions(fx.db, 'churn', 1, churnRecords({ rows: 10, seed: 9 }).map((r) => ({ ...r, monthly_charges: 500 })), (i) => Date.now() - 1e5 + i);
    const bare = registerBareVersion(fx.registry, 'churn');
    logChurnPredictions(fx.db, 'churn', 2, churnRecords({ rows: 10, seed: 9 }), (i) => Date.now() - 1e5 + i);
    const pass = await monitorPass(fx);
    expect(pass.versions.map((v) => [v.versionPk, v.stored])).toEqual([[versionPk, 1]]);
    expect(await computeClosedWindows(fx.db, bare)).toMatchObject({ stored: 0, skipped: 'no reference dataset' });
    const [only] = windows();
    expect(metric(only!.window_pk, 'feature_drift', 'monthly_charges')).toMatchObject({ drifted: null, statistic: null });
  });
});
