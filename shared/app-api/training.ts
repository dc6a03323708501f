import { z } from 'zod';

/** Run tag: JSON `[{name, reason}]` of the columns training left out of the features. */
export const IGNORED_COLUMNS_TAG = 'mldesk.ignored_columns';

export const TRAINING_TASKS = ['classification', 'regression'] as const;
export const TRAINING_BACKENDS = ['node-gpu', 'node', 'wasm', 'cpu'] as const;

/** What the "New run" form sends. Hyperparameters left out take the documented defaults. */
export const TrainingRequestSchema = z.object({
  dataset: z.string().min(1, 'is required: pick a dataset'),
  target: z.string().min(1, 'is required: pick the column to predict'),
  task: z.enum(TRAINING_TASKS).optional(),
  experimentName: z.string().trim().min(1, 'is required').max(500),
  runName: z.string().max(250).optional(),
  template: z.literal('mlp').default('mlp'),
  backend: z.enum(TRAINING_BACKENDS).optional(),
  hyperparameters: z
    .object({
      hiddenUnits: z.array(z.number().int().min(1).max(4096)).max(8).optional(),
      activation: z.enum(['relu', 'elu', 'selu', 'tanh', 'sigmoid', 'swish']).optional(),
      learningRate: z.number().positive('must be positive').max(10).optional(),
      batchSize: z.number().int().min(1).max(65_536).optional(),
      epochs: z.number().int().min(1).max(10_000).optional(),
      dropout: z.number().min(0).max(0.95).optional(),
      l2: z.number().min(0).max(10).optional(),
      optimizer: z.enum(['adam', 'sgd', 'rmsprop', 'adagrad']).optional(),
      validationSplit: z.number().min(0).max(0.9).optional(),
      earlyStoppingPatience: z.number().int().min(0).max(1000).optional(),
      seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
      /** Use integer columns whose values are all distinct (ids) as features; left out by default. */
      keepIdColumns: z.boolean().optional(),
    })
    .default({}),
});
export type TrainingRequest = z.input<typeof TrainingRequestSchema>;

export const TrainingProgressSchema = z.object({
  phase: z.enum(['starting', 'batch', 'epoch', 'finished', 'failed', 'killed']),
  epoch: z.number(),
  epochs: z.number(),
  batch: z.number(),
  batches: z.number(),
  elapsedMs: z.number(),
  etaMs: z.number().nullable(),
  metrics: z.record(z.string(), z.number()),
  error: z.string().optional(),
});
export type TrainingProgressInfo = z.infer<typeof TrainingProgressSchema>;

export const TrainingJobSchema = z.object({
  runId: z.string(),
  experimentId: z.string(),
  runName: z.string(),
  dataset: z.string(),
  startedAt: z.number(),
  progress: TrainingProgressSchema,
});
export type TrainingJob = z.infer<typeof TrainingJobSchema>;
