/**
 * What the monitoring page reads: the stored windows of a model version and the statistics on them
 * (monitoring_windows, monitoring_metrics), never the prediction log, so the page costs the same for
 * a thousand logged predictions or a million. Lookups go through the primary key (window_pk, kind,
 * ...) one window at a time; the timeline comes back as parallel arrays, oldest window first.
 */
import {
  MONITORING_LIMITS,
  type MonitoredFeature,
  type MonitoringHeatmap,
  type MonitoringReference,
  type MonitoringTimeline,
  type PredictionTimeline,
  type QualitySeries,
} from '../../../shared/app-api/monitoring.js';
import { CHAMPION } from '../../../shared/app-api/models.js';
import { DRIFT_COLUMN_KINDS, MonitorSettingsSchema, PREDICTION_COLUMN, type DriftColumnKind, type MonitorSettings } from '../../../shared/monitoring.js';
import { invalidParameter, notFound } from '../errors.js';
import type { SqliteDatabase } from '../store/database.js';

export interface MonitoredVersion {
  modelId: number;
  versionPk: number;
  version: string;
}

export interface WindowRow {
  window_pk: number;
  from_time: number;
  to_time: number;
  rows: number;
  labelled_rows: number;
  complete: number;
}

export interface MetricRow {
  window_pk: number;
  kind: string;
  column_name: string;
  method: string;
  statistic: number | null;
  p_value: number | null;
  threshold: number | null;
  drifted: number | null;
  detail_json: string | null;
}

/** Scores past this are drawn alike: far on the drift side. */
const SCORE_CAP = 10;

/**
 * A statistic relative to its threshold, so that ≥ 1 is drift whatever the test: distances divide by
 * their threshold; p-values (drift when small) compare on a log scale, ln p / ln threshold.
 */
export function driftScore(statistic: number | null, pValue: number | null, threshold: number | null): number | null {
  if (threshold === null || !(threshold > 0)) return null;
  if (pValue !== null) {
    if (pValue >= 1) return 0;
    if (pValue <= 0 || threshold >= 1) return SCORE_CAP;
    return Math.min(SCORE_CAP, Math.log(pValue) / Math.log(threshold));
  }
  if (statistic === null) return null;
  return Math.min(SCORE_CAP, Math.max(0, statistic / threshold));
}

const flag = (value: number | null): boolean | null => (value === null ? null : value === 1);

export function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

export const asRecord = (value: unknown): Record<string, unknown> => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const asNumber = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const asNumbers = (value: unknown): number[] => (Array.isArray(value) ? value.map((v) => asNumber(v) ?? 0) : []);

export function modelVersions(db: SqliteDatabase, model: string): { modelId: number; versions: Array<{ version: string; versionPk: number; windows: number }> } {
  const found = db.prepare('SELECT model_id FROM registered_models WHERE name = ?').pluck().get(model) as number | undefined;
  if (found === undefined) throw notFound(`Registered model '${model}' does not exist.`);
  const rows = db
    .prepare(
      `SELECT mv.version, mv.version_pk, (SELECT count(*) FROM monitoring_windows w WHERE w.version_pk = mv.version_pk) AS windows
       FROM model_versions mv WHERE mv.model_id = ? ORDER BY mv.version DESC`,
    )
    .all(found) as Array<{ version: number; version_pk: number; windows: number }>;
  return { modelId: found, versions: rows.map((r) => ({ version: String(r.version), versionPk: r.version_pk, windows: r.windows })) };
}

/** The version asked for; else the champion's when it has windows, else the newest version with windows, else the newest. */
export function pickVersion(
  db: SqliteDatabase,
  model: string,
  version: string | undefined,
): { modelId: number; picked: MonitoredVersion | null; versions: Array<{ version: string; windows: number }> } {
  const { modelId, versions } = modelVersions(db, model);
  const listed = versions.map(({ version: v, windows }) => ({ version: v, windows }));
  if (version !== undefined) {
    const asked = versions.find((v) => v.version === version);
    if (!asked) throw notFound(`Model '${model}' has no version ${version}.`);
    return { modelId, picked: { modelId, versionPk: asked.versionPk, version: asked.version }, versions: listed };
  }
  const champion = db.prepare('SELECT version FROM registered_model_aliases WHERE model_id = ? AND alias = ?').pluck().get(modelId, CHAMPION) as number | undefined;
  const withWindows = versions.filter((v) => v.windows > 0);
  const chosen = withWindows.find((v) => v.version === String(champion)) ?? withWindows[0] ?? versions.find((v) => v.version === String(champion)) ?? versions[0];
  return { modelId, picked: chosen ? { modelId, versionPk: chosen.versionPk, version: chosen.version } : null, versions: listed };
}

