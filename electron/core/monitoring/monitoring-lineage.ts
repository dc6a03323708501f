/**
 * The lineage of a window's monitoring metrics: the reference dataset version the model version was
 * trained on → the run → the model version → the deployments serving it → the prediction window →
 * each statistic stored on that window. Every node names what the page links it to.
 */
import type { Deployment } from '../../../shared/app-api/models.js';
import { MONITORING_LIMITS, type MonitoringLineage, type MonitoringLineageNode } from '../../../shared/app-api/monitoring.js';
import { PREDICTION_COLUMN } from '../../../shared/monitoring.js';
import type { SqliteDatabase } from '../store/database.js';
import type { MetricRow, MonitoredVersion } from './monitoring-queries.js';
import { readWindow, windowMetrics } from './monitoring-window-queries.js';

const KIND_ORDER: Record<string, number> = { dataset_drift: 0, prediction_drift: 1, quality: 2, estimated_quality: 3, feature_drift: 4, null_rate: 5 };

/** Quality figures the lineage graph draws as nodes of their own; the rest are summed up in one. */
const HEADLINE_QUALITY = new Set(['accuracy', 'f1_macro', 'roc_auc', 'rmse', 'mae', 'r2', 'label_coverage']);

function metricLabel(m: MetricRow): string {
  if (m.kind === 'dataset_drift') return 'Dataset drift';
  if (m.kind === 'prediction_drift' || m.column_name === PREDICTION_COLUMN) return m.kind === 'null_rate' ? 'Null rate: prediction' : 'Prediction drift';
  if (m.kind === 'quality') return m.column_name;
  if (m.kind === 'estimated_quality') return `${m.column_name} (estimated)`;
  if (m.kind === 'null_rate') return `Null rate: ${m.column_name}`;
  return `Drift: ${m.column_name}`;
}

function metricDetail(m: MetricRow): string {
  const value = m.p_value ?? m.statistic;
  const shown = value === null ? 'no verdict' : `${m.p_value !== null ? 'p = ' : ''}${Number(value.toPrecision(3))}`;
  return `${m.method} · ${shown}${m.drifted === 1 ? ' · drift' : ''}`;
}

