import { z } from 'zod';
import { versionNumber } from './fields.js';

/**
 * The prediction log as the app sees it: every row a model server scored (inputs, output, the
 * version that answered, latency) with the ground truth joined when it came back, newest first in
 * keyset pages; and a summary per version plus request volume over time for the charts.
 * Times are ms since the epoch.
 */

export const FEEDBACK_FILTERS = ['any', 'with', 'without'] as const;

/** An input outside the range its feature had in training: scored, but an extrapolation. */
export const RangeWarningSchema = z.object({ feature: z.string(), value: z.number(), min: z.number(), max: z.number(), message: z.string() });
export type RangeWarning = z.infer<typeof RangeWarningSchema>;

const warnings = z.array(RangeWarningSchema).optional();
export const PredictionOutputSchema = z.union([
  // Predictions imported from elsewhere may come without probabilities (prediction-import.ts).
  z.object({ label: z.string(), probabilities: z.record(z.string(), z.number()).optional(), warnings }),
  z.object({ value: z.number(), warnings }),
]);
export type PredictionOutput = z.infer<typeof PredictionOutputSchema>;

export const PredictionRecordSchema = z.object({
  requestId: z.string(),
  modelVersion: z.string(),
  runId: z.string().nullable(),
  inputs: z.record(z.string(), z.unknown()),
  output: PredictionOutputSchema,
  latencyMs: z.number(),
  endpoint: z.string(),
  timestamp: z.number(),
  feedback: z.object({ actual: z.union([z.string(), z.number()]), timestamp: z.number() }).nullable(),
});
export type PredictionRecord = z.infer<typeof PredictionRecordSchema>;

export const PredictionQuerySchema = z.object({
  model: z.string().min(1, 'is required'),
  version: versionNumber.optional(),
  since: z.number().int().min(0).optional(),
  until: z.number().int().min(0).optional(),
  feedback: z.enum(FEEDBACK_FILTERS).optional(),
  label: z.string().min(1).optional(),
  requestId: z.string().trim().min(1).optional(),
  limit: z.number().int().min(1).max(500),
  pageToken: z.string().optional(),
});
export type PredictionQuery = z.infer<typeof PredictionQuerySchema>;

export const PredictionVersionStatsSchema = z.object({
  version: z.string(),
  count: z.number(),
  withFeedback: z.number(),
  meanLatencyMs: z.number(),
  /** Classifiers: share of rows with ground truth whose predicted class was right; null without any. */
  accuracy: z.number().nullable(),
  /** Regressors: mean absolute error over rows with ground truth; null without any. */
  mae: z.number().nullable(),
});
export type PredictionVersionStats = z.infer<typeof PredictionVersionStatsSchema>;

export const PredictionStatsSchema = z.object({
  total: z.number(),
  withFeedback: z.number(),
  firstTimestamp: z.number().nullable(),
  lastTimestamp: z.number().nullable(),
  byVersion: z.array(PredictionVersionStatsSchema),
  /** Requests over time: equal buckets from the first to the last prediction, counts per version. */
  volume: z.object({
    bucketMs: z.number(),
    buckets: z.array(z.object({ start: z.number(), counts: z.record(z.string(), z.number()), meanLatencyMs: z.number() })),
  }),
});
export type PredictionStats = z.infer<typeof PredictionStatsSchema>;

/** A request a model server refused (4xx), with why and what was sent. */
export const RefusalSchema = z.object({
  version: z.string().nullable(),
  endpoint: z.string(),
  status: z.number(),
  code: z.string(),
  reason: z.string(),
  /** The offending row as JSON when the reason names one, else the start of the body. */
  input: z.string(),
  timestamp: z.number(),
});
export type Refusal = z.infer<typeof RefusalSchema>;

const cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);
/** A row a caller can send to a version: its signature's features, filled from its training data. */
export const ExampleRowSchema = z.object({
  row: z.record(z.string(), cell),
  /** Where the values come from: a row of the training dataset, or the signature's medians and most frequent classes. */
  source: z.enum(['training-data', 'signature']),
  /** The dataset version the row was read from (`name@version`), when it was. */
  dataset: z.string().nullable(),
});
export type ExampleRow = z.infer<typeof ExampleRowSchema>;
export const PredictionQualitySchema = z.object({
  labelled: z.number(),
  classes: z.array(z.string()),
  /** matrix[actual][predicted], in the order of `classes`. */
  matrix: z.array(z.array(z.number())),
  trend: z.object({
    bucketMs: z.number(),
    points: z.array(z.object({ start: z.number(), version: z.string(), count: z.number(), accuracy: z.number().nullable(), mae: z.number().nullable() })),
  }),
  /** What each version scored on its validation split when trained (`val_accuracy` / `val_mae`). */
  validation: z.array(z.object({ version: z.string(), metric: z.string(), value: z.number() })),
});
export type PredictionQuality = z.infer<typeof PredictionQualitySchema>;

export const FeedbackHistorySchema = z.array(z.object({ actual: z.union([z.string(), z.number()]), timestamp: z.number() }));

export const predictionOperations = {
  'predictions.refusals': {
    input: z.object({ model: z.string().min(1, 'is required'), limit: z.number().int().min(1).max(500).default(50) }),
    /** Newest first; at most the newest 500 per model are kept. */
    output: z.object({ refusals: z.array(RefusalSchema) }),
  },
  'predictions.example': {
    input: z.object({ model: z.string().min(1, 'is required'), version: versionNumber }),
    output: ExampleRowSchema,
  },
  'predictions.page': {
    input: PredictionQuerySchema,
    output: z.object({ predictions: z.array(PredictionRecordSchema), nextPageToken: z.string().optional() }),
  },
  'predictions.stats': {
    input: z.object({ model: z.string().min(1, 'is required'), since: z.number().int().min(0).optional() }),
    output: PredictionStatsSchema,
  },
  'predictions.quality': {
    input: z.object({ model: z.string().min(1, 'is required'), version: PredictionQuerySchema.shape.version, since: z.number().int().min(0).optional() }),
    output: PredictionQualitySchema,
  },
  /** One prediction in full, with every ground truth sent for it (a correction does not erase the first). */
  'predictions.get': {
    input: z.object({ model: z.string().min(1, 'is required'), requestId: z.string().trim().min(1, 'is required') }),
    output: z.object({ prediction: PredictionRecordSchema, feedbackHistory: FeedbackHistorySchema }),
  },
};
