import { z } from 'zod';
import { modelName, versionNumber } from './fields.js';
import { AlertSchema } from '../alerts.js';
import { ColumnDriftSchema, DriftColumnKindSchema, MonitorSettingsSchema } from '../monitoring.js';

/**
 * The monitoring page's read operations. They read only the stored window and metric rows (never
 * the prediction log itself), so opening the page costs the same for a thousand logged predictions
 * or a million; series come as parallel arrays, one entry per window, oldest first.
 */

export const MONITORING_LIMITS = {
  /** Newest windows one overview returns; the page says when older ones were left out. */
  timelineWindows: 5000,
  /** Windows (columns) one heat-map call may span. */
  heatmapWindows: 400,
  /** Feature-drift nodes the metrics-lineage graph draws; the rest are summed in one node. */
  lineageFeatureNodes: 10,
} as const;

const model = modelName;
const version = versionNumber;
const windowId = z.string().regex(/^[1-9]\d*$/, 'must be a window id (digits)');

export const MonitoringReferenceSchema = z.object({
  /** `name@version` of the reference dataset version. */
  dataset: z.string(),
  sha256: z.string(),
  source: z.enum(['lineage', 'manual']),
  status: z.enum(['pending', 'ready', 'failed']),
  error: z.string().nullable(),
  /** Rows of the reference (the profile's row count); null until the profile is ready. */
  rows: z.number().nullable(),
});
export type MonitoringReference = z.infer<typeof MonitoringReferenceSchema>;

export const MonitoredFeatureSchema = z.object({
  name: z.string(),
  kind: DriftColumnKindSchema.nullable(),
  method: z.string(),
  threshold: z.number().nullable(),
});
export type MonitoredFeature = z.infer<typeof MonitoredFeatureSchema>;

const nullableNumbers = z.array(z.number().nullable());
const nullableFlags = z.array(z.boolean().nullable());

export const MonitoringTimelineSchema = z.object({
  ids: z.array(z.string()),
  from: z.array(z.number()),
  to: z.array(z.number()),
  rows: z.array(z.number()),
  labelled: z.array(z.number()),
  complete: z.array(z.boolean()),
  /** Dataset drift per window: the share of features that drifted, and the verdict. */
  driftShare: nullableNumbers,
  datasetDrift: nullableFlags,
});
export type MonitoringTimeline = z.infer<typeof MonitoringTimelineSchema>;

/** The model's output per window: the share of each class (or each histogram bin of a value). */
export const PredictionTimelineSchema = z.object({
  kind: z.enum(['categories', 'histogram']),
  bins: z.array(z.string()),
  /** shares[window][bin], null where the window has no prediction-drift row. */
  shares: z.array(z.array(z.number()).nullable()),
  reference: z.array(z.number()),
  statistic: nullableNumbers,
  drifted: nullableFlags,
});
export type PredictionTimeline = z.infer<typeof PredictionTimelineSchema>;

export const QualitySeriesSchema = z.object({
  metric: z.string(),
  threshold: z.number().nullable(),
  realised: nullableNumbers,
  /** CBPE's estimate and its band, where the engine gave one. */
  estimated: nullableNumbers,
  lower: nullableNumbers,
  upper: nullableNumbers,
});
export type QualitySeries = z.infer<typeof QualitySeriesSchema>;

export const MonitoringOverviewSchema = z.object({
  model: z.string(),
  versions: z.array(z.object({ version: z.string(), windows: z.number() })),
  /** The version shown: the one asked for, else the champion's, else the newest with windows. */
  version: z.string().nullable(),
  reference: MonitoringReferenceSchema.nullable(),
  settings: MonitorSettingsSchema,
  /** Drift-monitored columns of the newest window, the prediction (`__prediction__`) last. */
  features: z.array(MonitoredFeatureSchema),
  timeline: MonitoringTimelineSchema,
  windowCount: z.number(),
  /** Older windows than the newest `MONITORING_LIMITS.timelineWindows` were left out. */
  truncated: z.boolean(),
  prediction: PredictionTimelineSchema.nullable(),
  quality: z.object({ series: z.array(QualitySeriesSchema), labelCoverage: nullableNumbers }),
  alerts: z.array(AlertSchema),
});
export type MonitoringOverview = z.infer<typeof MonitoringOverviewSchema>;