export function requireVersion(db: SqliteDatabase, model: string, version: string): MonitoredVersion {
  const { picked } = pickVersion(db, model, version);
  return picked!;
}

export function monitorSettings(db: SqliteDatabase, modelId: number): MonitorSettings {
  const text = db.prepare('SELECT settings_json FROM monitoring_settings WHERE model_id = ?').pluck().get(modelId) as string | undefined;
  const parsed = MonitorSettingsSchema.safeParse(parseJson(text ?? null) ?? {});
  return parsed.success ? parsed.data : MonitorSettingsSchema.parse({});
}

export interface ReferenceFacts {
  reference: MonitoringReference | null;
  kinds: Map<string, DriftColumnKind>;
  order: string[];
}

const asKind = (value: unknown): DriftColumnKind | null => (DRIFT_COLUMN_KINDS as readonly unknown[]).includes(value) ? (value as DriftColumnKind) : null;

/** The reference and its columns' kinds, read inside SQLite (json_each) so the profile's samples are never copied out. */
export function referenceFacts(db: SqliteDatabase, versionPk: number): ReferenceFacts {
  const row = db
    .prepare(
      `SELECT dataset_ref, dataset_sha256, source, status, error, json_extract(profile_json, '$.rows') AS rows, json_extract(profile_json, '$.prediction.kind') AS prediction_kind
       FROM monitoring_references WHERE version_pk = ?`,
    )
    .get(versionPk) as { dataset_ref: string; dataset_sha256: string; source: 'lineage' | 'manual'; status: 'pending' | 'ready' | 'failed'; error: string | null; rows: number | null; prediction_kind: string | null } | undefined;
  const kinds = new Map<string, DriftColumnKind>();
  const order: string[] = [];
  if (!row) return { reference: null, kinds, order };
  const columns = db
    .prepare(`SELECT json_extract(c.value, '$.name') AS name, json_extract(c.value, '$.kind') AS kind FROM monitoring_references r, json_each(r.profile_json, '$.columns') c WHERE r.version_pk = ?`)
    .all(versionPk) as Array<{ name: string; kind: string }>;
  for (const c of columns) {
    order.push(c.name);
    const kind = asKind(c.kind);
    if (kind) kinds.set(c.name, kind);
  }
  const predictionKind = asKind(row.prediction_kind);
  if (predictionKind) kinds.set(PREDICTION_COLUMN, predictionKind);
  return {
    reference: { dataset: row.dataset_ref, sha256: row.dataset_sha256, source: row.source, status: row.status, error: row.error, rows: typeof row.rows === 'number' ? row.rows : null },
    kinds,
    order,
  };
}

/**
 * The windows of the version's current series: those computed under the newest window spec, settings
 * and reference (a new one starts a new series; the old windows stay as they were computed).
 */
interface Series {
  spec: string;
  settings: string;
  reference: string | null;
}
const IN_SERIES = 'version_pk = ? AND spec = ? AND settings_sha256 = ? AND reference_sha256 IS ?';
const seriesArgs = (versionPk: number, s: Series) => [versionPk, s.spec, s.settings, s.reference] as const;

function currentSeries(db: SqliteDatabase, versionPk: number): Series | null {
  const row = db.prepare('SELECT spec, settings_sha256, reference_sha256 FROM monitoring_windows WHERE version_pk = ? ORDER BY computed_time DESC, window_pk DESC LIMIT 1').get(versionPk) as
    | { spec: string; settings_sha256: string; reference_sha256: string | null }
    | undefined;
  return row ? { spec: row.spec, settings: row.settings_sha256, reference: row.reference_sha256 } : null;
}

export interface TimelineData {
  timeline: MonitoringTimeline;
  windowCount: number;
  truncated: boolean;
  prediction: PredictionTimeline | null;
  quality: { series: QualitySeries[]; labelCoverage: Array<number | null> };
  features: MonitoredFeature[];
}

function emptyTimeline(): MonitoringTimeline {
  return { ids: [], from: [], to: [], rows: [], labelled: [], complete: [], driftShare: [], datasetDrift: [] };
}

/** Every window's metrics of one kind, read through the primary key (window_pk, kind). */
function metricsOfKind(db: SqliteDatabase, windows: WindowRow[], kind: string, withDetail: boolean): MetricRow[][] {
  const statement = db.prepare(
    `SELECT window_pk, kind, column_name, method, statistic, p_value, threshold, drifted, ${withDetail ? 'detail_json' : 'NULL AS detail_json'} FROM monitoring_metrics WHERE window_pk = ? AND kind = ?`,
  );
  return windows.map((w) => statement.all(w.window_pk, kind) as MetricRow[]);
}

