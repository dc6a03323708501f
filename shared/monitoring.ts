import { z } from 'zod';

/**
 * Monitoring as every side sees it (core, API, renderer, CLI --json): what a reference profile keeps
 * per column, one column's drift verdict, a window's report, and a model's monitoring settings.
 * Pure zod schemas: no Node, no DOM.
 */

export const DRIFT_METHODS = ['ks', 'chisquare', 'ztest', 'wasserstein', 'jensenshannon', 'psi'] as const;
export const DriftMethodSchema = z.enum(DRIFT_METHODS);
export type DriftMethod = z.infer<typeof DriftMethodSchema>;

/** How drift sees a column: numeric (> 5 distinct values), categorical (strings, or ≤ 5 distinct numbers), binary (2 values). */
export const DRIFT_COLUMN_KINDS = ['numeric', 'categorical', 'binary'] as const;
export const DriftColumnKindSchema = z.enum(DRIFT_COLUMN_KINDS);
export type DriftColumnKind = z.infer<typeof DriftColumnKindSchema>;

/** Evidently's defaults, restated here so the UI can print the rule beside each verdict. */
export const DRIFT_DEFAULTS = {
  /** Reference size at or below which the statistical tests (p-values) apply; above it, distances. */
  smallReferenceRows: 1000,
  pValue: 0.05,
  distance: 0.1,
  /** Wasserstein distance is divided by the reference std, floored here. */
  stdFloor: 0.001,
  /** Dataset drift when at least this share of the features drift. */
  datasetShare: 0.5,
  /** Below this many non-null current values no verdict is given (evidently #509). */
  minWindowRows: 30,
} as const;

const histogram = z.object({ edges: z.array(z.number()), counts: z.array(z.number()) });

/** What a reference profile keeps of one column, enough for every drift test without the raw rows. */
export const ReferenceColumnSchema = z.object({
  name: z.string(),
  kind: DriftColumnKindSchema,
  /** Non-null values. */
  count: z.number().int().nonnegative(),
  nulls: z.number().int().nonnegative(),
  distinct: z.number().int().nonnegative(),
  /** Numeric: ascending values, all of them up to a cap, else evenly spaced quantiles (`sampled`). */
  sorted: z.array(z.number()).optional(),
  sampled: z.boolean().optional(),
  mean: z.number().optional(),
  std: z.number().optional(),
  /** Numeric: the histogram the charts and PSI use; its edges bin the current window too. */
  histogram: histogram.optional(),
  /** Categorical and binary: value → count. */
  categories: z.record(z.string(), z.number()).optional(),
});
export type ReferenceColumn = z.infer<typeof ReferenceColumnSchema>;

/** The reference of a model version: its features' columns and the model's outputs on that data. */
export const ReferenceProfileSchema = z.object({
  rows: z.number().int().nonnegative(),
  columns: z.array(ReferenceColumnSchema),
  /** The model's output on the reference rows: its predicted label (classifier) or value (regressor). */
  prediction: ReferenceColumnSchema.nullable(),
});
export type ReferenceProfile = z.infer<typeof ReferenceProfileSchema>;

export const EffectSizeSchema = z.object({
  /** e.g. cohens_d, cramers_v, wasserstein_std, js_distance. */
  name: z.string(),
  value: z.number(),
  magnitude: z.enum(['negligible', 'small', 'medium', 'large']),
});
export type EffectSize = z.infer<typeof EffectSizeSchema>;

/** Reference and current distributions on the same bins, for the overlay chart. */
export const DriftDistributionsSchema = z.union([
  z.object({ kind: z.literal('histogram'), edges: z.array(z.number()), reference: z.array(z.number()), current: z.array(z.number()) }),
  z.object({ kind: z.literal('categories'), categories: z.array(z.string()), reference: z.array(z.number()), current: z.array(z.number()) }),
]);
export type DriftDistributions = z.infer<typeof DriftDistributionsSchema>;

/** One column's drift verdict: the test, its statistic and threshold, and a reading of its size. */
export const ColumnDriftSchema = z.object({
  column: z.string(),
  type: DriftColumnKindSchema,
  method: DriftMethodSchema,
  /** The test's statistic or distance; null when no verdict was given. */
  statistic: z.number().nullable(),
  /** Tests (ks, chisquare, ztest): the p-value, which `threshold` bounds; distances: null. */
  pValue: z.number().nullable(),
  threshold: z.number(),
  /** Null: no verdict (see `reason`, e.g. fewer current values than the minimum window). */
  drifted: z.boolean().nullable(),
  reason: z.string().nullable(),
  /** Population stability index, beside every numeric verdict. */
  psi: z.number().nullable(),
  effectSize: EffectSizeSchema.nullable(),
  referenceRows: z.number().int().nonnegative(),
  currentRows: z.number().int().nonnegative(),
  nullRate: z.object({ reference: z.number(), current: z.number() }),
  distributions: DriftDistributionsSchema.nullable(),
});
export type ColumnDrift = z.infer<typeof ColumnDriftSchema>;

export const DatasetDriftSchema = z.object({
  columns: z.array(ColumnDriftSchema),
  driftedColumns: z.number().int().nonnegative(),
  /** Drifted over columns that got a verdict. */
  shareDrifted: z.number(),
  datasetDrift: z.boolean(),
});
export type DatasetDrift = z.infer<typeof DatasetDriftSchema>;

/** A per-model override of one column's method and/or threshold. */
export const DriftOverrideSchema = z.object({
  method: DriftMethodSchema.optional(),
  threshold: z.number().positive().optional(),
});

export const WindowSpecSchema = z.union([
  z.object({ by: z.literal('count'), size: z.number().int().min(1).max(10_000_000) }),
  z.object({ by: z.literal('hour') }),
  z.object({ by: z.literal('day') }),
]);
export type WindowSpec = z.infer<typeof WindowSpecSchema>;

/** Monitoring settings of one registered model (all its versions). */
export const MonitorSettingsSchema = z.object({
  window: WindowSpecSchema.default({ by: 'count', size: 1000 }),
  minWindowRows: z.number().int().min(1).default(DRIFT_DEFAULTS.minWindowRows),
  datasetShare: z.number().gt(0).max(1).default(DRIFT_DEFAULTS.datasetShare),
  /** Column name (or `__prediction__`) → override. */
  overrides: z.record(z.string(), DriftOverrideSchema).default({}),
});
export type MonitorSettings = z.infer<typeof MonitorSettingsSchema>;

/** The column name under which prediction drift is stored beside the features. */
export const PREDICTION_COLUMN = '__prediction__';

/**
 * Kinds of rows in `monitoring_metrics`. Each row names its window (and so the model version, the
 * reference dataset version and the window bounds): that is the metric's lineage.
 */
export const MONITORING_METRIC_KINDS = ['feature_drift', 'prediction_drift', 'null_rate', 'dataset_drift', 'quality', 'estimated_quality'] as const;
export type MonitoringMetricKind = (typeof MONITORING_METRIC_KINDS)[number];

/**
 * One row of `monitoring_metrics` as computed, before it is stored on its window. Drift rows use
 * the column and the drift method; quality rows use `column` for the metric's name (accuracy,
 * f1_macro, roc_auc, rmse, label_coverage, ...) and `method` for how it was had (realised, cbpe).
 */
export interface MonitoringMetricRow {
  kind: MonitoringMetricKind;
  column: string;
  method: string;
  statistic: number | null;
  pValue: number | null;
  threshold: number | null;
  drifted: boolean | null;
  /** JSON-serialisable: PSI, effect size, distributions (ColumnDrift), an estimate's band, a calibration curve. */
  detail: unknown;
}
