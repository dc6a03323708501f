/**
 * Starts a training run: creates the MLflow run (params, tags) in the caller's store, then trains
 * in a child process so the caller's event loop (Electron main, the server, the CLI's progress
 * line) stays free. The child writes metrics, artifacts and its final status to the same data
 * directory; this side handles cancel and a child that dies without reporting.
 */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeyValue } from '../../../shared/tracking-types.js';
import { resolveDataDir } from '../data-dir.js';
import { MLDeskError } from '../errors.js';
import { recordReproductionEdge } from '../lineage/lineage-store.js';
import { TrackingStore } from '../store/tracking-store.js';
import type { BackendInfo, BackendName } from './backend.js';
import { hyperparameterParams, resolveHyperparameters, type Hyperparameters, type ModelTemplate } from './hyperparams.js';
import { launchWorker } from './worker-process.js';
import type { ParentMessage, ProbeReply, TrainingData, TrainingSummary, WorkerJob, WorkerMessage } from './messages.js';
import { randomSeed } from './prng.js';
import { clip, recordFailure } from './run-records.js';
import type { Task } from './table.js';
import type { EpochMetrics } from './trainer.js';

export interface StartTrainingOptions {
  /** An open store (the app's); otherwise one is opened on dataDir (resolved like `mldesk serve`). */
  store?: TrackingStore;
  dataDir?: string;
  data: TrainingData;
  target: string;
  /** Inferred from the target column when omitted. */
  task?: Task;
  /** Created when missing; "Default" when omitted. */
  experimentName?: string;
  /** An existing, active experiment; takes precedence over experimentName. */
  experimentId?: string;
  runName?: string;
  /**
   * Log into this run instead of creating one: a project run that `mldesk run` created in this
   * store (MLFLOW_RUN_ID). It must be RUNNING; its experiment wins over experimentName/Id.
   */
  existingRunId?: string;
  template?: ModelTemplate;
  /** Anything omitted takes its documented default; a missing seed is drawn and logged. */
  hyperparameters?: Partial<Hyperparameters>;
  backend?: BackendName;
  /** mlflow.source.name: what started the run. */
  source?: string;
  tags?: KeyValue[];
  systemMetricsIntervalMs?: number;
  progressIntervalMs?: number;
  /** The project the training config belongs to, recorded as the run's code lineage (git state). Default: the working directory. */
  projectDir?: string;
  /** Makes the run a reproduction of this run: tagged mldesk.reproduction_of, linked in the lineage graph. */
  reproductionOf?: string;
  /** The compiled worker entry; defaults to train-worker.js beside this module in dist/. */
  workerPath?: string;
  onMessage?: (message: WorkerMessage) => void;
}

export type FinalStatus = 'FINISHED' | 'FAILED' | 'KILLED';

export interface TrainingOutcome {
  runId: string;
  experimentId: string;
  status: FinalStatus;
  backend?: BackendInfo;
  summary?: TrainingSummary;
  /** Final metrics of a finished run; the latest logged ones otherwise. */
  metrics: EpochMetrics;
  error?: string;
}

export interface TrainingHandle {
  runId: string;
  experimentId: string;
  hyperparameters: Hyperparameters;
  /** The child's process id (tests use it to simulate a crash). */
  pid: number | undefined;
  done: Promise<TrainingOutcome>;
  /** Asks the child to stop after the current batch, then kills it if it has not exited in graceMs. */
  cancel(reason?: string, graceMs?: number): Promise<TrainingOutcome>;
}

const STDERR_TAIL = 16_384;

/** dist/electron/core/training/train-worker.js, also when this module runs from source (tests). */
export function defaultWorkerPath(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return fileURLToPath(new URL('./train-worker.js', import.meta.url));
  return fileURLToPath(new URL('../../../dist/electron/core/training/train-worker.js', import.meta.url));
}


function existingRun(store: TrackingStore, runId: string) {
  let row;
  try {
    row = store.runs.row(runId, 'run_id');
  } catch (error) {
    if ((error as MLDeskError).code !== 'RESOURCE_DOES_NOT_EXIST') throw error;
    throw new MLDeskError('INVALID_PARAMETER_VALUE', `Run ${runId} is not in the data directory ${store.dataDir}: --run-id logs into a run of this data directory only (start it with \`mldesk run\` on the same --data-dir / MLDESK_HOME).`);
  }
  if (row.lifecycle_stage !== 'active' || row.status !== 'RUNNING') {
    throw new MLDeskError('INVALID_PARAMETER_VALUE', `Run ${runId} is ${row.lifecycle_stage === 'active' ? row.status : 'deleted'}; --run-id needs a RUNNING run.`);
  }
  return row;
}

