import { z } from 'zod';

/**
 * Stage 3 automation (issue 15): jobs, training projects, sweeps, continuous-training policies and
 * pipelines. This is the contract every part builds on; the tables are in
 * electron/core/store/migrations-{jobs,sweeps,pipelines}.ts and the job store in
 * electron/core/automation/job-store.ts.
 */

// ---------------------------------------------------------------------------------------------
// Jobs
// ---------------------------------------------------------------------------------------------

/** What a job does. Every training, evaluation, sweep trial and pipeline step is one. */
export const JOB_KINDS = ['project', 'train', 'reproduce', 'trial', 'sweep', 'evaluate', 'pipeline', 'pipeline_step', 'command'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];
export const isTerminalJobStatus = (status: JobStatus): boolean => TERMINAL_JOB_STATUSES.includes(status);

/** Where a job runs: this machine's process pool, or a BullMQ worker on a Redis queue. */
export const EXECUTOR_KINDS = ['local', 'bullmq', 'inline'] as const;
export type ExecutorKind = (typeof EXECUTOR_KINDS)[number];

/** Where a worker finds a project's files: a folder on this machine, or a snapshot zip stored as a run artifact (no shared disk). */
export const ProjectSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('path'), path: z.string().min(1) }),
  z.object({ kind: z.literal('artifact'), runId: z.string().min(1), path: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
]);
export type ProjectSource = z.infer<typeof ProjectSourceSchema>;

/**
 * What a job runs. `project`: an MLflow project's entry point with parameters into a run created
 * before the job is queued (runId), so the run exists even while the job waits. `command`: a plain
 * process (bench no-op trials, pipeline steps that call `mldesk …`).
 */
export const JobSpecSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('project'),
    project: ProjectSourceSchema,
    entryPoint: z.string().min(1).default('main'),
    parameters: z.record(z.string(), z.string()).default({}),
    experimentId: z.string().min(1),
    runId: z.string().min(1),
    /** Extra environment for the process (never secrets: the job row is readable in the app). */
    env: z.record(z.string(), z.string()).default({}),
  }),
  z.object({
    type: z.literal('command'),
    argv: z.array(z.string()).min(1),
    cwd: z.string().optional(),
    env: z.record(z.string(), z.string()).default({}),
    runId: z.string().optional(),
  }),
  /** Work done in the controlling process itself (a pipeline's gate, a sweep's controller). */
  z.object({ type: z.literal('inline'), action: z.string().min(1), input: z.unknown().optional() }),
]);
export type JobSpec = z.infer<typeof JobSpecSchema>;
export type JobSpecInput = z.input<typeof JobSpecSchema>;

/** Retry policy: a job whose process died (crash, lost worker, app closed) is retried while attempts < maxAttempts. */
export const RetryPolicySchema = z.object({
  maxAttempts: z.number().int().min(1).max(20).default(1),
  /** Delay before attempt n+1 = backoffMs × 2^(n−1). */
  backoffMs: z.number().int().min(0).max(3_600_000).default(1000),
});
export type RetryPolicy = z.infer<typeof RetryPolicySchema>;

export const JobSchema = z.object({
  id: z.string(),
  kind: z.enum(JOB_KINDS),
  status: z.enum(JOB_STATUSES),
  /** A short label for lists: "trial 3 of sweep lr-search", "train iris-mlp". */
  name: z.string(),
  executor: z.enum(EXECUTOR_KINDS),
  spec: JobSpecSchema,
  parentId: z.string().nullable(),
  runId: z.string().nullable(),
  experimentId: z.string().nullable(),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  backoffMs: z.number().int(),
  /** Set by whoever runs it: local pid, or BullMQ worker id and its pid. */
  workerId: z.string().nullable(),
  pid: z.number().int().nullable(),
  exitCode: z.number().int().nullable(),
  /** Why it ended as it did, in words: "exit code 1", "cancelled from the app", "worker lost (stalled)", "pruned at step 4: …". */
  reason: z.string().nullable(),
  /** The last lines of its output (stdout and stderr interleaved), at most LOG_TAIL_BYTES. */
  logTail: z.string(),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  endedAt: z.number().nullable(),
  /** Last sign of life from the process or worker (progress, log line, metric). */
  heartbeatAt: z.number().nullable(),
  /** Earliest time a queued retry may start. */
  notBefore: z.number().nullable(),
});
export type Job = z.infer<typeof JobSchema>;

