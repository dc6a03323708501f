import { z } from 'zod';
import { RUN_STATUSES } from './tracking-types.js';

/**
 * Lineage of a training run as every side sees it: the structured record MLDesk stores as the
 * run's `lineage.json` artifact (and flattened into `mldesk.lineage.*` tags), the graph the UI
 * draws, and what a reproduction checks and concludes. Pure zod schemas: no Node, no DOM.
 */

export const LINEAGE_SCHEMA_VERSION = 1;
/** The artifact (relative to the run's artifact root) holding the full record. */
export const LINEAGE_ARTIFACT = 'lineage.json';
export const LINEAGE_TAG_PREFIX = 'mldesk.lineage.';
/** Set on a reproduction: the run id it reproduces. */
export const REPRODUCTION_OF_TAG = 'mldesk.reproduction_of';
/** Set on a reproduction once it ended: 'true' when every final metric matched. */
export const REPRODUCED_TAG = 'mldesk.reproduced';
/** The artifact of a reproduction holding its verdict (a ReproductionResult). */
export const REPRODUCTION_ARTIFACT = 'reproduction.json';

const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/);

export const GitStateSchema = z.object({
  /** The repository's top-level directory. */
  root: z.string(),
  commit: z.string(),
  /** Null on a detached HEAD. */
  branch: z.string().nullable(),
  /** Uncommitted changes to tracked files, or untracked (not ignored) files. */
  dirty: z.boolean(),
  /** SHA-256 of `git diff HEAD` plus every untracked file's name and content hash; the hash of nothing when clean. */
  diffSha256: Sha256Schema,
  untrackedFiles: z.number().int().nonnegative(),
});
export type GitState = z.infer<typeof GitStateSchema>;

export const CodeLineageSchema = z.object({
  /** Where the training was started from (the CLI's working directory). */
  projectDir: z.string(),
  git: GitStateSchema.nullable(),
  /** Why git is null: 'not a git repository', 'git is not available (...)', ... */
  gitProblem: z.string().nullable(),
  /** SHA-256 of the canonical training config (see TrainingConfig). */
  configSha256: Sha256Schema,
});
export type CodeLineage = z.infer<typeof CodeLineageSchema>;

export const GpuSchema = z.object({ name: z.string(), driver: z.string(), memory: z.string() });
export type Gpu = z.infer<typeof GpuSchema>;

export const EnvironmentLineageSchema = z.object({
  /** Node's platform(): linux, darwin, win32. */
  os: z.string(),
  osRelease: z.string(),
  arch: z.string(),
  cpuModel: z.string(),
  cpuCores: z.number().int().nonnegative(),
  totalMemoryBytes: z.number().int().nonnegative(),
  /** From nvidia-smi; empty when there is none. */
  gpus: z.array(GpuSchema),
  node: z.string(),
  /** Null outside Electron (CLI, server). */
  electron: z.string().nullable(),
  tfjs: z.string(),
  /** The backend training actually used (node-gpu, node, wasm, cpu). */
  backend: z.string(),
  backendEngine: z.string(),
  backendDetails: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  /** The MLDesk version that trained: the templates and training loop are its code. */
  mldesk: z.string().nullable(),
  /** SHA-256 of MLDesk's package-lock.json; null where it is not shipped. */
  packageLockSha256: Sha256Schema.nullable(),
});
export type EnvironmentLineage = z.infer<typeof EnvironmentLineageSchema>;

export const DataLineageSchema = z.object({
  /** 'dataset': a stored dataset version (reproducible); 'table': rows handed over in memory (not kept). */
  kind: z.enum(['dataset', 'table']),
  name: z.string(),
  /** `name@version`; null for an in-memory table. */
  ref: z.string().nullable(),
  version: z.number().int().positive().nullable(),
  /** The dataset_versions row id in this data directory. */
  datasetVersionId: z.number().int().positive().nullable(),
  /** SHA-256 of the version's bytes; null when an in-memory table came without a digest. */
  sha256: Sha256Schema.nullable(),
  rows: z.number().int().nonnegative(),
  source: z.string(),
});
export type DataLineage = z.infer<typeof DataLineageSchema>;

/** The tabular templates' hyperparameters, named as in the training module (seed included). */
export const HyperparametersSchema = z.object({
  hiddenUnits: z.array(z.number().int()),
  activation: z.string(),
  learningRate: z.number(),
  batchSize: z.number().int(),
  epochs: z.number().int(),
  dropout: z.number(),
  l2: z.number(),
  optimizer: z.string(),
  validationSplit: z.number(),
  earlyStoppingPatience: z.number().int(),
  earlyStoppingMinDelta: z.number(),
  seed: z.number().int(),
  /** Present (true) only when integer id-like columns were kept as features. */
  keepIdColumns: z.boolean().optional(),
});

