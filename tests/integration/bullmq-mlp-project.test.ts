/**
 * The built-in TF.js MLP template project (resources/projects/mlp) on a BullMQ worker that shares no
 * disk with the tracking server: the project and its CSV reach the worker as a snapshot, and
 * `mldesk train --run-id` there (its own data dir empty) logs params, per-epoch metrics, tags,
 * lineage and the model files into the server's run over REST and the artifact proxy.
 * Needs `npm run build`.
 */
import { existsSync } from 'node:fs';
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotProject } from '../../electron/core/automation/projects/snapshot.js';
import { TrackingClient } from '../../electron/core/automation/projects/tracking-client.js';
import { startQueueRig, tagsOf, type QueueRig, type WorkerProcess } from './bullmq-fixture.js';
import { REPO_ROOT, cleanupTempDirs, makeTempDir } from './server-process.js';

let rig: QueueRig;
let worker: WorkerProcess;
let workerHome: string;

beforeAll(async () => {
  rig = await startQueueRig();
  // The worker's own data dir: another, empty one (the run is not there).
  workerHome = await makeTempDir('mlp-worker-home');
  worker = await rig.startWorker([], { MLDESK_HOME: workerHome });
});

afterAll(async () => {
  await rig?.stop();
  await cleanupTempDirs();
});

describe('the MLP template project on a BullMQ worker', () => {
  it('trains on the worker and logs into the server run over REST: FINISHED with metrics, params, lineage and model/model.json', { timeout: 180_000 }, async () => {
    const { store } = rig.server;
    const dir = await makeTempDir('mlp-project');
    await cp(join(REPO_ROOT, 'resources', 'projects', 'mlp'), dir, { recursive: true });
    await cp(join(REPO_ROOT, 'resources', 'datasets', 'iris.csv'), join(dir, 'iris.csv'));
    const experimentId = store.experiments.create('mlp-on-worker', undefined, []);
    const parent = store.createRun({ experimentId, runName: 'parent', tags: [] }).info.run_id;
    const source = await snapshotProject(new TrackingClient(rig.server.url), dir, parent);
    await rm(dir, { recursive: true, force: true });

    const runId = store.createRun({ experimentId, runName: 'mlp trial', tags: [{ key: 'mlflow.parentRunId', value: parent }] }).info.run_id;
    const job = rig.jobs.create({
      kind: 'trial',
      name: 'mlp trial',
      executor: 'bullmq',
      spec: { type: 'project', project: source, entryPoint: 'main', parameters: { data: 'iris.csv', target: 'species', epochs: '4', hidden_units: '8', task: 'classification' }, experimentId, runId },
    });
    await rig.executor.submit(job);
    const done = await rig.executor.waitFor(job.id);
    expect(done.status, `${done.reason}\n${done.logTail}\n--- worker:\n${worker.output()}`).toBe('succeeded');
    expect(done.workerId).toBe(worker.workerId);

    const run = await rig.runGet(runId);
    expect(run.info.status).toBe('FINISHED');
    const tags = tagsOf(run);
    expect(tags).toMatchObject({ 'mldesk.template': 'mlp', 'mldesk.target': 'species', 'mldesk.worker': worker.workerId, 'mlflow.parentRunId': parent });
    expect(Object.keys(tags).some((key) => key.startsWith('mldesk.lineage') || key.startsWith('mldesk.code') || key.startsWith('mldesk.data'))).toBe(true);
    const metricKeys = (run.data.metrics ?? []).map((m) => m.key);
    expect(metricKeys).toEqual(expect.arrayContaining(['loss', 'accuracy', 'val_accuracy']));
    // Per-epoch history, not only the last value.
    const history = await fetch(`${rig.server.url}/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=loss`);
    const points = ((await history.json()) as { metrics: Array<{ step: number }> }).metrics;
    expect(points.length).toBeGreaterThanOrEqual(2);
    const params = Object.fromEntries(((run as { data: { params?: Array<{ key: string; value: string }> } }).data.params ?? []).map((p) => [p.key, p.value]));
    expect(params).toMatchObject({ target: 'species', epochs: '4', model: 'mlp', task: 'classification' });
    expect(params.train_rows).toBeDefined();

    const model = await fetch(`${rig.server.url}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/model/model.json`);
    expect(model.status).toBe(200);
    expect(((await model.json()) as { modelTopology?: unknown }).modelTopology).toBeDefined();
    // The training's lineage record (code, data, host, config) names the server's run: the scratch run had its id.
    const lineage = await fetch(`${rig.server.url}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/lineage.json`);
    expect(lineage.status).toBe(200);
    expect(((await lineage.json()) as { runId: string }).runId).toBe(runId);
    // The worker's own data dir got no database: nothing was logged there.
    expect(existsSync(join(workerHome, 'mldesk.db'))).toBe(false);
  });
});