function activeExperiment(store: TrackingStore, id: string): string {
  const experiment = store.experiments.get(id);
  if (experiment.lifecycle_stage !== 'active') throw new MLDeskError('INVALID_PARAMETER_VALUE', `The experiment '${experiment.name}' (id ${id}) is deleted; restore it first.`);
  return experiment.experiment_id;
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}

/** The latest value of every metric but the system ones: what a run ended with. */
export function latestMetrics(store: TrackingStore, runId: string): EpochMetrics {
  const metrics: EpochMetrics = {};
  for (const m of store.runs.get(runId).data.metrics) if (!m.key.startsWith('system/')) metrics[m.key] = Number(m.value);
  return metrics;
}

/**
 * Creates the run and starts the child. Throws before creating anything when an option is invalid
 * or the worker is missing; everything after that ends in a run status.
 */
export function startTraining(options: StartTrainingOptions): TrainingHandle {
  const hyperparameters = resolveHyperparameters(options.hyperparameters ?? {}, options.hyperparameters?.seed ?? randomSeed());
  const template = options.template ?? 'mlp';
  const workerPath = options.workerPath ?? defaultWorkerPath();
  if (!existsSync(workerPath)) throw new MLDeskError('INTERNAL_ERROR', `The training worker ${workerPath} is missing; run \`npm run build\` first.`);
  const ownStore = options.store === undefined;
  const store = options.store ?? TrackingStore.open(resolveDataDir(options.dataDir));
  let runId: string;
  let experimentId: string;
  try {
    const dataLabel = options.data.kind === 'csv' ? options.data.path : options.data.kind === 'dataset' ? options.data.ref : options.data.name;
    const tags: KeyValue[] = [
      { key: 'mldesk.template', value: template },
      { key: 'mldesk.requested_backend', value: options.backend ?? 'auto' },
      { key: 'mldesk.target', value: options.target },
      { key: 'mldesk.data', value: clip(dataLabel) },
      ...(options.tags ?? []),
    ];
    if (options.existingRunId !== undefined) {
      const existing = existingRun(store, options.existingRunId);
      experimentId = String(existing.experiment_id);
      runId = existing.run_uuid;
      // The run's source tags are its creator's (a project): only the training's own are added.
      store.logBatch(runId, { metrics: [], params: [], tags });
    } else {
      experimentId = options.experimentId !== undefined ? activeExperiment(store, options.experimentId) : store.experiments.idForName(options.experimentName ?? 'Default');
      const run = store.createRun({
        experimentId,
        runName: options.runName,
        userId: currentUser(),
        tags: [{ key: 'mlflow.source.type', value: 'LOCAL' }, { key: 'mlflow.source.name', value: options.source ?? 'mldesk train' }, ...tags],
      });
      runId = run.info.run_id;
    }
    if (options.reproductionOf !== undefined) recordReproductionEdge(store, runId, options.reproductionOf);
    store.logBatch(runId, {
      metrics: [],
      params: [{ key: 'model', value: template }, { key: 'target', value: options.target }, ...(options.task ? [{ key: 'task', value: options.task }] : []), ...hyperparameterParams(hyperparameters)],
      tags: [],
    });
  } catch (error) {
    if (ownStore) store.close();
    throw error;
  }
  const job: WorkerJob = {
    dataDir: store.dataDir,
    runId,
    data: options.data,
    target: options.target,
    task: options.task,
    template,
    hyperparameters,
    backend: options.backend,
    systemMetricsIntervalMs: options.systemMetricsIntervalMs ?? 5000,
    progressIntervalMs: options.progressIntervalMs ?? 1000,
    projectDir: resolve(options.projectDir ?? process.cwd()),
    ...(options.reproductionOf !== undefined ? { reproductionOf: options.reproductionOf } : {}),
  };
  const child = launchWorker(workerPath, { captureStdout: true });
  const id = runId;
  const exp = experimentId;
  let stderr = '';
  let backend: BackendInfo | undefined;
  let report: WorkerMessage | undefined;
  let cancelReason: string | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-STDERR_TAIL)));
  child.onMessage((raw) => {
    const message = raw as WorkerMessage;
    if (message.type === 'backend') backend = message.backend;
    if (message.type === 'finished' || message.type === 'failed' || message.type === 'killed') report = message;
    // The child's writes happen in another process: tell this process's listeners (the UI) here.
    if (message.type === 'progress' && message.progress.phase === 'epoch') {
      store.events.emit('metrics.logged', { runId: id, experimentId: exp, keys: Object.keys(message.progress.metrics) });
    }
    if (message.type !== 'progress') store.events.emit('run.changed', { runId: id, experimentId: exp });
    options.onMessage?.(message);
  });
  child.send({ type: 'start', job } satisfies ParentMessage);

  const done = new Promise<TrainingOutcome>((resolve) => {
    child.onExit((code, signal) => {
      clearTimeout(killTimer);
      settle(code, signal)
        // Recording the outcome can itself fail (the run was deleted meanwhile): still settle.
        .catch((error: unknown): TrainingOutcome => ({ runId: id, experimentId: exp, status: 'FAILED', metrics: {}, error: `Training ended but its outcome could not be recorded: ${(error as Error).message}` }))
        .then(resolve)
        .finally(() => {
          store.events.emit('run.changed', { runId: id, experimentId: exp });
          if (ownStore) store.close();
        });
    });
  });

  async function settle(code: number | null, signal: NodeJS.Signals | null): Promise<TrainingOutcome> {
    const base = { runId: id, experimentId: exp, ...(backend ? { backend } : {}) };
    if (report?.type === 'finished') return { ...base, status: 'FINISHED', summary: report.summary, metrics: report.summary.metrics };
    if (report?.type === 'failed') return { ...base, status: 'FAILED', metrics: latestMetrics(store, id), error: report.error.message };
    const status = store.runs.row(id).status;
    if (report?.type === 'killed' || cancelReason !== undefined) {
      if (status === 'RUNNING') {
        store.setTag(id, { key: 'mldesk.killed_reason', value: clip(cancelReason ?? 'cancelled') });
        store.updateRun(id, { status: 'KILLED', endTime: Date.now() });
      }
      return { ...base, status: 'KILLED', metrics: latestMetrics(store, id) };
    }
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const lastLine = stderr.trim().split('\n').at(-1) ?? '';
    const message = `The training process ${how} before reporting a result.${lastLine ? ` Last output: ${lastLine}` : ''}`;
    if (status === 'RUNNING') await recordFailure(store, id, message, `${message}\n\nstderr (last ${STDERR_TAIL} characters):\n${stderr}`);
    return { ...base, status: 'FAILED', metrics: latestMetrics(store, id), error: message };
  }

  return {
    runId: id,
    experimentId: exp,
    hyperparameters,
    pid: child.pid,
    done,
    cancel(reason = 'cancelled by the user', graceMs = 3000) {
      if (cancelReason === undefined && child.isRunning()) {
        cancelReason = reason;
        child.send({ type: 'cancel', reason } satisfies ParentMessage);
        killTimer = setTimeout(() => child.kill(), graceMs);
      }
      return done;
    },
  };
}

