import { heatmapSpanEnd } from '../../shared/app-api/monitoring.js';
import type { OperationOutput, OperationParsedInput } from '../../shared/app-api/operations.js';
import { DriftDistributionsSchema, DriftMethodSchema, EffectSizeSchema, PREDICTION_COLUMN, type ColumnDrift } from '../../shared/monitoring.js';
import { MLDeskError, notFound } from '../core/errors.js';
import { modelAlerts } from '../core/monitoring/monitoring-alerts-read.js';
import { monitoringLineage } from '../core/monitoring/monitoring-lineage.js';
import {
  heatmapFeatures,
  monitorSettings,
  pickVersion,
  readHeatmap,
  readTimeline,
  referenceFacts,
  requireVersion,
  type MetricRow,
} from '../core/monitoring/monitoring-queries.js';
import { defaultColumn, nullRateMetric, readColumnMetric, readWindow } from '../core/monitoring/monitoring-window-queries.js';
import type { Services } from '../core/services.js';

type MonitoringOperation = 'monitoring.overview' | 'monitoring.heatmap' | 'monitoring.cell' | 'monitoring.lineage';
type Input<K extends MonitoringOperation> = OperationParsedInput<K>;
type Output<K extends MonitoringOperation> = OperationOutput<K>;

const record = (value: unknown): Record<string, unknown> => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** A stored drift row back as the ColumnDrift it was computed as: the columns hold the verdict, detail_json the rest. */
function columnDrift(row: MetricRow, nullRow: MetricRow | null, kind: ColumnDrift['type'] | null, referenceRows: number | null, windowRows: number): ColumnDrift {
  let detail: Record<string, unknown> = {};
  try {
    detail = record(row.detail_json === null ? null : JSON.parse(row.detail_json));
  } catch {
    // A detail that no longer parses leaves the verdict without its charts.
  }
  const method = DriftMethodSchema.safeParse(row.method);
  const effect = EffectSizeSchema.safeParse(detail.effectSize);
  const distributions = DriftDistributionsSchema.safeParse(detail.distributions);
  const nullRate = record(detail.nullRate);
  const nullDetail = record(nullRow?.detail_json ? JSON.parse(nullRow.detail_json) : null);
  const type = typeof detail.type === 'string' && ['numeric', 'categorical', 'binary'].includes(detail.type) ? (detail.type as ColumnDrift['type']) : (kind ?? 'numeric');
  return {
    column: row.column_name,
    type,
    method: method.success ? method.data : 'psi',
    statistic: row.statistic,
    pValue: row.p_value,
    threshold: row.threshold ?? 0,
    drifted: row.drifted === null ? null : row.drifted === 1,
    reason: typeof detail.reason === 'string' ? detail.reason : null,
    psi: num(detail.psi),
    effectSize: effect.success ? effect.data : null,
    referenceRows: num(detail.referenceRows) ?? referenceRows ?? 0,
    currentRows: num(detail.currentRows) ?? windowRows,
    nullRate: { reference: num(nullRate.reference) ?? num(nullDetail.reference) ?? 0, current: num(nullRate.current) ?? nullRow?.statistic ?? 0 },
    distributions: distributions.success ? distributions.data : null,
  };
}

/** The monitoring page's reads (contract in shared/app-api/monitoring.ts); only stored window rows are read. */
export function createMonitoringReadHandlers({ store, deployments }: Pick<Services, 'store' | 'deployments'>) {
  const db = store.db;
  const heatmap = ({ model, version, until, count }: Input<'monitoring.heatmap'>): Output<'monitoring.heatmap'> => {
    const picked = requireVersion(db, model, version);
    const facts = referenceFacts(db, picked.versionPk);
    return readHeatmap(db, picked.versionPk, until, count, heatmapFeatures(db, picked.versionPk, facts));
  };
  const cell = ({ model, version, window, column }: Input<'monitoring.cell'>): Output<'monitoring.cell'> => {
    const picked = requireVersion(db, model, version);
    const stored = readWindow(db, picked.versionPk, window);
    const facts = referenceFacts(db, picked.versionPk);
    const shown = column ?? defaultColumn(db, Number(window), facts) ?? PREDICTION_COLUMN;
    const row = readColumnMetric(db, Number(window), shown);
    if (!row) throw notFound(`Window ${window} holds no drift statistic for ${shown === PREDICTION_COLUMN ? 'the prediction' : `column '${shown}'`}.`);
    const referenceRows = facts.reference?.rows ?? null;
    return { window: stored, drift: columnDrift(row, nullRateMetric(db, Number(window), shown), facts.kinds.get(shown) ?? null, referenceRows, stored.rows), referenceRows };
  };
  const lineage = ({ model, version, window, column }: Input<'monitoring.lineage'>): Output<'monitoring.lineage'> =>
    monitoringLineage(db, model, requireVersion(db, model, version), window, column, deployments.list());
  /** A part of the first view that fails (a window without that column) is left for the page to ask again, and show the error. */
  const orNull = <T>(read: () => T): T | null => {
    try {
      return read();
    } catch (error) {
      if (error instanceof MLDeskError) return null;
      throw error;
    }
  };

  return {
    'monitoring.overview': ({ model, version, firstView }: Input<'monitoring.overview'>): Output<'monitoring.overview'> => {
      const { picked, versions, modelId } = pickVersion(db, model, version);
      const settings = monitorSettings(db, modelId);
      const alerts = modelAlerts(db, model, modelId);
      if (!picked) {
        return {
          model,
          versions,
          version: null,
          reference: null,
          settings,
          features: [],
          timeline: { ids: [], from: [], to: [], rows: [], labelled: [], complete: [], driftShare: [], datasetDrift: [] },
          windowCount: 0,
          truncated: false,
          prediction: null,
          quality: { series: [], labelCoverage: [] },
          alerts,
          firstView: null,
        };
      }
      const facts = referenceFacts(db, picked.versionPk);
      const timeline = readTimeline(db, picked.versionPk, facts);
      const overview = { model, versions, version: picked.version, reference: facts.reference, settings, ...timeline, alerts };
      const ids = timeline.timeline.ids;
      if (!firstView || ids.length === 0) return { ...overview, firstView: null };
      // The page's own choices, made here the same way: the asked window if listed, else the newest.
      const asked = firstView.window ? ids.indexOf(firstView.window) : -1;
      const selected = asked >= 0 ? asked : ids.length - 1;
      const window = ids[selected]!;
      const until = ids[heatmapSpanEnd(ids.length, selected, firstView.count)]!;
      const column = firstView.column && timeline.features.some((f) => f.name === firstView.column) ? firstView.column : null;
      const input = { model, version: picked.version, window, ...(column ? { column } : {}) };
      return {
        ...overview,
        firstView: {
          window,
          until,
          count: firstView.count,
          column,
          heatmap: heatmap({ model, version: picked.version, until, count: firstView.count }),
          cell: orNull(() => cell(input)),
          lineage: orNull(() => lineage(input)),
        },
      };
    },
    'monitoring.heatmap': heatmap,
    'monitoring.cell': cell,
    'monitoring.lineage': lineage,
  };
}
