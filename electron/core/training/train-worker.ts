/**
 * Entry of the training child process (child_process.fork from the CLI and server, utilityProcess
 * from Electron). It opens the data directory's store itself, so per-epoch and system metrics
 * reach the database while training runs and an open UI shows them live; the parent gets
 * progress messages. The worker owns FINISHED and FAILED; a parent that sees the process die
 * without a report marks the run FAILED itself.
 */
import { DatasetStore } from '../data/dataset-store.js';
import { TrackingStore } from '../store/tracking-store.js';
import { loadBackend, type BackendInfo } from './backend.js';
import { readCsvTable } from './csv-table.js';
import type { ParentMessage, TrainingSummary, WorkerJob, WorkerMessage } from './messages.js';
import { MODEL_DIR, modelFiles } from './model-files.js';
import { backendTags, clip, logDatasetInput, recordFailure, writeRunArtifact } from './run-records.js';
import { SystemMetricsSampler } from './system-metrics.js';
import { train, TrainingCancelled, type EpochMetrics } from './trainer.js';
import type { TrainingTable } from './table.js';

/** Electron's utilityProcess gives the child `process.parentPort` instead of process.send. */
interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

const send = (message: WorkerMessage): Promise<void> =>
  new Promise((resolve) => {
    if (parentPort) {
      parentPort.postMessage(message);
      return resolve();
    }
    if (!process.send || !process.connected) return resolve();
    // Resolves once the message is handed to the channel, so exiting right after cannot drop it.
    process.send(message, undefined, {}, () => resolve());
  });

const points = (metrics: EpochMetrics, step: number) => {
  const timestamp = Date.now();
  return Object.entries(metrics).map(([key, value]) => ({ key, value, step, timestamp }));
};

async function loadData(job: WorkerJob, store: TrackingStore): Promise<{ table: TrainingTable; name: string; sha256?: string; source: string }> {
  if (job.data.kind === 'dataset') {
    // Rows typed per the version's schema, re-hashed against the version as they are read.
    const typed = await new DatasetStore(store.db, job.dataDir).readRows(job.data.ref);
    return { table: typed, name: typed.version.name, sha256: typed.version.sha256, source: `mldesk-dataset:${typed.version.ref}` };
  }
  if (job.data.kind === 'table') return { table: job.data.table, name: job.data.name, sha256: job.data.digest, source: job.data.source ?? 'memory' };
  const csv = await readCsvTable(job.data.path);
  return { table: csv.table, name: csv.name, sha256: csv.sha256, source: new URL(`file://${job.data.path}`).href };
}