export const LOG_TAIL_BYTES = 16 * 1024;

/** The run tag naming the job that produced a run, and the tag naming its parent run (sweeps, pipelines). */
export const JOB_ID_TAG = 'mldesk.job_id';
export const PARENT_RUN_TAG = 'mlflow.parentRunId';

// ---------------------------------------------------------------------------------------------
// Training projects (MLflow MLproject format)
// ---------------------------------------------------------------------------------------------

/** MLflow's types plus the ones MLflow lacks (mlflow #1945 int/bool, #3743 lists). */
export const PROJECT_PARAMETER_TYPES = ['string', 'float', 'int', 'bool', 'path', 'uri', 'list'] as const;
export type ProjectParameterType = (typeof PROJECT_PARAMETER_TYPES)[number];

export const ProjectParameterSchema = z.object({
  type: z.enum(PROJECT_PARAMETER_TYPES).default('string'),
  default: z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number(), z.boolean()]))]).optional(),
});
export type ProjectParameter = z.infer<typeof ProjectParameterSchema>;

export const EntryPointSchema = z.object({
  parameters: z.record(z.string(), ProjectParameterSchema).default({}),
  command: z.string().min(1),
});
export type EntryPoint = z.infer<typeof EntryPointSchema>;

/** A parsed MLproject file. Environment files are recorded (hashes) and used when their interpreter exists, never downloaded. */
export const ProjectSchema = z.object({
  name: z.string().optional(),
  python_env: z.string().optional(),
  conda_env: z.string().optional(),
  docker_env: z.unknown().optional(),
  entry_points: z.record(z.string(), EntryPointSchema),
});
export type Project = z.infer<typeof ProjectSchema>;

/** `mldesk run --json` prints exactly this. */
export const ProjectRunResultSchema = z.object({
  run_id: z.string(),
  experiment_id: z.string(),
  status: z.enum(['FINISHED', 'FAILED', 'KILLED']),
  metrics: z.record(z.string(), z.number()),
  job_id: z.string().optional(),
});
export type ProjectRunResult = z.infer<typeof ProjectRunResultSchema>;

// ---------------------------------------------------------------------------------------------
// Sweeps (W&B-sweep-like spec)
// ---------------------------------------------------------------------------------------------

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export const SweepParameterSchema = z.union([
  z.object({ values: z.array(scalar).min(1) }).strict(),
  z.object({ value: scalar }).strict(),
  z
    .object({
      distribution: z.enum(['uniform', 'int_uniform', 'log_uniform_values', 'q_uniform']).default('uniform'),
      min: z.number(),
      max: z.number(),
      q: z.number().positive().optional(),
    })
    .strict(),
]);
export type SweepParameter = z.infer<typeof SweepParameterSchema>;

export const SweepSpecSchema = z
  .object({
    name: z.string().min(1).optional(),
    /** The project folder (relative to the spec file) or a built-in template project name. */
    project: z.string().min(1),
    entry: z.string().min(1).default('main'),
    experiment: z.string().min(1).optional(),
    method: z.enum(['grid', 'random', 'tpe']),
    metric: z.object({ name: z.string().min(1), goal: z.enum(['minimize', 'maximize']) }),
    parameters: z.record(z.string(), SweepParameterSchema),
    run_cap: z.number().int().positive().max(10_000).optional(),
    seed: z.number().int().optional(),
    early_terminate: z
      .object({
        type: z.enum(['asha', 'median']),
        min_iter: z.number().int().positive().default(1),
        eta: z.number().int().min(2).default(3),
        max_iter: z.number().int().positive().optional(),
      })
      .optional(),
    /** A trial that reports no metric for this long is marked stale and stopped (optuna #3215). */
    stale_after_s: z.number().positive().default(300),
  })
  .strict();
export type SweepSpec = z.infer<typeof SweepSpecSchema>;
export type SweepSpecInput = z.input<typeof SweepSpecSchema>;

