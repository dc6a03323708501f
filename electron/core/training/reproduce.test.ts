/**
 * Lineage and reproduction end to end: real training in a child process (the worker run from
 * source), a real SQLite store and blob files in a temp dir, real git for the code lineage.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINEAGE_ARTIFACT, RunLineageSchema, type RunLineage } from '../../../shared/lineage.js';
import { DatasetStore } from '../data/dataset-store.js';
import { edgesTouching } from '../lineage/edges.js';
import { lineageTags } from '../lineage/lineage-tags.js';
import { readLineage, recordLineage } from '../lineage/lineage-store.js';
import { TrackingStore } from '../store/tracking-store.js';
import { checkReproducible, reproduceRun, ReproductionRefusedError } from './reproduce.js';
import { irisTable } from './test-tables.js';
import { startTraining, type TrainingOutcome } from './training-run.js';

const workerPath = fileURLToPath(new URL('./test-source-worker.mjs', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const LONG_MS = 120_000;

let dir: string;
let projectDir: string;
let store: TrackingStore;
let trained: TrainingOutcome;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const runCount = () => (store.db.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n;
const tagsOf = (runId: string) => Object.fromEntries(store.runs.get(runId).data.tags.map((t) => [t.key, t.value]));
const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: projectDir, encoding: 'utf8' }).trim();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mldesk-reproduce-'));
  projectDir = join(dir, 'project');
  execFileSync('git', ['init', '-q', '-b', 'main', projectDir]);
  const table = irisTable();
  const csv = `${table.columns.map((c) => c.name).join(',')}\n${table.rows.map((row) => row.join(',')).join('\n')}\n`;
  await writeFile(join(projectDir, 'iris.csv'), csv);
  git('add', '.');
  git('commit', '-q', '-m', 'data');
  store = TrackingStore.open(join(dir, 'data'));
  // A CSV file: the worker imports it as a dataset version before training on it.
  const handle = startTraining({
    store,
    data: { kind: 'csv', path: join(projectDir, 'iris.csv') },
    target: 'species',
    experimentName: 'repro',
    hyperparameters: { hiddenUnits: [8], learningRate: 0.05, epochs: 4, seed: 13 },
    backend: 'cpu',
    projectDir,
    workerPath,
  });
  trained = await handle.done;
}, 120_000);

afterAll(async () => {
  store?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Rewrites a run's recorded lineage (json and tags), as an edited or foreign record would be. */
async function withLineage(runId: string, edit: (record: RunLineage) => RunLineage, body: () => Promise<void>): Promise<void> {
  const original = (await readLineage(store, runId))!;
  await recordLineage(store, edit(structuredClone(original)));
  try {
    await body();
  } finally {
    await recordLineage(store, original);
  }
}

describe('lineage of a training run', () => {
  it('records code, environment, data and config completely, as lineage.json, tags and edges', async () => {
    expect(trained.status, trained.error).toBe('FINISHED');
    const runId = trained.runId;
    const lineage = (await readLineage(store, runId))!;
    const file = join(store.artifacts.localDirOf(store.runs.row(runId).artifact_uri)!, LINEAGE_ARTIFACT);
    expect(RunLineageSchema.parse(JSON.parse(await readFile(file, 'utf8')))).toEqual(lineage);

    expect(lineage.code).toMatchObject({ projectDir, gitProblem: null, git: { commit: git('rev-parse', 'HEAD'), branch: 'main', dirty: false, untrackedFiles: 0 } });
    expect(lineage.code.configSha256).toMatch(/^[0-9a-f]{64}$/);

    const env = lineage.environment;
    expect(env).toMatchObject({ backend: 'cpu', backendEngine: 'cpu', tfjs: trained.backend!.tfVersion, node: process.versions.node, electron: null, os: process.platform, arch: process.arch });
    expect(env.cpuCores).toBeGreaterThan(0);
    expect(env.totalMemoryBytes).toBeGreaterThan(0);
    expect(env.cpuModel).not.toBe('');
    expect(Array.isArray(env.gpus)).toBe(true);
    expect(env.packageLockSha256).toBe(sha256(readFileSync(join(repoRoot, 'package-lock.json'))));

    const datasets = new DatasetStore(store.db, store.dataDir);
    const version = datasets.getVersion('iris@1');
    const blob = await readFile(datasets.blobPath(version));
    expect(lineage.data).toMatchObject({ kind: 'dataset', name: 'iris', ref: 'iris@1', version: 1, rows: 150, sha256: sha256(blob) });
    expect(sha256(blob)).toBe(sha256(await readFile(join(projectDir, 'iris.csv'))));
    const versionId = store.db.prepare('SELECT version_id FROM dataset_versions WHERE sha256 = ?').get(version.sha256) as { version_id: number };
    expect(lineage.data.datasetVersionId).toBe(versionId.version_id);

    expect(lineage.config).toEqual({
      template: 'mlp',
      target: 'species',
      task: null,
      hyperparameters: { hiddenUnits: [8], activation: 'relu', learningRate: 0.05, batchSize: 32, epochs: 4, dropout: 0, l2: 0, optimizer: 'adam', validationSplit: 0.2, earlyStoppingPatience: 10, earlyStoppingMinDelta: 0, seed: 13 },
      data: 'iris@1',
      backend: 'cpu',
    });
    const params = Object.fromEntries(store.runs.get(runId).data.params.map((p) => [p.key, p.value]));
    expect(params).toMatchObject({ seed: '13', epochs: '4', hidden_units: '[8]', batch_size: '32', early_stopping_patience: '10' });

    const tags = tagsOf(runId);
    for (const tag of lineageTags(lineage)) expect(tags[tag.key], tag.key).toBe(tag.value);
    expect(tags).toMatchObject({ 'mldesk.lineage.code.commit': lineage.code.git!.commit, 'mldesk.lineage.env.backend': 'cpu', 'mldesk.lineage.data.sha256': sha256(blob) });

    const edges = edgesTouching(store.db, 'run', runId).map((e) => `${e.sourceKind}:${e.sourceId} ${e.relation} ${e.targetKind}:${e.targetId}`);
    expect(edges).toEqual([`dataset_version:iris@1 trained_on run:${runId}`, `run:${runId} produced model:runs:/${runId}/model`]);
  }, LONG_MS);
});

