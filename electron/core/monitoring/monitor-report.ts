/**
 * A model's monitoring report on demand (`mldesk monitor NAME`): one window of its logged
 * predictions (the last N, those since a time, or else the current window of its settings)
 * compared with the version's stored reference profile, with quality and firing alerts.
 */
import { MLDeskError, invalidParameter, notFound } from '../errors.js';
import { CHAMPION_ALIAS } from '../registry/model-registry.js';
import type { ModelVersion } from '../registry/registry-types.js';
import { parseTarget, resolveTarget } from '../serving/serving-target.js';
import type { SqliteDatabase } from '../store/database.js';
import type { ColumnDrift, EffectSize } from '../../../shared/monitoring.js';
import { settingsOfModelId } from './monitor-settings.js';
import { bucketLength, lastRows, rowsSince, WindowRows } from './prediction-windows.js';
import { ensureReference, type ReferenceDeps } from './reference-profiles.js';
import { versionInfo, windowStatistics } from './window-engine.js';

export interface ReportRequest {
  /** NAME, NAME@ALIAS or NAME/VERSION. */
  target: string;
  last?: number;
  /** ms since the epoch. */
  since?: number;
}

export interface ReportColumn {
  column: string;
  type: string;
  method: string;
  statistic: number | null;
  threshold: number;
  drifted: boolean | null;
  p_value: number | null;
  psi: number | null;
  effect_size: EffectSize | null;
  /** Why no verdict was given (too few rows...), else null. */
  reason: string | null;
  null_rate: { reference: number; current: number };
}

export interface MonitorReport {
  model: string;
  version: string;
  reference: { dataset: string; version: number; sha256: string; source: string };
  window: { from: string | null; to: string | null; rows: number; labelled_rows: number; spec: string };
  columns: ReportColumn[];
  drifted_columns: number;
  share_drifted: number;
  dataset_drift: boolean;
  prediction: ReportColumn | null;
  quality: Array<{ metric: string; method: string; value: number | null; detail: unknown }>;
  alerts: Array<{ id: number; state: string; message: string; value: number | null; fired_time: string }>;
}

/** `NAME` alone: its champion, else its newest version that has logged predictions. */
export function monitoredVersion(deps: ReferenceDeps, target: string): ModelVersion {
  const parsed = parseTarget(target);
  if (parsed.alias || parsed.version) return resolveTarget(deps.registry, parsed);
  const model = deps.registry.getModel(parsed.name);
  if (model.aliases.some((a) => a.alias === CHAMPION_ALIAS)) return deps.registry.versionByAlias(parsed.name, CHAMPION_ALIAS);
  const row = deps.store.db
    .prepare(
      `SELECT v.version FROM model_versions v JOIN registered_models m ON m.model_id = v.model_id
       WHERE m.name = ? AND EXISTS (SELECT 1 FROM predictions p WHERE p.model_name = m.name AND p.model_version = v.version)
       ORDER BY v.version DESC LIMIT 1`,
    )
    .get(parsed.name) as { version: number } | undefined;
  if (!row) throw notFound(`Model ${parsed.name} has no champion and no logged predictions: name a version (${parsed.name}/VERSION).`);
  return deps.registry.getVersion(parsed.name, row.version);
}

function reportColumn(d: ColumnDrift): ReportColumn {
  return {
    column: d.column,
    type: d.type,
    method: d.method,
    statistic: d.statistic,
    threshold: d.threshold,
    drifted: d.drifted,
    p_value: d.pValue,
    psi: d.psi,
    effect_size: d.effectSize,
    reason: d.reason,
    null_rate: d.nullRate,
  };
}

function firingAlerts(db: SqliteDatabase, modelId: number): MonitorReport['alerts'] {
  const rows = db
    .prepare(
      `SELECT a.alert_pk, a.state, a.message, a.value, a.fired_time FROM alerts a JOIN alert_rules r ON r.rule_pk = a.rule_pk
       WHERE r.model_id = ? AND a.state = 'firing' ORDER BY a.fired_time DESC`,
    )
    .all(modelId) as Array<{ alert_pk: number; state: string; message: string; value: number | null; fired_time: number }>;
  return rows.map((a) => ({ id: a.alert_pk, state: a.state, message: a.message, value: a.value, fired_time: new Date(a.fired_time).toISOString() }));
}

export async function monitorReport(deps: ReferenceDeps, request: ReportRequest): Promise<MonitorReport> {
  if (request.last !== undefined && request.since !== undefined) throw invalidParameter('Give --last or --since, not both.');
  const { db } = deps.store;
  const version = monitoredVersion(deps, request.target);
  const versionPk = deps.registry.versionRow(version.name, version.version).version_pk;
  const info = versionInfo(db, versionPk)!;
  const reference = await ensureReference(deps, versionPk);
  if (!reference) {
    throw new MLDeskError(
      'INVALID_STATE',
      `${version.name}/${version.version} has no reference dataset (its run has none in lineage): give it one with \`mldesk monitor reference ${version.name}/${version.version} --dataset NAME[@VERSION]\`.`,
    );
  }
  if (!reference.profile) throw new MLDeskError('INVALID_STATE', `The reference ${reference.datasetRef} of ${version.name}/${version.version} could not be profiled: ${reference.error ?? reference.status}.`);
  const settings = settingsOfModelId(db, info.modelId);
  const window = new WindowRows(
    reference.profile.columns.map((c) => c.name),
    reference.profile.columns.map((c) => c.kind === 'numeric'),
  );
  let spec: string;
  let bounds: { from: number; to: number } | null = null;
  if (request.last !== undefined) {
    spec = `last:${request.last}`;
    for (const row of lastRows(db, info.name, info.version, request.last)) window.add(row);
  } else if (request.since !== undefined) {
    spec = `since:${new Date(request.since).toISOString()}`;
    for (const row of rowsSince(db, info.name, info.version, request.since)) window.add(row);
  } else if (settings.window.by === 'count') {
    spec = `count:${settings.window.size}`;
    for (const row of lastRows(db, info.name, info.version, settings.window.size)) window.add(row);
  } else {
    // The current hour/day: the bucket of the newest prediction.
    spec = settings.window.by;
    const newest = lastRows(db, info.name, info.version, 1)[0];
    if (newest) {
      const length = bucketLength(settings.window)!;
      const from = Math.floor(newest[1] / length) * length;
      bounds = { from, to: from + length };
      for (const row of rowsSince(db, info.name, info.version, from)) window.add(row);
    }
  }
  const stats = windowStatistics(reference.profile, settings, window);
  const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
  const at = reference.datasetRef.lastIndexOf('@');
  return {
    model: version.name,
    version: version.version,
    reference: { dataset: reference.datasetRef.slice(0, at), version: Number(reference.datasetRef.slice(at + 1)), sha256: reference.datasetSha256, source: reference.source },
    window: { from: iso(bounds?.from ?? window.minTime), to: iso(bounds?.to ?? window.maxTime), rows: window.rows, labelled_rows: window.labelled, spec },
    columns: stats.drift.columns.map(reportColumn),
    drifted_columns: stats.drift.driftedColumns,
    share_drifted: stats.drift.shareDrifted,
    dataset_drift: stats.drift.datasetDrift,
    prediction: stats.prediction ? reportColumn(stats.prediction) : null,
    quality: stats.quality.map((q) => ({ metric: q.column, method: q.method, value: q.statistic, detail: q.detail })),
    alerts: firingAlerts(db, info.modelId),
  };
}
