/**
 * The window engine (issue 13): a version's predictions cut into windows (monitor settings), each
 * compared with the version's stored reference profile (drift per feature, prediction drift, null
 * rates, dataset drift) and with ground truth (windowQuality), and stored in monitoring_windows +
 * monitoring_metrics. A pass picks up after the last stored window of the current series (version,
 * window spec, settings hash, reference hash), so it only reads new predictions; two passes (two
 * processes) cannot store a window twice (UNIQUE + INSERT OR IGNORE, one transaction per batch).
 */
import { PREDICTION_COLUMN, type ColumnDrift, type DatasetDrift, type MonitorSettings, type MonitoringMetricRow, type ReferenceProfile } from '../../../shared/monitoring.js';
import type { SqliteDatabase } from '../store/database.js';
import { evaluateAlerts } from './alert-evaluation.js';
import { columnDrift, datasetDrift, type ColumnValues } from './drift.js';
import { settingsOfModelId, settingsSha256, specText } from './monitor-settings.js';
import { cutWindows, rowsAfter, type WindowCut, type WindowRows } from './prediction-windows.js';
import { readReference } from './reference-profiles.js';
import { windowQuality } from './window-quality.js';

/** The name dataset drift is stored under in monitoring_metrics.column_name. */
export const DATASET_COLUMN = '__dataset__';
/** Windows stored per transaction: fewer commits. */
const STORE_BATCH = 25;

export interface WindowStatistics {
  drift: DatasetDrift;
  prediction: ColumnDrift | null;
  nullRates: Array<{ column: string; reference: number; current: number }>;
  quality: MonitoringMetricRow[];
  /** Everything above as monitoring_metrics rows. */
  metrics: MonitoringMetricRow[];
}

const nullShare = (values: ColumnValues) => {
  if (values.length === 0) return 0;
  let nulls = 0;
  if (values instanceof Float64Array) {
    for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) nulls++;
  } else {
    for (const value of values) if (value === null) nulls++;
  }
  return nulls / values.length;
};

function driftRow(kind: 'feature_drift' | 'prediction_drift', d: ColumnDrift): MonitoringMetricRow {
  return {
    kind,
    column: d.column,
    method: d.method,
    statistic: d.statistic,
    pValue: d.pValue,
    threshold: d.threshold,
    drifted: d.drifted,
    detail: {
      type: d.type,
      reason: d.reason,
      psi: d.psi,
      effectSize: d.effectSize,
      referenceRows: d.referenceRows,
      currentRows: d.currentRows,
      nullRate: d.nullRate,
      distributions: d.distributions,
    },
  };
}

/** Compares one window's rows with the reference under the model's settings. */
export function windowStatistics(profile: ReferenceProfile, settings: MonitorSettings, rows: WindowRows): WindowStatistics {
  const options = (column: string) => ({ minRows: settings.minWindowRows, ...settings.overrides[column] });
  const values = rows.values;
  const columns = profile.columns.map((reference, j) => columnDrift(reference, values[j]!, options(reference.name)));
  const prediction = profile.prediction ? columnDrift(profile.prediction, rows.predictions, options(PREDICTION_COLUMN)) : null;
  const drift = datasetDrift(columns, settings.datasetShare);
  const nullRates = profile.columns.map((reference, j) => ({
    column: reference.name,
    reference: reference.count + reference.nulls === 0 ? 0 : reference.nulls / (reference.count + reference.nulls),
    current: nullShare(values[j]!),
  }));
  const quality = windowQuality(rows.quality);
  const metrics: MonitoringMetricRow[] = [
    ...columns.map((d) => driftRow('feature_drift', d)),
    ...(prediction ? [driftRow('prediction_drift', prediction)] : []),
    ...nullRates.map(
      (n): MonitoringMetricRow => ({ kind: 'null_rate', column: n.column, method: 'share', statistic: n.current, pValue: null, threshold: null, drifted: null, detail: { reference: n.reference } }),
    ),
    {
      kind: 'dataset_drift',
      column: DATASET_COLUMN,
      method: 'share',
      statistic: drift.shareDrifted,
      pValue: null,
      threshold: settings.datasetShare,
      drifted: drift.datasetDrift,
      detail: { driftedColumns: drift.driftedColumns, columns: drift.columns.length, judged: drift.columns.filter((c) => c.drifted !== null).length },
    },
    ...quality,
  ];
  return { drift, prediction, nullRates, quality, metrics };
}