export function monitoringLineage(db: SqliteDatabase, model: string, picked: MonitoredVersion, windowId: string, focusColumn: string | undefined, deployments: Deployment[]): MonitoringLineage {
  const window = readWindow(db, picked.versionPk, windowId);
  const nodes: MonitoringLineageNode[] = [];
  const edges: MonitoringLineage['edges'] = [];
  const node = (n: Omit<MonitoringLineageNode, 'drifted'> & { drifted?: boolean | null }) => nodes.push({ drifted: null, ...n });

  const version = db
    .prepare(
      `SELECT mv.run_id, r.name AS run_name, r.status AS run_status, mr.dataset_ref, mr.dataset_sha256,
              dv.row_count, CASE WHEN dv.version_id IS NULL THEN NULL ELSE nd.name || '@' || dv.version END AS dataset
       FROM model_versions mv
       LEFT JOIN runs r ON r.run_uuid = mv.run_id
       LEFT JOIN monitoring_references mr ON mr.version_pk = mv.version_pk
       LEFT JOIN monitoring_windows w ON w.window_pk = ?
       LEFT JOIN dataset_versions dv ON dv.version_id = coalesce(w.reference_dataset_version_id, mr.dataset_version_id)
       LEFT JOIN named_datasets nd ON nd.dataset_id = dv.dataset_id
       WHERE mv.version_pk = ?`,
    )
    .get(Number(windowId), picked.versionPk) as
    | { run_id: string | null; run_name: string | null; run_status: string | null; dataset_ref: string | null; dataset_sha256: string | null; row_count: number | null; dataset: string | null }
    | undefined;

  const versionId = `model_version:${model}/${picked.version}`;
  const datasetRef = version?.dataset ?? version?.dataset_ref ?? null;
  if (datasetRef) {
    const sha = window.referenceSha256 ?? version?.dataset_sha256 ?? '';
    node({
      id: `dataset:${datasetRef}`,
      kind: 'dataset',
      label: datasetRef,
      detail: `${sha.slice(0, 12)}${version?.row_count == null ? '' : ` · ${version.row_count.toLocaleString('en-US')} rows`} · reference`,
      target: { dataset: datasetRef },
    });
  }
  if (version?.run_id) {
    node({ id: `run:${version.run_id}`, kind: 'run', label: version.run_name ?? version.run_id, detail: version.run_status ?? 'run deleted', target: { runId: version.run_id } });
    if (datasetRef) edges.push({ from: `dataset:${datasetRef}`, to: `run:${version.run_id}`, relation: 'trained_on' });
    edges.push({ from: `run:${version.run_id}`, to: versionId, relation: 'registered as' });
  } else if (datasetRef) {
    edges.push({ from: `dataset:${datasetRef}`, to: versionId, relation: 'reference of' });
  }
  node({ id: versionId, kind: 'model_version', label: `${model} v${picked.version}`, detail: 'model version', target: {} });

  const windowNode = `window:${window.id}`;
  const served = deployments.filter((d) => d.model === model && d.version === picked.version);
  for (const d of served) {
    const id = `deployment:${d.id}`;
    node({ id, kind: 'deployment', label: d.port === null ? `${model}@${d.alias}` : `:${d.port}`, detail: `${d.state} · ${model}@${d.alias}`, target: {} });
    edges.push({ from: versionId, to: id, relation: 'served by' });
    edges.push({ from: id, to: windowNode, relation: 'logged' });
  }
  if (served.length === 0) edges.push({ from: versionId, to: windowNode, relation: 'logged' });
  node({
    id: windowNode,
    kind: 'window',
    label: `Window ${window.id}`,
    detail: `${window.rows.toLocaleString('en-US')} rows · ${window.labelled.toLocaleString('en-US')} labelled`,
    target: { window: window.id },
  });

  // Every statistic but the long tail of undrifted features and null rates, which one node sums up.
  const metrics = windowMetrics(db, Number(windowId)).sort((a, b) => (KIND_ORDER[a.kind] ?? 9) - (KIND_ORDER[b.kind] ?? 9) || (b.drifted ?? 0) - (a.drifted ?? 0) || a.column_name.localeCompare(b.column_name));
  let features = 0;
  let rest = 0;
  let quality = 0;
  for (const m of metrics) {
    const isFocus = m.column_name === focusColumn;
    if ((m.kind === 'feature_drift' && !isFocus && (m.drifted !== 1 || features >= MONITORING_LIMITS.lineageFeatureNodes)) || (m.kind === 'null_rate' && m.drifted !== 1)) {
      rest++;
      continue;
    }
    // Per-class figures, calibration and label delay would make a column of twenty-odd nodes.
    if ((m.kind === 'quality' || m.kind === 'estimated_quality') && !isFocus && !HEADLINE_QUALITY.has(m.column_name)) {
      quality++;
      continue;
    }
    if (m.kind === 'feature_drift') features++;
    const id = `metric:${m.kind}:${m.column_name}:${m.method}`;
    const column = m.kind === 'feature_drift' || m.kind === 'prediction_drift' || m.kind === 'null_rate' ? m.column_name : undefined;
    node({ id, kind: 'metric', label: metricLabel(m), detail: metricDetail(m), target: { window: window.id, ...(column ? { column } : {}) }, drifted: m.drifted === null ? null : m.drifted === 1 });
    edges.push({ from: windowNode, to: id, relation: 'computed' });
  }
  if (quality > 0) {
    node({ id: 'metric:more-quality', kind: 'metric', label: `${quality} more quality figures`, detail: 'per class, calibration, label delay · in the quality chart', target: { window: window.id } });
    edges.push({ from: windowNode, to: 'metric:more-quality', relation: 'computed' });
  }
  if (rest > 0) {
    node({ id: 'metric:more', kind: 'metric', label: `${rest} more statistics`, detail: 'no drift · in the heat map', target: { window: window.id } });
    edges.push({ from: windowNode, to: 'metric:more', relation: 'computed' });
  }
  return { nodes, edges };
}
