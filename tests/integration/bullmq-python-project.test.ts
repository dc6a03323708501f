/**
 * A Python training project using the real MLflow 2.12.2 client, run through two `mldesk worker`
 * processes on a real redis-server. The project reaches the workers only as a snapshot zip stored
 * as a run artifact (the folder is deleted before any job starts): no shared disk. Needs `npm run build`.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotProject } from '../../electron/core/automation/projects/snapshot.js';
import { TrackingClient } from '../../electron/core/automation/projects/tracking-client.js';
import { startQueueRig, tagsOf, type QueueRig, type WorkerProcess } from './bullmq-fixture.js';
import { mlflowAvailability, pythonEnv } from './mlflow-client/python-client.js';
import { cleanupTempDirs, makeTempDir } from './server-process.js';

const TRAIN_PY = `
import os, sys, mlflow
import time
lr = float(sys.argv[1]); epochs = int(sys.argv[2]); pause = float(sys.argv[3])
given_run = os.environ["MLFLOW_RUN_ID"]
with mlflow.start_run() as run:
    assert run.info.run_id == given_run, "did not resume the run it was given"
    for step in range(epochs):
        mlflow.log_metric("loss", lr / (step + 1), step=step)
        print("step", step, "of attempt", os.environ.get("MLDESK_JOB_ATTEMPT", "?"), flush=True)
        time.sleep(pause)
    with open("model.txt", "w") as f:
        f.write("weights for lr %s" % lr)
    mlflow.log_artifact("model.txt", artifact_path="model")
    print("trained with lr", lr, flush=True)
`;

const MLPROJECT = `name: queued-project
python_env: python_env.yaml
entry_points:
  main:
    parameters:
      lr: {type: float, default: 0.1}
      epochs: {type: int, default: 3}
      pause: {type: float, default: 0}
    command: "python train.py {lr} {epochs} {pause}"
`;

let rig: QueueRig;
let workers: WorkerProcess[];

beforeAll(async () => {
  rig = await startQueueRig();
  // Debian's python3 first (it has the vendored MLflow's dependencies), the vendored client importable.
  const env = { ...pythonEnv({}), PATH: `/usr/bin:${process.env.PATH ?? ''}` } as Record<string, string | undefined>;
  workers = await Promise.all([rig.startWorker([], env), rig.startWorker([], env)]);
});

afterAll(async () => {
  await rig?.stop();
  await cleanupTempDirs();
});

/** Writes the project, stores its snapshot as an artifact of a parent run, and deletes the folder. */
async function snapshotOnly(experimentName: string) {
  const pythonVersion = execFileSync('/usr/bin/python3', ['--version'], { encoding: 'utf8' }).trim().split(' ')[1]!;
  const dir = await makeTempDir('queued-project');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'MLproject'), MLPROJECT);
  await writeFile(join(dir, 'train.py'), TRAIN_PY);
  await writeFile(join(dir, 'python_env.yaml'), `python: "${pythonVersion}"\n`);

  const { store } = rig.server;
  const experimentId = store.experiments.create(experimentName, undefined, []);
  const parent = store.createRun({ experimentId, runName: 'sweep parent', tags: [] }).info.run_id;
  const source = await snapshotProject(new TrackingClient(rig.server.url), dir, parent);
  await rm(dir, { recursive: true, force: true });
  return { experimentId, parent, source };
}

describe('a Python MLflow project on two BullMQ workers', () => {
  it('runs each trial from the project snapshot into its own run with the real MLflow client', { timeout: 180_000 }, async () => {
    expect(mlflowAvailability()).toEqual({ ok: true });
    const { store } = rig.server;
    const { experimentId, parent, source } = await snapshotOnly('queued-python');
    const rates = ['0.4', '0.2', '0.1', '0.05'];
    const jobs = [];
    for (const lr of rates) {
      const runId = store.createRun({ experimentId, runName: `lr=${lr}`, tags: [{ key: 'mlflow.parentRunId', value: parent }] }).info.run_id;
      const job = rig.jobs.create({
        kind: 'trial',
        name: `lr=${lr}`,
        executor: 'bullmq',
        parentId: null,
        spec: { type: 'project', project: source, entryPoint: 'main', parameters: { lr, epochs: '3' }, experimentId, runId },
      });
      await rig.executor.submit(job);
      jobs.push(job);
    }
    const done = await Promise.all(jobs.map((job) => rig.executor.waitFor(job.id)));
    for (const [i, job] of done.entries()) {
      expect(job.status, `${job.reason}\n${job.logTail}`).toBe('succeeded');
      expect(job.logTail).toContain(`trained with lr ${rates[i]}`);
      const run = await rig.runGet(job.runId!);
      expect(run.info.status).toBe('FINISHED');
      const losses = (run.data.metrics ?? []).filter((m) => m.key === 'loss');
      expect(losses).toEqual([expect.objectContaining({ value: Number(rates[i]) / 3 })]);
      expect(tagsOf(run)).toMatchObject({ 'mlflow.parentRunId': parent, 'mldesk.worker': job.workerId });
      const model = await fetch(`${rig.server.url}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${job.runId}/artifacts/model/model.txt`);
      expect(await model.text()).toBe(`weights for lr ${rates[i]}`);
    }
    expect(new Set(done.map((job) => job.workerId))).toEqual(new Set(workers.map((w) => w.workerId)));
  });

  it('finishes a trial whose worker is SIGKILLed mid-training on the other worker, into a new run', { timeout: 180_000 }, async () => {
    const { store } = rig.server;
    const { experimentId, parent, source } = await snapshotOnly('queued-python-kill');
    const runId = store.createRun({ experimentId, runName: 'slow trial', tags: [{ key: 'mlflow.parentRunId', value: parent }] }).info.run_id;
    const job = rig.jobs.create({
      kind: 'trial',
      name: 'slow trial',
      executor: 'bullmq',
      maxAttempts: 2,
      backoffMs: 100,
      spec: { type: 'project', project: source, entryPoint: 'main', parameters: { lr: '0.3', epochs: '4', pause: '0.7' }, experimentId, runId },
    });
    await rig.executor.submit(job);
    const running = await rig.until(job.id, (j) => j.status === 'running' && j.pid !== null && j.logTail.includes('step 0 of attempt 1'), 90_000, 'training on attempt 1');
    const victim = workers.find((w) => w.workerId === running.workerId)!;
    victim.child.kill('SIGKILL');
    await victim.exited;
    process.kill(-running.pid!, 'SIGKILL'); // the machine went down with it

    const done = await rig.executor.waitFor(job.id);
    expect(done.status, `${done.reason}\n${done.logTail}`).toBe('succeeded');
    expect(done.attempts).toBe(2);
    expect(done.logTail).toContain('step 3 of attempt 2');
    const abandoned = await rig.runGet(runId);
    expect(abandoned.info.status).toBe('FAILED');
    expect(tagsOf(abandoned)['mldesk.failure_reason']).toMatch(/^worker lost: /);
    const retry = await rig.runGet(done.runId!);
    expect(retry.info.status).toBe('FINISHED');
    expect(tagsOf(retry)).toMatchObject({ 'mldesk.attempt': '2', 'mldesk.replaces_run': runId, 'mlflow.parentRunId': parent });
    expect((retry.data.metrics ?? []).find((m) => m.key === 'loss')).toMatchObject({ value: 0.3 / 4 });
  });
});