interface VersionInfo {
  versionPk: number;
  modelId: number;
  name: string;
  version: number;
}

export function versionInfo(db: SqliteDatabase, versionPk: number): VersionInfo | null {
  const row = db
    .prepare('SELECT v.version_pk, v.model_id, m.name, v.version FROM model_versions v JOIN registered_models m ON m.model_id = v.model_id WHERE v.version_pk = ?')
    .get(versionPk) as { version_pk: number; model_id: number; name: string; version: number } | undefined;
  return row ? { versionPk: row.version_pk, modelId: row.model_id, name: row.name, version: row.version } : null;
}

/** What names a series of windows: a new reference or new settings start a new one. */
export interface Series {
  versionPk: number;
  spec: string;
  settingsSha256: string;
  referenceSha256: string;
  referenceDatasetVersionId: number | null;
}

/**
 * The series a version's windows are computed in now (its model's settings, its reference), or
 * null without a reference. Readers show this series' windows: older series stay stored as they
 * were computed, under other settings or another reference.
 */
export function currentSeries(db: SqliteDatabase, versionPk: number): Series | null {
  const reference = db.prepare('SELECT v.model_id, r.dataset_sha256, r.dataset_version_id FROM monitoring_references r JOIN model_versions v ON v.version_pk = r.version_pk WHERE r.version_pk = ?').get(versionPk) as
    | { model_id: number; dataset_sha256: string; dataset_version_id: number | null }
    | undefined;
  if (!reference) return null;
  return seriesFor(versionPk, settingsOfModelId(db, reference.model_id), reference.dataset_sha256, reference.dataset_version_id);
}

function seriesFor(versionPk: number, settings: MonitorSettings, referenceSha256: string, referenceDatasetVersionId: number | null): Series {
  return { versionPk, spec: specText(settings.window), settingsSha256: settingsSha256(settings), referenceSha256, referenceDatasetVersionId };
}

/** Where the series' stored windows end: the last prediction read and the last window's end. */
export function seriesEnd(db: SqliteDatabase, series: Series): { lastPk: number; lastTo: number | null; windows: number } {
  const row = db
    .prepare(
      `SELECT MAX(last_prediction_pk) AS last_pk, MAX(to_time) AS last_to, COUNT(*) AS windows FROM monitoring_windows
       WHERE version_pk = ? AND spec = ? AND settings_sha256 = ? AND reference_sha256 = ?`,
    )
    .get(series.versionPk, series.spec, series.settingsSha256, series.referenceSha256) as { last_pk: number | null; last_to: number | null; windows: number };
  return { lastPk: row.last_pk ?? 0, lastTo: row.last_to, windows: row.windows };
}

interface Computed {
  cut: WindowCut;
  metrics: MonitoringMetricRow[];
}

