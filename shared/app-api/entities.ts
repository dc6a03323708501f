import { z } from 'zod';
import { RUN_STATUSES, VIEW_TYPES } from '../tracking-types.js';

/** Entities of the app API (the renderer's view of the lineage store). Times are ms since the epoch. */
export const KeyValueSchema = z.object({ key: z.string(), value: z.string() });

export const ExperimentSummarySchema = z.object({
  experimentId: z.string(),
  name: z.string(),
  lifecycleStage: z.enum(['active', 'deleted']),
  creationTime: z.number(),
  lastUpdateTime: z.number(),
  runCount: z.number(),
  lastRunTime: z.number().nullable(),
  tags: z.array(KeyValueSchema),
});
export type ExperimentSummary = z.infer<typeof ExperimentSummarySchema>;

/** A metric value as JSON can carry it: NaN and infinities are spelled out. */
export const MetricValueSchema = z.union([z.number(), z.literal('NaN'), z.literal('Infinity'), z.literal('-Infinity')]);
export type MetricValue = z.infer<typeof MetricValueSchema>;

/** A registered model version trained by a run, with the aliases pointing at it. */
export const RunModelSchema = z.object({ name: z.string(), version: z.string(), aliases: z.array(z.string()) });
export type RunModel = z.infer<typeof RunModelSchema>;

export const RunRowSchema = z.object({
  runId: z.string(),
  runName: z.string(),
  experimentId: z.string(),
  status: z.enum(RUN_STATUSES),
  lifecycleStage: z.enum(['active', 'deleted']),
  startTime: z.number().nullable(),
  endTime: z.number().nullable(),
  params: z.record(z.string(), z.string()),
  metrics: z.record(z.string(), MetricValueSchema),
  tags: z.record(z.string(), z.string()),
  /** Registered versions of this run (runs.page fills it in). */
  models: z.array(RunModelSchema).optional(),
});
export type RunRow = z.infer<typeof RunRowSchema>;

export const LatestMetricSchema = z.object({ key: z.string(), value: MetricValueSchema, step: z.number(), timestamp: z.number() });
export type LatestMetric = z.infer<typeof LatestMetricSchema>;

export const RunDetailSchema = RunRowSchema.extend({
  userId: z.string(),
  artifactUri: z.string(),
  description: z.string(),
  latestMetrics: z.array(LatestMetricSchema),
  /** Metric keys with a single logged point: shown as values, not charts. */
  singlePointMetrics: z.array(z.string()),
  datasets: z.array(
    z.object({ name: z.string(), digest: z.string(), sourceType: z.string(), source: z.string(), context: z.string().nullable() }),
  ),
});
export type RunDetail = z.infer<typeof RunDetailSchema>;

export const X_AXES = ['step', 'wall', 'relative'] as const;
export type XAxis = (typeof X_AXES)[number];

/**
 * One downsampled series. x/y are the points to draw; when `sampled` is true each point stands for a
 * bucket and yMin/yMax hold that bucket's extremes, so spikes stay visible.
 */
export const MetricSeriesSchema = z.object({
  runId: z.string(),
  key: z.string(),
  /** Points behind the series: every logged point when whole, the finite ones when sampled. */
  total: z.number(),
  sampled: z.boolean(),
  x: z.array(z.number()),
  y: z.array(z.number().nullable()),
  yMin: z.array(z.number().nullable()).optional(),
  yMax: z.array(z.number().nullable()).optional(),
});
export type MetricSeries = z.infer<typeof MetricSeriesSchema>;

export const ArtifactEntrySchema = z.object({ path: z.string(), isDir: z.boolean(), size: z.number().nullable() });
export type ArtifactEntry = z.infer<typeof ArtifactEntrySchema>;

export const ArtifactPreviewSchema = z.object({
  path: z.string(),
  kind: z.enum(['text', 'json', 'csv', 'image', 'binary']),
  size: z.number(),
  truncated: z.boolean(),
  text: z.string().optional(),
  /** Same-origin URL of the raw file, for images and downloads. */
  url: z.string(),
});
export type ArtifactPreview = z.infer<typeof ArtifactPreviewSchema>;

export const ViewTypeSchema = z.enum(VIEW_TYPES);