/** Drift statistics of a span of windows, feature-major: cells[feature][window]. */
export const MonitoringHeatmapSchema = z.object({
  windowIds: z.array(z.string()),
  from: z.array(z.number()),
  features: z.array(z.string()),
  /** Statistic relative to its threshold: ≥ 1 is on the drift side (p-values on a log scale). */
  score: z.array(nullableNumbers),
  statistic: z.array(nullableNumbers),
  drifted: z.array(nullableFlags),
});
export type MonitoringHeatmap = z.infer<typeof MonitoringHeatmapSchema>;

export const MonitoringWindowSchema = z.object({
  id: z.string(),
  spec: z.string(),
  from: z.number(),
  to: z.number(),
  rows: z.number(),
  labelled: z.number(),
  complete: z.boolean(),
  referenceDataset: z.string().nullable(),
  referenceSha256: z.string().nullable(),
});
export type MonitoringWindow = z.infer<typeof MonitoringWindowSchema>;

export const MONITORING_LINEAGE_KINDS = ['dataset', 'run', 'model_version', 'deployment', 'window', 'metric'] as const;
export const MonitoringLineageNodeSchema = z.object({
  id: z.string(),
  kind: z.enum(MONITORING_LINEAGE_KINDS),
  label: z.string(),
  detail: z.string(),
  /** What the node links to: a dataset ref, a run id, a window id, a metric's column. */
  target: z.object({ dataset: z.string().optional(), runId: z.string().optional(), window: z.string().optional(), column: z.string().optional() }),
  /** Metric nodes: the verdict, for colour. */
  drifted: z.boolean().nullable(),
});
export type MonitoringLineageNode = z.infer<typeof MonitoringLineageNodeSchema>;
export const MonitoringLineageSchema = z.object({
  nodes: z.array(MonitoringLineageNodeSchema),
  edges: z.array(z.object({ from: z.string(), to: z.string(), relation: z.string() })),
});
export type MonitoringLineage = z.infer<typeof MonitoringLineageSchema>;

/**
 * The heat map's span holding window `selected` of `total`: pages of `count` windows counted back
 * from the newest, so paging through windows moves the span in whole pages. Returns the newest index.
 */
export function heatmapSpanEnd(total: number, selected: number, count: number): number {
  return total - 1 - Math.floor((total - 1 - selected) / count) * count;
}

const MonitoringCellSchema = z.object({ window: MonitoringWindowSchema, drift: ColumnDriftSchema, referenceRows: z.number().nullable() });

/**
 * What the page shows first, sent with the overview so opening it is one round trip: the heat map
 * span holding the window, the window's cell and its lineage, exactly as monitoring.heatmap /
 * monitoring.cell / monitoring.lineage answer for these inputs (null where they would fail).
 */
export const MonitoringFirstViewSchema = z.object({
  window: z.string(),
  until: z.string(),
  count: z.number(),
  column: z.string().nullable(),
  heatmap: MonitoringHeatmapSchema,
  cell: MonitoringCellSchema.nullable(),
  lineage: MonitoringLineageSchema.nullable(),
});
export type MonitoringFirstView = z.infer<typeof MonitoringFirstViewSchema>;

export const monitoringOperations = {
  'monitoring.overview': {
    input: z.object({
      model,
      version: version.optional(),
      /** Also answer the first view: the window (newest when absent), its feature, the heat map's width in windows. */
      firstView: z
        .object({
          window: windowId.optional(),
          column: z.string().min(1, 'cannot be empty').optional(),
          count: z.number().int().min(1).max(MONITORING_LIMITS.heatmapWindows, `may span at most ${MONITORING_LIMITS.heatmapWindows} windows`),
        })
        .optional(),
    }),
    output: MonitoringOverviewSchema.extend({ firstView: MonitoringFirstViewSchema.nullable().optional() }),
  },
  'monitoring.heatmap': {
    input: z.object({
      model,
      version,
      /** The newest window of the span; the version's newest when absent. */
      until: windowId.optional(),
      count: z.number().int().min(1).max(MONITORING_LIMITS.heatmapWindows, `may span at most ${MONITORING_LIMITS.heatmapWindows} windows`),
    }),
    output: MonitoringHeatmapSchema,
  },
  /** One feature (or `__prediction__`) in one window: the verdict with both distributions. */
  'monitoring.cell': {
    /** Without `column`: the first feature that drifted in the window, else the first feature. */
    input: z.object({ model, version, window: windowId, column: z.string().min(1, 'cannot be empty').optional() }),
    output: MonitoringCellSchema,
  },
  /** Dataset version → run → model version → deployment → window → each metric of that window. */
  'monitoring.lineage': {
    input: z.object({ model, version, window: windowId, column: z.string().optional() }),
    output: MonitoringLineageSchema,
  },
};