/** Stores windows and their metrics in one transaction; a window another pass stored already is skipped whole. */
function storeWindows(db: SqliteDatabase, series: Series, windows: readonly Computed[], now: number): number {
  const insertWindow = db.prepare(
    `INSERT OR IGNORE INTO monitoring_windows (version_pk, reference_dataset_version_id, reference_sha256, spec, from_time, to_time,
       first_prediction_pk, last_prediction_pk, rows, labelled_rows, complete, settings_sha256, computed_time)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
  );
  const insertMetric = db.prepare(
    `INSERT INTO monitoring_metrics (window_pk, kind, column_name, method, statistic, p_value, threshold, drifted, detail_json)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const finite = (value: number | null) => (value === null || !Number.isFinite(value) ? null : value);
  return db
    .transaction(() => {
      let stored = 0;
      for (const { cut, metrics } of windows) {
        const { rows } = cut;
        const info = insertWindow.run(
          series.versionPk,
          series.referenceDatasetVersionId,
          series.referenceSha256,
          series.spec,
          cut.from,
          cut.to,
          rows.firstPk,
          rows.lastPk,
          rows.rows,
          rows.labelled,
          series.settingsSha256,
          now,
        );
        if (info.changes === 0) continue;
        stored++;
        const windowPk = Number(info.lastInsertRowid);
        for (const m of metrics) {
          insertMetric.run(
            windowPk,
            m.kind,
            m.column,
            m.method,
            finite(m.statistic),
            finite(m.pValue),
            finite(m.threshold),
            m.drifted === null ? null : m.drifted ? 1 : 0,
            m.detail === undefined || m.detail === null ? null : JSON.stringify(m.detail),
          );
        }
      }
      return stored;
    })
    .immediate();
}

export interface VersionPass {
  versionPk: number;
  model: string;
  version: number;
  /** Windows stored by this pass. */
  stored: number;
  /** Predictions read. */
  rows: number;
  /** Why nothing could be computed (no ready reference...), else null. */
  skipped: string | null;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Computes and stores the version's closed windows after the last stored one, then lets the alert
 * rules look at them. Needs a ready reference (see reference-profiles.ts).
 */
export async function computeClosedWindows(db: SqliteDatabase, versionPk: number, now = Date.now()): Promise<VersionPass> {
  const info = versionInfo(db, versionPk);
  if (!info) return { versionPk, model: '', version: 0, stored: 0, rows: 0, skipped: 'no such model version' };
  const result: VersionPass = { versionPk, model: info.name, version: info.version, stored: 0, rows: 0, skipped: null };
  const head = db.prepare('SELECT dataset_ref, dataset_sha256, dataset_version_id, status FROM monitoring_references WHERE version_pk = ?').get(versionPk) as
    | { dataset_ref: string; dataset_sha256: string; dataset_version_id: number | null; status: string }
    | undefined;
  if (!head || head.status !== 'ready') return { ...result, skipped: head ? `reference ${head.dataset_ref} is ${head.status}` : 'no reference dataset' };
  const settings = settingsOfModelId(db, info.modelId);
  const series = seriesFor(versionPk, settings, head.dataset_sha256, head.dataset_version_id);
  const end = seriesEnd(db, series);
  // Nothing logged after the series' last window: done, without reading the (large) profile.
  if (!db.prepare('SELECT 1 FROM predictions WHERE model_name = ? AND model_version = ? AND prediction_pk > ? LIMIT 1').get(info.name, info.version, end.lastPk)) return result;
  const stored = readReference(db, versionPk);
  const profile = stored?.datasetSha256 === series.referenceSha256 ? stored.profile : null;
  if (!profile) return { ...result, skipped: 'the reference changed during the pass' };
  const features = profile.columns.map((c) => c.name);
  const numeric = profile.columns.map((c) => c.kind === 'numeric');
  let batch: Computed[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    result.stored += storeWindows(db, series, batch, Date.now());
    batch = [];
    await turn();
  };
  const rows = rowsAfter(db, info.name, info.version, end.lastPk);
  for (const cut of cutWindows(rows, features, settings.window, { now, notBefore: end.lastTo ?? undefined, numeric })) {
    if (!cut.complete) break;
    result.rows += cut.rows.rows;
    batch.push({ cut, metrics: windowStatistics(profile, settings, cut.rows).metrics });
    if (batch.length >= STORE_BATCH) await flush();
    // A turn for the server's requests after every window (tens of ms each), not every batch.
    else await turn();
  }
  await flush();
  if (result.stored > 0) evaluateAlerts(db, versionPk, now);
  return result;
}