export function readTimeline(db: SqliteDatabase, versionPk: number, facts: ReferenceFacts): TimelineData {
  const series = currentSeries(db, versionPk);
  const empty: TimelineData = { timeline: emptyTimeline(), windowCount: 0, truncated: false, prediction: null, quality: { series: [], labelCoverage: [] }, features: [] };
  if (!series) return empty;
  const windowCount = db.prepare(`SELECT count(*) FROM monitoring_windows WHERE ${IN_SERIES}`).pluck().get(...seriesArgs(versionPk, series)) as number;
  const windows = (
    db
      .prepare(
        `SELECT window_pk, from_time, to_time, rows, labelled_rows, complete FROM monitoring_windows
         WHERE ${IN_SERIES} ORDER BY from_time DESC, window_pk DESC LIMIT ?`,
      )
      .all(...seriesArgs(versionPk, series), MONITORING_LIMITS.timelineWindows) as WindowRow[]
  ).reverse();
  const dataset = metricsOfKind(db, windows, 'dataset_drift', false).map((rows) => rows[0] ?? null);
  const timeline: MonitoringTimeline = {
    ids: windows.map((w) => String(w.window_pk)),
    from: windows.map((w) => w.from_time),
    to: windows.map((w) => w.to_time),
    rows: windows.map((w) => w.rows),
    labelled: windows.map((w) => w.labelled_rows),
    complete: windows.map((w) => w.complete === 1),
    driftShare: dataset.map((m) => m?.statistic ?? null),
    datasetDrift: dataset.map((m) => flag(m?.drifted ?? null)),
  };
  return {
    timeline,
    windowCount,
    truncated: windowCount > windows.length,
    prediction: predictionTimeline(metricsOfKind(db, windows, 'prediction_drift', true).map((rows) => rows[0] ?? null)),
    quality: qualityTimeline(metricsOfKind(db, windows, 'quality', true), metricsOfKind(db, windows, 'estimated_quality', true)),
    features: windows.length ? monitoredFeatures(db, windows[windows.length - 1]!.window_pk, facts) : [],
  };
}

/** The heat map's rows: the newest window's drift columns in reference order, the prediction last. */
export function heatmapFeatures(db: SqliteDatabase, versionPk: number, facts: ReferenceFacts): string[] {
  const series = currentSeries(db, versionPk);
  if (!series) return [];
  const newest = db
    .prepare(`SELECT window_pk FROM monitoring_windows WHERE ${IN_SERIES} ORDER BY from_time DESC, window_pk DESC LIMIT 1`)
    .pluck()
    .get(...seriesArgs(versionPk, series)) as number | undefined;
  return newest === undefined ? [] : monitoredFeatures(db, newest, facts).map((f) => f.name);
}

function monitoredFeatures(db: SqliteDatabase, windowPk: number, facts: ReferenceFacts): MonitoredFeature[] {
  const rows = db
    .prepare(`SELECT column_name, method, threshold FROM monitoring_metrics WHERE window_pk = ? AND kind IN ('feature_drift', 'prediction_drift')`)
    .all(windowPk) as Array<{ column_name: string; method: string; threshold: number | null }>;
  const rank = new Map(facts.order.map((name, i) => [name, i]));
  const position = (name: string) => (name === PREDICTION_COLUMN ? Number.MAX_SAFE_INTEGER : (rank.get(name) ?? facts.order.length));
  return rows
    .sort((a, b) => position(a.column_name) - position(b.column_name) || a.column_name.localeCompare(b.column_name))
    .map((r) => ({ name: r.column_name, kind: facts.kinds.get(r.column_name) ?? null, method: r.method, threshold: r.threshold }));
}

/** Each window's prediction distribution as shares of the bins (classes, or histogram ranges) of the newest window. */
function predictionTimeline(rows: Array<MetricRow | null>): PredictionTimeline | null {
  const details = rows.map((row) => asRecord(asRecord(parseJson(row?.detail_json ?? null)).distributions));
  const last = details.findLast((d) => d.kind === 'categories' || d.kind === 'histogram');
  if (!last) return null;
  const kind = last.kind === 'categories' ? 'categories' : 'histogram';
  const bins =
    kind === 'categories'
      ? (Array.isArray(last.categories) ? last.categories : []).map(String)
      : asNumbers(last.edges)
          .slice(0, -1)
          .map((edge, i) => `${formatEdge(edge)}–${formatEdge(asNumbers(last.edges)[i + 1]!)}`);
  const sharesOf = (counts: number[]): number[] => {
    const total = counts.reduce((a, b) => a + b, 0);
    return counts.map((c) => (total > 0 ? c / total : 0));
  };
  const shares = details.map((d): number[] | null => {
    if (d.kind !== kind) return null;
    const current = asNumbers(d.current);
    if (kind === 'categories') {
      const byName = new Map((Array.isArray(d.categories) ? d.categories : []).map((c, i) => [String(c), current[i] ?? 0]));
      return sharesOf(bins.map((b) => byName.get(b) ?? 0));
    }
    return current.length === bins.length ? sharesOf(current) : null;
  });
  return {
    kind,
    bins,
    shares,
    reference: sharesOf(asNumbers(last.reference)),
    statistic: rows.map((r) => r?.statistic ?? null),
    drifted: rows.map((r) => flag(r?.drifted ?? null)),
  };
}