/** Everything that decides what a training run computes; its canonical JSON is hashed. */
export const TrainingConfigSchema = z.object({
  template: z.string(),
  target: z.string(),
  /** As requested; null means inferred from the target column. */
  task: z.enum(['classification', 'regression']).nullable(),
  hyperparameters: HyperparametersSchema,
  /** The dataset version (`name@version`), or `table:<name>` for an in-memory table. */
  data: z.string(),
  /** The backend requested: a backend name, or 'auto' for the fastest available. */
  backend: z.string(),
});
export type TrainingConfig = z.infer<typeof TrainingConfigSchema>;

export const RunLineageSchema = z.object({
  schemaVersion: z.literal(LINEAGE_SCHEMA_VERSION),
  runId: z.string(),
  recordedTime: z.number(),
  code: CodeLineageSchema,
  environment: EnvironmentLineageSchema,
  data: DataLineageSchema,
  config: TrainingConfigSchema,
  /** The run this one reproduces, if it is a reproduction. */
  reproductionOf: z.string().nullable(),
});
export type RunLineage = z.infer<typeof RunLineageSchema>;

export const LINEAGE_NODE_KINDS = ['dataset', 'run', 'model', 'model_version', 'deployment', 'predictions'] as const;

export const LineageNodeSchema = z.object({
  /** `dataset:<name@version>`, `run:<run id>` or `model:<runs:/ uri>`. */
  id: z.string(),
  kind: z.enum(LINEAGE_NODE_KINDS),
  label: z.string(),
  detail: z.string(),
});
export type LineageNode = z.infer<typeof LineageNodeSchema>;

export const LineageEdgeSchema = z.object({
  from: z.string(),
  to: z.string(),
  /** trained_on (dataset → run), produced (run → model), reproduces (reproduction → original). */
  relation: z.string(),
});
export type LineageEdge = z.infer<typeof LineageEdgeSchema>;

/** Where a run's model went: registered versions, their aliases and deployments, and the predictions each logged. */
export const RunForwardSchema = z.object({
  versions: z.array(
    z.object({
      name: z.string(),
      version: z.string(),
      source: z.string(),
      aliases: z.array(z.string()),
      deployments: z.array(z.object({ id: z.string(), alias: z.string(), state: z.string(), port: z.number().nullable(), url: z.string().nullable() })),
      predictions: z.number(),
    }),
  ),
});
export type RunForward = z.infer<typeof RunForwardSchema>;

export const LineageGraphSchema = z.object({ nodes: z.array(LineageNodeSchema), edges: z.array(LineageEdgeSchema) });
export type LineageGraph = z.infer<typeof LineageGraphSchema>;

/** A reason a run cannot be reproduced here, or a difference worth knowing that does not stop it. */
export const ReproductionNoteSchema = z.object({ code: z.string(), message: z.string() });
export type ReproductionNote = z.infer<typeof ReproductionNoteSchema>;

/** What a reproduction will train: the original's recorded settings. */
export const ReproductionPlanSchema = z.object({
  originalRunId: z.string(),
  experimentId: z.string(),
  template: z.string(),
  target: z.string(),
  task: z.enum(['classification', 'regression']).nullable(),
  hyperparameters: HyperparametersSchema,
  backend: z.string(),
  dataset: z.object({ ref: z.string(), sha256: Sha256Schema, rows: z.number().int().nonnegative() }),
});
export type ReproductionPlan = z.infer<typeof ReproductionPlanSchema>;

export const ReproducibilityCheckSchema = z.object({
  ok: z.boolean(),
  problems: z.array(ReproductionNoteSchema),
  warnings: z.array(ReproductionNoteSchema),
  /** Null when the recorded lineage is too incomplete to say what would be trained. */
  plan: ReproductionPlanSchema.nullable(),
});
export type ReproducibilityCheck = z.infer<typeof ReproducibilityCheckSchema>;

/** One final metric, original vs reproduction. Null stands for a missing value or NaN. */
export const MetricComparisonSchema = z.object({
  key: z.string(),
  original: z.number().nullable(),
  reproduced: z.number().nullable(),
  absDiff: z.number().nullable(),
  /** absDiff relative to the larger magnitude of the two; 0 when both are 0. */
  relDiff: z.number().nullable(),
  /** Relative tolerance applied; 0 demands exact equality. */
  tolerance: z.number().nonnegative(),
  equal: z.boolean(),
});
export type MetricComparison = z.infer<typeof MetricComparisonSchema>;

export const ReproductionResultSchema = z.object({
  runId: z.string(),
  originalRunId: z.string(),
  experimentId: z.string(),
  /** Every final metric equal within the tolerance, and the reproduction FINISHED. */
  reproduced: z.boolean(),
  status: z.enum(RUN_STATUSES),
  tolerance: z.number().nonnegative(),
  warnings: z.array(ReproductionNoteSchema),
  comparisons: z.array(MetricComparisonSchema),
  error: z.string().optional(),
});
export type ReproductionResult = z.infer<typeof ReproductionResultSchema>;