describe('reproduceRun', () => {
  it('trains the recorded run again into a new run of the same experiment with the very same final metrics', async () => {
    const before = runCount();
    const check = await checkReproducible(store, trained.runId, { projectDir, workerPath });
    expect(check).toMatchObject({ ok: true, problems: [], warnings: [], plan: { backend: 'cpu', dataset: { ref: 'iris@1' }, hyperparameters: { seed: 13 } } });

    const result = await reproduceRun({ store, runId: trained.runId, projectDir, workerPath });
    expect(result, result.error).toMatchObject({ reproduced: true, status: 'FINISHED', originalRunId: trained.runId, experimentId: trained.experimentId, tolerance: 0, warnings: [] });
    expect(runCount()).toBe(before + 1);
    expect(result.comparisons.map((c) => c.key).sort()).toEqual(Object.keys(trained.metrics).sort());
    for (const c of result.comparisons) expect(c).toMatchObject({ equal: true, absDiff: 0, original: trained.metrics[c.key], reproduced: trained.metrics[c.key] });

    expect(tagsOf(result.runId)).toMatchObject({ 'mldesk.reproduction_of': trained.runId, 'mldesk.reproduced': 'true', 'mlflow.source.name': 'mldesk reproduce' });
    expect(edgesTouching(store.db, 'run', trained.runId)).toContainEqual(expect.objectContaining({ sourceId: result.runId, targetId: trained.runId, relation: 'reproduces' }));
    const copy = (await readLineage(store, result.runId))!;
    const original = (await readLineage(store, trained.runId))!;
    expect(copy.reproductionOf).toBe(trained.runId);
    expect(copy.code.configSha256).toBe(original.code.configSha256);
    expect(copy.data).toEqual(original.data);
  }, LONG_MS);

  it('refuses, creating no run, when the stored dataset bytes no longer match, naming the dataset and both hashes', async () => {
    const datasets = new DatasetStore(store.db, store.dataDir);
    const path = datasets.blobPath('iris@1');
    const bytes = await readFile(path);
    const expected = sha256(bytes);
    const tampered = Buffer.concat([bytes, Buffer.from('5.0,3.4,1.5,0.2,setosa\n')]);
    await writeFile(path, tampered);
    try {
      const before = runCount();
      const error = await reproduceRun({ store, runId: trained.runId, projectDir, workerPath }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ReproductionRefusedError);
      const problems = (error as ReproductionRefusedError).check.problems;
      expect(problems).toHaveLength(1);
      expect(problems[0]!.code).toBe('dataset_changed');
      expect(problems[0]!.message).toContain('iris@1');
      expect(problems[0]!.message).toContain(`expected sha256 ${expected}, actual ${sha256(tampered)}`);
      expect(runCount()).toBe(before);
    } finally {
      await writeFile(path, bytes);
    }
  }, LONG_MS);

  it('refuses a run recorded on a backend that is not available here, or with another TF.js version, saying what differs', async () => {
    let nodeGpuInstalled = true;
    try {
      import.meta.resolve('@tensorflow/tfjs-node-gpu');
    } catch {
      nodeGpuInstalled = false;
    }
    const before = runCount();
    if (!nodeGpuInstalled) {
      await withLineage(trained.runId, (r) => ({ ...r, environment: { ...r.environment, backend: 'node-gpu', backendEngine: 'tensorflow' } }), async () => {
        const check = await checkReproducible(store, trained.runId, { projectDir, workerPath });
        expect(check.ok).toBe(false);
        expect(check.problems).toEqual([{ code: 'backend_unavailable', message: expect.stringMatching(/backend 'node-gpu', which is not available here: @tensorflow\/tfjs-node-gpu is not installed/) }]);
        await expect(reproduceRun({ store, runId: trained.runId, projectDir, workerPath })).rejects.toThrow(/'node-gpu'.*not available here/);
      });
    }
    await withLineage(trained.runId, (r) => ({ ...r, environment: { ...r.environment, tfjs: '3.21.0' } }), async () => {
      const error = (await reproduceRun({ store, runId: trained.runId, projectDir, workerPath }).catch((e: unknown) => e)) as ReproductionRefusedError;
      expect(error).toBeInstanceOf(ReproductionRefusedError);
      expect(error.check.problems).toEqual([{ code: 'tfjs_version', message: expect.stringContaining(`recorded 3.21.0, here ${trained.backend!.tfVersion}`) }]);
    });
    expect(runCount()).toBe(before);
    // Differences that do not change the arithmetic only warn.
    await withLineage(trained.runId, (r) => ({ ...r, environment: { ...r.environment, node: '18.0.0', cpuModel: 'Elsewhere CPU' } }), async () => {
      const check = await checkReproducible(store, trained.runId, { projectDir, workerPath });
      expect(check.ok).toBe(true);
      expect(check.warnings.map((w) => w.code).sort()).toEqual(['cpu', 'node_version']);
    });
  }, LONG_MS);

  it('keeps id columns for a run trained before they were left out (no keep_id_columns param), with a warning', async () => {
    const fresh = await checkReproducible(store, trained.runId, { projectDir, workerPath });
    expect(fresh.plan!.hyperparameters.keepIdColumns).toBeUndefined();
    expect(fresh.warnings.map((w) => w.code)).not.toContain('id_columns_kept');
    const runPk = store.runs.row(trained.runId).run_pk;
    const param = store.db.prepare("SELECT value FROM params WHERE run_pk = ? AND key = 'keep_id_columns'").get(runPk) as { value: string };
    expect(param.value).toBe('false');
    store.db.prepare("DELETE FROM params WHERE run_pk = ? AND key = 'keep_id_columns'").run(runPk);
    try {
      const old = await checkReproducible(store, trained.runId, { projectDir, workerPath });
      expect(old.ok).toBe(true);
      expect(old.plan!.hyperparameters.keepIdColumns).toBe(true);
      expect(old.warnings).toContainEqual({ code: 'id_columns_kept', message: expect.stringContaining('keep_id_columns=true') });
    } finally {
      store.db.prepare("INSERT INTO params (run_pk, key, value) VALUES (?, 'keep_id_columns', 'false')").run(runPk);
    }
  }, LONG_MS);

  it('refuses a run that MLDesk did not train', async () => {
    const foreign = store.createRun({ experimentId: trained.experimentId, runName: 'logged-by-mlflow', tags: [] }).info.run_id;
    store.logBatch(foreign, { metrics: [{ key: 'accuracy', value: 0.9, step: 1, timestamp: 1 }], params: [{ key: 'seed', value: '1' }], tags: [] });
    store.updateRun(foreign, { status: 'FINISHED', endTime: Date.now() });
    const before = runCount();
    const check = await checkReproducible(store, foreign, { projectDir, workerPath });
    expect(check).toEqual({ ok: false, problems: [{ code: 'no_lineage', message: expect.stringContaining('not trained by MLDesk') }], warnings: [], plan: null });
    await expect(reproduceRun({ store, runId: foreign, projectDir, workerPath })).rejects.toBeInstanceOf(ReproductionRefusedError);
    expect(runCount()).toBe(before);
  }, LONG_MS);

  it('cannot reproduce a run trained on an in-memory table: its rows were not stored', async () => {
    const outcome = await startTraining({ store, data: { kind: 'table', table: irisTable(), name: 'inline' }, target: 'species', hyperparameters: { hiddenUnits: [4], epochs: 1, seed: 1 }, backend: 'cpu', projectDir, workerPath }).done;
    expect(outcome.status).toBe('FINISHED');
    expect((await readLineage(store, outcome.runId))!.data).toMatchObject({ kind: 'table', name: 'inline', ref: null });
    const check = await checkReproducible(store, outcome.runId, { projectDir, workerPath });
    expect(check.problems.map((p) => p.code)).toEqual(['data_not_stored']);
  }, LONG_MS);
});