function formatEdge(value: number): string {
  return Math.abs(value) >= 1000 || (value !== 0 && Math.abs(value) < 0.01) ? value.toPrecision(3) : String(Math.round(value * 100) / 100);
}

function qualityTimeline(realised: MetricRow[][], estimated: MetricRow[][]): { series: QualitySeries[]; labelCoverage: Array<number | null> } {
  const count = realised.length;
  const byMetric = new Map<string, QualitySeries>();
  const seriesOf = (metric: string) => {
    let series = byMetric.get(metric);
    if (!series) {
      const nulls = () => new Array<number | null>(count).fill(null);
      series = { metric, threshold: null, realised: nulls(), estimated: nulls(), lower: nulls(), upper: nulls() };
      byMetric.set(metric, series);
    }
    return series;
  };
  const labelCoverage = new Array<number | null>(count).fill(null);
  realised.forEach((rows, i) => {
    for (const row of rows) {
      if (row.column_name === 'label_coverage') {
        labelCoverage[i] = row.statistic;
        continue;
      }
      const series = seriesOf(row.column_name);
      series.realised[i] = row.statistic;
      if (row.threshold !== null) series.threshold = row.threshold;
    }
  });
  estimated.forEach((rows, i) => {
    for (const row of rows) {
      const series = seriesOf(row.column_name);
      const band = asRecord(parseJson(row.detail_json));
      series.estimated[i] = row.statistic;
      series.lower[i] = asNumber(band.lower);
      series.upper[i] = asNumber(band.upper);
      if (row.threshold !== null && series.threshold === null) series.threshold = row.threshold;
    }
  });
  return { series: [...byMetric.values()], labelCoverage };
}

/** A span of windows of the current series, ending at `until` (the newest when absent). */
export function readHeatmap(db: SqliteDatabase, versionPk: number, until: string | undefined, count: number, features: string[]): MonitoringHeatmap {
  const series = currentSeries(db, versionPk);
  if (!series) return { windowIds: [], from: [], features: [], score: [], statistic: [], drifted: [] };
  let bound = Number.MAX_SAFE_INTEGER;
  let boundPk = Number.MAX_SAFE_INTEGER;
  if (until !== undefined) {
    const end = db.prepare('SELECT from_time FROM monitoring_windows WHERE window_pk = ? AND version_pk = ?').pluck().get(Number(until), versionPk) as number | undefined;
    if (end === undefined) throw invalidParameter(`Field 'until': window ${until} is not a window of this version.`);
    bound = end;
    boundPk = Number(until);
  }
  const windows = (
    db
      .prepare(
        `SELECT window_pk, from_time FROM monitoring_windows WHERE ${IN_SERIES} AND (from_time < ? OR (from_time = ? AND window_pk <= ?))
         ORDER BY from_time DESC, window_pk DESC LIMIT ?`,
      )
      .all(...seriesArgs(versionPk, series), bound, bound, boundPk, count) as Array<{ window_pk: number; from_time: number }>
  ).reverse();
  const rowOf = new Map(features.map((f, i) => [f, i]));
  const grid = <T>() => features.map(() => new Array<T | null>(windows.length).fill(null));
  const score = grid<number>();
  const statistic = grid<number>();
  const drifted = grid<boolean>();
  const statement = db.prepare(
    `SELECT column_name, statistic, p_value, threshold, drifted FROM monitoring_metrics WHERE window_pk = ? AND kind IN ('feature_drift', 'prediction_drift')`,
  );
  windows.forEach((w, j) => {
    for (const m of statement.all(w.window_pk) as Array<Pick<MetricRow, 'column_name' | 'statistic' | 'p_value' | 'threshold' | 'drifted'>>) {
      const i = rowOf.get(m.column_name);
      if (i === undefined) continue;
      score[i]![j] = driftScore(m.statistic, m.p_value, m.threshold);
      statistic[i]![j] = m.p_value ?? m.statistic;
      drifted[i]![j] = flag(m.drifted);
    }
  });
  return { windowIds: windows.map((w) => String(w.window_pk)), from: windows.map((w) => w.from_time), features, score, statistic, drifted };
}
