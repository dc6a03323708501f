/**
 * The protocol between a training run's owner (CLI, Electron main, server) and the training child
 * process. Messages use Node's advanced IPC serialisation, so typed arrays and tables pass as-is.
 * The Electron app can run the same worker entry with utilityProcess and the same messages.
 */
import type { BackendInfo, BackendName } from './backend.js';
import type { Hyperparameters, ModelTemplate } from './hyperparams.js';
import type { EpochMetrics, TrainingProgress } from './trainer.js';
import type { Task, TrainingTable } from './table.js';

/**
 * Where the rows come from: a dataset version of the data directory (`name` or `name@version`),
 * a CSV file, or a table already in memory. The worker reads files itself, so the caller's
 * process never holds the rows.
 */
export type TrainingData =
  | { kind: 'dataset'; ref: string }
  | { kind: 'csv'; path: string }
  | { kind: 'table'; table: TrainingTable; name: string; digest?: string; source?: string };

export interface WorkerJob {
  dataDir: string;
  runId: string;
  data: TrainingData;
  target: string;
  task?: Task;
  template: ModelTemplate;
  hyperparameters: Hyperparameters;
  backend?: BackendName;
  systemMetricsIntervalMs: number;
  progressIntervalMs: number;
  /** Where the training config lives: its git state is recorded as the run's code lineage. */
  projectDir: string;
  /** The run this one reproduces (recorded in its lineage). */
  reproductionOf?: string;
}

/** `probe` loads a backend and reports what it is (a reproducibility check), without training. */
export type ParentMessage = { type: 'start'; job: WorkerJob } | { type: 'cancel'; reason: string } | { type: 'probe'; backend: BackendName };

export type ProbeReply = { type: 'probed'; ok: true; backend: BackendInfo } | { type: 'probed'; ok: false; reason: string };

export interface TrainingSummary {
  task: Task;
  classes?: string[];
  metrics: EpochMetrics;
  epochsRun: number;
  bestEpoch: number | null;
  stoppedEarly: boolean;
  trainRows: number;
  validationRows: number;
  samplesPerSecond: number;
  /** Artifact paths, relative to the run's artifact root. */
  artifacts: string[];
}

export type WorkerMessage =
  | { type: 'backend'; backend: BackendInfo }
  | { type: 'prepared'; task: Task; trainRows: number; validationRows: number; inputWidth: number; classes?: string[]; ignoredColumns?: { name: string; reason: string }[] }
  | { type: 'progress'; progress: TrainingProgress }
  | { type: 'finished'; summary: TrainingSummary }
  | { type: 'killed'; reason: string }
  | { type: 'failed'; error: { name: string; message: string; code?: string } };
