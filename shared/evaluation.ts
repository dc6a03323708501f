import { z } from 'zod';

/**
 * The evaluation MLDesk training writes for a reviewer, computed once on the validation split at
 * the end of training: one JSON artifact per figure under `evaluation/`, and the same figures as
 * the app API returns them. Pure zod schemas: no Node, no DOM.
 */

export const EVALUATION_DIR = 'evaluation';
export const EVALUATION_FORMAT = 'mldesk.evaluation';

/** Artifact file names, relative to the run's `evaluation/` folder. */
export const EVALUATION_FILES = {
  summary: 'summary.json',
  confusionMatrix: 'confusion_matrix.json',
  roc: 'roc_curve.json',
  pr: 'pr_curve.json',
  perClass: 'per_class.json',
  calibration: 'calibration.json',
  residuals: 'residuals.json',
  predictedVsActual: 'predicted_vs_actual.json',
  errorHistogram: 'error_histogram.json',
} as const;

/** The scalar summaries an evaluation adds to a run's metrics (val_auc is also logged every epoch). */
export const EVALUATION_METRIC_KEYS = ['val_precision', 'val_recall', 'val_pr_auc', 'val_median_abs_error', 'val_mean_residual'] as const;

/** A figure that cannot be computed (AUC of a class absent from the split) is null, not NaN (JSON has no NaN). */
const score = z.number().nullable();

export const EvaluationSummarySchema = z.object({
  format: z.literal(EVALUATION_FORMAT),
  version: z.literal(1),
  task: z.enum(['classification', 'regression']),
  split: z.literal('validation'),
  rows: z.number().int(),
  /** Class labels in the model's order (classification). */
  classes: z.array(z.string()).optional(),
  /** The scalar summaries, also logged as the run's metrics (val_auc, val_pr_auc, …). */
  metrics: z.record(z.string(), z.number()),
});
export type EvaluationSummary = z.infer<typeof EvaluationSummarySchema>;

export const ConfusionMatrixSchema = z.object({
  labels: z.array(z.string()),
  /** matrix[actual][predicted] row counts, in `labels` order. */
  matrix: z.array(z.array(z.number().int())),
});

/** A curve of one class against the rest (binary models: the positive class only). */
export const RocCurveSchema = z.object({
  class: z.string(),
  auc: score,
  /** [false positive rate, true positive rate] from (0, 0) to (1, 1), by decreasing threshold. */
  points: z.array(z.tuple([z.number(), z.number()])),
});
export const PrCurveSchema = z.object({
  class: z.string(),
  /** Average precision: Σ (Rₙ − Rₙ₋₁) Pₙ over decreasing thresholds (scikit-learn's definition). */
  averagePrecision: score,
  /** Share of positives: the precision of a model that guesses. */
  prevalence: z.number(),
  /** [recall, precision] from recall 0, by decreasing threshold. */
  points: z.array(z.tuple([z.number(), z.number()])),
});
export const CurvesSchema = <T extends z.ZodTypeAny>(curve: T) => z.object({ curves: z.array(curve), average: score });

export const ClassScoresSchema = z.object({ precision: z.number(), recall: z.number(), f1: z.number() });
export const PerClassSchema = z.object({
  classes: z.array(ClassScoresSchema.extend({ class: z.string(), support: z.number().int() })),
  macro: ClassScoresSchema,
  /** Averages weighted by support. */
  weighted: ClassScoresSchema,
  accuracy: z.number(),
});

export const CalibrationSchema = z.object({
  /** Equal-width probability bins over [0, 1]; only bins holding rows are listed. */
  bins: z.number().int(),
  curves: z.array(
    z.object({
      class: z.string(),
      points: z.array(z.object({ meanPredicted: z.number(), fractionPositive: z.number(), count: z.number().int() })),
    }),
  ),
});

const sample = { total: z.number().int(), sampled: z.boolean() };
export const ResidualsSchema = z.object({ ...sample, points: z.array(z.object({ predicted: z.number(), residual: z.number() })) });
export const PredictedVsActualSchema = z.object({ ...sample, points: z.array(z.object({ actual: z.number(), predicted: z.number() })) });
export const ErrorHistogramSchema = z.object({
  /** Residual = actual − predicted. */
  bins: z.array(z.object({ from: z.number(), to: z.number(), count: z.number().int() })),
  mean: z.number(),
  std: z.number(),
});

export const ClassifierEvaluationSchema = z.object({
  task: z.literal('classification'),
  summary: EvaluationSummarySchema,
  /** Null when the model has more classes than a matrix can show. */
  confusionMatrix: ConfusionMatrixSchema.nullable(),
  roc: CurvesSchema(RocCurveSchema),
  pr: CurvesSchema(PrCurveSchema),
  perClass: PerClassSchema,
  calibration: CalibrationSchema,
});
export const RegressorEvaluationSchema = z.object({
  task: z.literal('regression'),
  summary: EvaluationSummarySchema,
  residuals: ResidualsSchema,
  predictedVsActual: PredictedVsActualSchema,
  errorHistogram: ErrorHistogramSchema,
});
export const RunEvaluationSchema = z.discriminatedUnion('task', [ClassifierEvaluationSchema, RegressorEvaluationSchema]);
export type ClassifierEvaluation = z.infer<typeof ClassifierEvaluationSchema>;
export type RegressorEvaluation = z.infer<typeof RegressorEvaluationSchema>;
export type RunEvaluation = z.infer<typeof RunEvaluationSchema>;

/** At most this many runs per `runs.evaluation` call (a model page compares its versions). */
export const EVALUATION_RUNS_LIMIT = 20;

export const evaluationOperations = {
  'runs.evaluation': {
    input: z.object({
      runIds: z
        .array(z.string().min(1, 'is required'))
        .min(1, 'needs at least one run id')
        .max(EVALUATION_RUNS_LIMIT, `may name at most ${EVALUATION_RUNS_LIMIT} runs`),
    }),
    /** evaluation is null for a run without one (logged from an MLflow client, or trained before evaluations were written). */
    output: z.object({ evaluations: z.array(z.object({ runId: z.string(), evaluation: RunEvaluationSchema.nullable() })) }),
  },
} as const;
