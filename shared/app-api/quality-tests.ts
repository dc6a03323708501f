import { z } from 'zod';
import { versionNumber } from './fields.js';
import { RunEvaluationSchema } from '../evaluation.js';

/**
 * Quality tests on demand (issue 13): a model version evaluated on a dataset version, kept with its
 * lineage (the version, the evaluated dataset version and its sha256, the training dataset version)
 * and the count of evaluated rows that are also training rows. Pure zod schemas: no Node, no DOM.
 */

const version = versionNumber;

export const QualityTestDatasetSchema = z.object({
  /** `name@version`. */
  ref: z.string(),
  sha256: z.string(),
  rows: z.number().int().nonnegative(),
});

export const QualityTestSchema = z.object({
  id: z.number().int().positive(),
  model: z.string(),
  version: z.string(),
  task: z.enum(['classification', 'regression']),
  dataset: QualityTestDatasetSchema,
  /** The dataset version the model was trained on (from lineage); null when lineage names none. */
  training: QualityTestDatasetSchema.nullable(),
  /** Rows scored (those with a label the model knows). */
  rows: z.number().int().nonnegative(),
  /** Rows left out: no label, or (classifiers) a label the model has no class for. */
  skipped: z.object({ missingLabel: z.number().int().nonnegative(), unknownClass: z.number().int().nonnegative() }),
  /**
   * The same names as the monitoring windows' realised quality (accuracy, f1_macro, precision:CLASS,
   * roc_auc, log_loss, calibration_error; rmse, mae, r2), null where undefined.
   */
  metrics: z.record(z.string(), z.number().nullable()),
  /** The figures the evaluation view draws (confusion matrix, curves, residuals...). */
  evaluation: RunEvaluationSchema,
  overlap: z.object({
    /** Evaluated rows whose features and label are also a training row's (row hashes). */
    rows: z.number().int().nonnegative(),
    /** overlap rows / evaluated rows. */
    share: z.number(),
    /** Null when nothing overlaps, or when no training dataset is known (then `checked` is false). */
    warning: z.string().nullable(),
    checked: z.boolean(),
  }),
  createdTime: z.number(),
});
export type QualityTest = z.infer<typeof QualityTestSchema>;

export const qualityTestOperations = {
  /** Evaluates a model version on a dataset version (`name` = its latest, or `name@version`) and keeps the result. */
  'qualityTests.run': {
    input: z.object({ model: z.string().min(1, 'is required'), version, dataset: z.string().trim().min(1, 'is required') }),
    output: z.object({ test: QualityTestSchema }),
  },
  /** A version's quality tests, newest first. */
  'qualityTests.list': {
    input: z.object({ model: z.string().min(1, 'is required'), version }),
    output: z.object({ tests: z.array(QualityTestSchema) }),
  },
} as const;
