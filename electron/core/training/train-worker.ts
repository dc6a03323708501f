/**
 * Entry of the training child process (child_process.fork from the CLI and server, utilityProcess
 * from Electron). It opens the data directory's store itself, so per-epoch and system metrics
 * reach the database while training runs and an open UI shows them live; the parent gets
 * progress messages. The worker owns FINISHED and FAILED; a parent that sees the process die
 * without a report marks the run FAILED itself.
 */
import type { DataLineage } from '../../../shared/lineage.js';
import { IGNORED_COLUMNS_TAG } from '../../../shared/app-api/training.js';
import { DatasetStore } from '../data/dataset-store.js';
import { collectCodeLineage } from '../lineage/code-lineage.js';
import { collectHostEnvironment } from '../lineage/environment.js';
import { buildLineage, datasetLineage, recordLineage, recordProducedModel } from '../lineage/lineage-store.js';
import { trainingConfig } from '../lineage/training-config.js';
import { TrackingStore } from '../store/tracking-store.js';
import { BackendUnavailableError, loadBackend, type BackendInfo, type BackendName } from './backend.js';
import type { ParentMessage, ProbeReply, TrainingSummary, WorkerJob, WorkerMessage } from './messages.js';
import { evaluationFiles } from './evaluation-artifacts.js';
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

const send = (message: WorkerMessage | ProbeReply): Promise<void> =>
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

interface LoadedData {
  table: TrainingTable;
  name: string;
  sha256?: string;
  source: string;
  lineage: DataLineage;
}

/**
 * A CSV file is imported into the data directory's datasets first (the same bytes are the same
 * version) and read back from there: the run then names a stored version whose exact bytes a
 * reproduction can train on again.
 */
async function loadData(job: WorkerJob, store: TrackingStore): Promise<LoadedData> {
  if (job.data.kind === 'table') {
    const { table, name, digest } = job.data;
    const source = job.data.source ?? 'memory';
    const lineage: DataLineage = { kind: 'table', name, ref: null, version: null, datasetVersionId: null, sha256: digest && /^[0-9a-f]{64}$/.test(digest) ? digest : null, rows: table.rows.length, source };
    return { table, name, sha256: digest, source, lineage };
  }
  const datasets = new DatasetStore(store.db, job.dataDir);
  const ref = job.data.kind === 'dataset' ? job.data.ref : (await datasets.importFile(job.data.path)).version.ref;
  // Rows typed per the version's schema, re-hashed against the version as they are read.
  const typed = await datasets.readRows(ref);
  return { table: typed, name: typed.version.name, sha256: typed.version.sha256, source: `mldesk-dataset:${typed.version.ref}`, lineage: datasetLineage(store, typed.version) };
}

async function run(job: WorkerJob, abort: AbortController): Promise<number> {
  const store = TrackingStore.open(job.dataDir);
  const { runId } = job;
  const sampler = new SystemMetricsSampler((metrics, step) => store.logBatch(runId, { metrics: points(metrics, step), params: [], tags: [] }), job.systemMetricsIntervalMs);
  let backend: BackendInfo | undefined;
  // Started at once, read after the backend and data are loaded: git and nvidia-smi take a moment.
  const code = collectCodeLineage(job.projectDir);
  const host = collectHostEnvironment();
  try {
    sampler.start();
    void sampler.sample();
    const loaded = await loadBackend(job.backend);
    backend = loaded.info;
    store.logBatch(runId, { metrics: [], params: [], tags: backendTags(backend) });
    await send({ type: 'backend', backend });
    const data = await loadData(job, store);
    logDatasetInput(store, runId, data.table, data);
    const config = trainingConfig({ ...job, data: data.lineage.ref ?? `table:${data.name}` });
    await recordLineage(store, buildLineage({ runId, code: await code, host: await host, backend, data: data.lineage, config, reproductionOf: job.reproductionOf }));
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
          tags: [
            { key: 'mldesk.task', value: prepared.task },
            // Columns left out of the features, with why: the run page shows them as a note.
            ...(prepared.preprocessing.ignoredColumns.length > 0 ? [{ key: IGNORED_COLUMNS_TAG, value: clip(JSON.stringify(prepared.preprocessing.ignoredColumns), 6000) }] : []),
          ],
        });
        void send({ type: 'prepared', task: prepared.task, trainRows: prepared.trainRows, validationRows: prepared.validationRows, inputWidth: prepared.preprocessing.inputWidth, ...(classes ? { classes } : {}), ignoredColumns: prepared.preprocessing.ignoredColumns });
      },
      onProgress: (progress) => void send({ type: 'progress', progress }),
    });
    sampler.stop();
    const artifacts: string[] = [];
    for (const file of await modelFiles(loaded.tf, result.model, result.preprocessing, job.template)) {
      await writeRunArtifact(store, runId, `${MODEL_DIR}/${file.path}`, file.bytes);
      artifacts.push(`${MODEL_DIR}/${file.path}`);
    }
    for (const file of result.evaluation ? evaluationFiles(result.evaluation) : []) {
      await writeRunArtifact(store, runId, file.path, file.bytes);
      artifacts.push(file.path);
    }
    recordProducedModel(store, runId);
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
async function probe(name: BackendName): Promise<number> {
  try {
    const loaded = await loadBackend(name);
    await send({ type: 'probed', ok: true, backend: loaded.info });
  } catch (error) {
    await send({ type: 'probed', ok: false, reason: error instanceof BackendUnavailableError ? error.reason : (error as Error).message });
  }
  return 0;
}

function onMessage(message: ParentMessage): void {
  if (message.type === 'cancel') abort.abort(message.reason);
  if (message.type !== 'start' && message.type !== 'probe') return;
  (message.type === 'start' ? run(message.job, abort) : probe(message.backend)).then(
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