export type BackendProbeResult = { ok: true; info: BackendInfo } | { ok: false; reason: string };

/**
 * Loads a backend in a worker process and reports what it is (TF.js version, details), or why it
 * cannot be loaded: the question a reproducibility check asks without loading TensorFlow (maybe
 * a native library) into the caller's process.
 */
export function probeBackend(backend: BackendName, options: { workerPath?: string; timeoutMs?: number } = {}): Promise<BackendProbeResult> {
  const workerPath = options.workerPath ?? defaultWorkerPath();
  if (!existsSync(workerPath)) return Promise.resolve({ ok: false, reason: `the training worker ${workerPath} is missing; run \`npm run build\` first` });
  return new Promise((resolvePromise) => {
    const child = launchWorker(workerPath, { captureStdout: false });
    let stderr = '';
    let result: BackendProbeResult | undefined;
    const timer = setTimeout(() => {
      result ??= { ok: false, reason: `loading it did not finish within ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s` };
      child.kill();
    }, options.timeoutMs ?? 60_000);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-STDERR_TAIL)));
    child.onMessage((raw) => {
      const message = raw as ProbeReply;
      if (message.type !== 'probed') return;
      result = message.ok ? { ok: true, info: message.backend } : { ok: false, reason: message.reason };
    });
    child.onExit((code, signal) => {
      clearTimeout(timer);
      const lastLine = stderr.trim().split('\n').at(-1) ?? '';
      resolvePromise(result ?? { ok: false, reason: `the probe process ${signal ? `was killed by ${signal}` : `exited with code ${code}`}${lastLine ? `: ${lastLine}` : ''}` });
    });
    child.send({ type: 'probe', backend } satisfies ParentMessage);
  });
}