export const SWEEP_TRIAL_STATES = ['queued', 'running', 'completed', 'pruned', 'failed', 'stale', 'cancelled'] as const;
export type SweepTrialState = (typeof SWEEP_TRIAL_STATES)[number];

export const SweepTrialSchema = z.object({
  sweepId: z.string(),
  number: z.number().int(),
  jobId: z.string().nullable(),
  runId: z.string().nullable(),
  state: z.enum(SWEEP_TRIAL_STATES),
  parameters: z.record(z.string(), scalar),
  /** The objective's latest value and step; the final value once completed. */
  value: z.number().nullable(),
  step: z.number().int().nullable(),
  /** "pruned at step 4: loss 0.91 is worse than the rung's top 1/3 (cut-off 0.62)". */
  reason: z.string().nullable(),
  prunedAtStep: z.number().int().nullable(),
});
export type SweepTrial = z.infer<typeof SweepTrialSchema>;

export const SWEEP_STATES = ['running', 'finished', 'failed', 'cancelled'] as const;

// ---------------------------------------------------------------------------------------------
// Continuous training policies and pipelines
// ---------------------------------------------------------------------------------------------

export const CtTriggerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('alert'), alertId: z.string().optional() }),
  z.object({ type: z.literal('labelled_rows'), count: z.number().int().positive() }),
  z.object({ type: z.literal('schedule'), everyMinutes: z.number().positive() }),
  z.object({ type: z.literal('dataset_version'), dataset: z.string().min(1) }),
  z.object({ type: z.literal('manual') }),
]);
export type CtTrigger = z.infer<typeof CtTriggerSchema>;

export const QualityGateSchema = z.object({
  metric: z.string().min(1),
  /** The challenger must reach this on the held-out data ('>=' for accuracy-like, '<=' for loss-like). */
  op: z.enum(['>=', '<=']),
  threshold: z.number(),
});

export const CtPolicySchema = z.object({
  model: z.string().min(1),
  enabled: z.boolean().default(true),
  triggers: z.array(CtTriggerSchema).min(1),
  /**
   * The model's training project: a built-in one by name (`mlp`) or the absolute path of an MLflow
   * project folder; entry point and parameters over its defaults (the built-in MLP's defaults are
   * the champion run's recorded target, hyperparameters and seed).
   */
  project: z.string().min(1),
  entry: z.string().min(1).default('main'),
  parameters: z.record(z.string(), z.string()).default({}),
  /**
   * The entry point's parameter the pipeline fills with the training data (the data step's dataset
   * version: a CSV file path, or `dataset:NAME@N` for a `uri` parameter). The built-in MLP's is `data`.
   */
  dataParameter: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, "must be a parameter name (letters, digits, '_', '.', '-')")
    .default('data'),
  /** Train on the reference data plus the newly labelled prediction rows. */
  includeLabelledRows: z.boolean().default(true),
  /** Dataset version (ref) held out for champion vs challenger; its row hashes must not be in either's training data. */
  holdout: z.string().min(1),
  metric: z.object({ name: z.string().min(1), goal: z.enum(['minimize', 'maximize']) }),
  /** The challenger must beat the champion by at least this much on the holdout (absolute). */
  margin: z.number().min(0).default(0),
  qualityGates: z.array(QualityGateSchema).default([]),
  /** Promote without a human review when every gate passes (recorded as the policy's decision). */
  autoApprove: z.boolean().default(false),
  /** The alias moved on promotion. */
  alias: z.string().min(1).default('champion'),
  /** Score the challenger on live traffic without returning its answers (shadow rows). */
  shadow: z.boolean().default(true),
});
export type CtPolicy = z.infer<typeof CtPolicySchema>;

/** A pipeline run's steps, in order; each is a job. */
export const PIPELINE_STEPS = ['trigger', 'data', 'train', 'evaluate', 'gate', 'promote'] as const;
export type PipelineStepName = (typeof PIPELINE_STEPS)[number];
export const PIPELINE_STATES = ['running', 'promoted', 'kept_champion', 'waiting_review', 'failed', 'cancelled'] as const;
export type PipelineState = (typeof PIPELINE_STATES)[number];