async function run(job: WorkerJob, abort: AbortController): Promise<number> {
  const store = TrackingStore.open(job.dataDir);
  const { runId } = job;
  const sampler = new SystemMetricsSampler((metrics, step) => store.logBatch(runId, { metrics: points(metrics, step), params: [], tags: [] }), job.systemMetricsIntervalMs);
  let backend: BackendInfo | undefined;
  try {
    sampler.start();
    void sampler.sample();
    const loaded = await loadBackend(job.backend);
    backend = loaded.info;
    store.logBatch(runId, { metrics: [], params: [], tags: backendTags(backend) });
    await send({ type: 'backend', backend });
    const data = await loadData(job, store);
    logDatasetInput(store, runId, data.table, data);
    const result = await train({
      tf: loaded.tf,
      table: data.table,
      target: job.target,
      task: job.task,
      hyperparameters: job.hyperparameters,
      signal: abort.signal,
      progressIntervalMs: job.progressIntervalMs,
      logger: { logEpoch: (step, metrics) => store.logBatch(runId, { metrics: points(metrics, step), params: [], tags: [] }) },
      onPrepared: (prepared) => {
        const classes = prepared.preprocessing.target.classes;
        store.logBatch(runId, {
          metrics: [],
          params: [
            { key: 'task', value: prepared.task },
            { key: 'train_rows', value: String(prepared.trainRows) },
            { key: 'validation_rows', value: String(prepared.validationRows) },
            { key: 'input_width', value: String(prepared.preprocessing.inputWidth) },
            ...(classes ? [{ key: 'classes', value: clip(JSON.stringify(classes), 6000) }] : []),
          ],
          tags: [{ key: 'mldesk.task', value: prepared.task }],
        });
        void send({ type: 'prepared', task: prepared.task, trainRows: prepared.trainRows, validationRows: prepared.validationRows, inputWidth: prepared.preprocessing.inputWidth, ...(classes ? { classes } : {}) });
      },
      onProgress: (progress) => void send({ type: 'progress', progress }),
    });
    sampler.stop();
    const artifacts: string[] = [];
    for (const file of await modelFiles(loaded.tf, result.model, result.preprocessing, job.template)) {
      await writeRunArtifact(store, runId, `${MODEL_DIR}/${file.path}`, file.bytes);
      artifacts.push(`${MODEL_DIR}/${file.path}`);
    }
    result.model.dispose();
    store.logBatch(runId, {
      metrics: [],
      params: [],
      tags: [
        { key: 'mldesk.epochs_run', value: String(result.epochsRun) },
        { key: 'mldesk.best_epoch', value: String(result.bestEpoch ?? result.epochsRun) },
        { key: 'mldesk.samples_per_second', value: result.samplesPerSecond.toFixed(0) },
        { key: 'mldesk.model_uri', value: `runs:/${runId}/${MODEL_DIR}` },
      ],
    });
    store.updateRun(runId, { status: 'FINISHED', endTime: Date.now() });
    const summary: TrainingSummary = {
      task: result.task,
      ...(result.preprocessing.target.classes ? { classes: result.preprocessing.target.classes } : {}),
      metrics: result.finalMetrics,
      epochsRun: result.epochsRun,
      bestEpoch: result.bestEpoch,
      stoppedEarly: result.stoppedEarly,
      trainRows: result.trainRows,
      validationRows: result.validationRows,
      samplesPerSecond: result.samplesPerSecond,
      artifacts,
    };
    await send({ type: 'finished', summary });
    return 0;
  } catch (error) {
    sampler.stop();
    if (error instanceof TrainingCancelled) {
      const reason = String(abort.signal.reason ?? 'cancelled');
      store.setTag(runId, { key: 'mldesk.killed_reason', value: clip(reason) });
      store.updateRun(runId, { status: 'KILLED', endTime: Date.now() });
      await send({ type: 'killed', reason });
      return 0;
    }
    const err = error instanceof Error ? error : new Error(String(error));
    await recordFailure(store, runId, err.message, `${err.stack ?? err.message}\n\nbackend: ${JSON.stringify(backend ?? null)}\n`);
    await send({ type: 'failed', error: { name: err.name, message: err.message, ...((err as { code?: string }).code ? { code: (err as { code?: string }).code } : {}) } });
    return 1;
  } finally {
    store.close();
  }
}

const abort = new AbortController();
// A parent that goes away (app closed, terminal killed) must not leave training running unseen.
process.on('disconnect', () => abort.abort('the process that started the training went away'));
function onMessage(message: ParentMessage): void {
  if (message.type === 'cancel') abort.abort(message.reason);
  if (message.type !== 'start') return;
  run(message.job, abort).then(
    (code) => {
      process.exitCode = code;
      if (process.connected) process.disconnect();
      // Nothing should be left running, but a stray handle (a native backend's thread pool)
      // must not keep a finished worker alive.
      setTimeout(() => process.exit(code), 2000).unref();
    },
    (error: unknown) => {
      // Only reached when recording the failure itself failed (e.g. the database is gone).
      process.stderr.write(`mldesk training worker: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}

if (parentPort) parentPort.on('message', (event) => onMessage(event.data as ParentMessage));
else process.on('message', onMessage);
// The terminal's Ctrl-C reaches the whole process group: stop cleanly (run KILLED) instead of
// dying mid-write, and let the parent decide what else happens.
process.on('SIGINT', () => abort.abort('interrupted (SIGINT)'));
