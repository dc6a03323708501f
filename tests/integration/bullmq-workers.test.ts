/**
 * Jobs on BullMQ workers (issue 15, "Jobs that survive"): a real redis-server, the tracking server
 * in process on 127.0.0.1:0, and real `mldesk worker` child processes that log only over REST.
 * Needs `npm run build` (the workers run dist/).
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullMqExecutor } from '../../electron/core/automation/bullmq-executor.js';
import type { Job } from '../../shared/automation.js';
import { startQueueRig, tagsOf, type QueueRig, type WorkerProcess } from './bullmq-fixture.js';
import { CLI, childEnv, cleanupTempDirs } from './server-process.js';
import { pidAlive } from '../../electron/core/automation/process-identity.js';

let rig: QueueRig;
let workers: WorkerProcess[];
let experimentId: string;

beforeAll(async () => {
  rig = await startQueueRig();
  workers = await Promise.all([rig.startWorker(), rig.startWorker()]);
  experimentId = rig.server.store.experiments.create('bullmq-it', undefined, []);
});

afterAll(async () => {
  await rig?.stop();
  await cleanupTempDirs();
});

/** A node one-liner as a job's command; it sees MLFLOW_TRACKING_URI / MLFLOW_RUN_ID like any project. */
const node = (source: string) => [process.execPath, '-e', source];

async function submit(name: string, argv: string[], options: { maxAttempts?: number; backoffMs?: number; withRun?: boolean } = {}): Promise<Job> {
  const runId = options.withRun === false ? undefined : rig.server.store.createRun({ experimentId, runName: name, tags: [] }).info.run_id;
  const job = rig.jobs.create({ kind: 'command', name, executor: 'bullmq', spec: { type: 'command', argv, runId }, maxAttempts: options.maxAttempts ?? 1, backoffMs: options.backoffMs ?? 100 });
  await rig.executor.submit(job);
  return job;
}


describe('BullMQ workers', () => {
  it('runs jobs on two workers, mirrors their output into the jobs table and ends their runs', async () => {
    const jobs = await Promise.all(
      [0, 1, 2, 3].map((i) => submit(`hello-${i}`, node(`console.log('hello from', process.env.MLDESK_JOB_ID, 'run', process.env.MLFLOW_RUN_ID); setTimeout(() => {}, 700)`))),
    );
    const done = await Promise.all(jobs.map((job) => rig.executor.waitFor(job.id)));
    for (const [i, job] of done.entries()) {
      expect(job.status, job.reason ?? '').toBe('succeeded');
      expect(job.exitCode).toBe(0);
      expect(job.attempts).toBe(1);
      expect(job.logTail).toContain(`hello from ${job.id} run ${jobs[i]!.runId}`);
      const run = await rig.runGet(job.runId!);
      expect(run.info.status).toBe('FINISHED');
      expect(tagsOf(run)['mldesk.worker']).toBe(job.workerId);
    }
    expect(new Set(done.map((job) => job.workerId))).toEqual(new Set(workers.map((w) => w.workerId)));
    // The whole output went to the run through the artifact proxy, not a shared disk.
    const log = await fetch(`${rig.server.url}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${done[0]!.runId}/artifacts/mldesk-job/attempt-1.log`);
    expect(await log.text()).toContain(`hello from ${done[0]!.id}`);
  });

  it('retries a failing job into a new run that names the run it replaces', async () => {
    const job = await submit('always-fails', node(`console.error('boom on attempt', process.env.MLDESK_JOB_ATTEMPT); process.exit(3)`), { maxAttempts: 2, backoffMs: 200 });
    const done = await rig.executor.waitFor(job.id);
    expect(done).toMatchObject({ status: 'failed', attempts: 2, exitCode: 3, reason: 'exit code 3' });
    expect(done.logTail).toContain('boom on attempt 2');
    expect(done.runId).not.toBe(job.runId);
    const [first, second] = [await rig.runGet(job.runId!), await rig.runGet(done.runId!)];
    expect(first.info.status).toBe('FAILED');
    expect(tagsOf(first)['mldesk.failure_reason']).toBe('exit code 3');
    expect(second.info.status).toBe('FAILED');
    expect(second.info.run_name).toBe('always-fails (attempt 2)');
    expect(tagsOf(second)).toMatchObject({ 'mldesk.attempt': '2', 'mldesk.replaces_run': job.runId, 'mldesk.job_id': job.id });
  });

  it('survives a worker killed with SIGKILL mid-job: the other worker finishes it into a new run, the abandoned run is FAILED with the reason', async () => {
    // Logs a metric into whichever run the attempt got, over the tracking REST API, then works for 2.5 s.
    const script = `
      const uri = process.env.MLFLOW_TRACKING_URI, run = process.env.MLFLOW_RUN_ID, attempt = Number(process.env.MLDESK_JOB_ATTEMPT);
      fetch(uri + '/api/2.0/mlflow/runs/log-metric', { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ run_id: run, key: 'attempt', value: attempt, timestamp: Date.now(), step: 0 }) })
        .then(() => { console.log('started attempt', attempt, 'pid', process.pid); setTimeout(() => console.log('finished attempt', attempt), 2500); });`;
    const job = await submit('survivor', node(script), { maxAttempts: 2, backoffMs: 100 });
    const running = await rig.until(job.id, (j) => j.status === 'running' && j.logTail.includes('started attempt 1'), 30_000, 'running attempt 1');
    const victim = workers.find((w) => w.workerId === running.workerId)!;
    const survivor = workers.find((w) => w !== victim)!;
    victim.child.kill('SIGKILL');
    await victim.exited;
    // The machine went down with its worker: its job process goes too (a SIGKILLed worker cannot take it along).
    process.kill(-running.pid!, 'SIGKILL');

    const done = await rig.executor.waitFor(job.id);
    expect(done.status, done.reason ?? '').toBe('succeeded');
    expect(done.attempts).toBe(2);
    expect(done.workerId).toBe(survivor.workerId);
    expect(done.logTail).toContain('finished attempt 2');
    expect(done.runId).not.toBe(job.runId);

    const abandoned = await rig.runGet(job.runId!);
    expect(abandoned.info.status).toBe('FAILED');
    expect(tagsOf(abandoned)['mldesk.failure_reason']).toMatch(new RegExp(`^worker lost: ${victim.workerId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} stopped renewing its lock`));
    expect(abandoned.data.metrics).toEqual([expect.objectContaining({ key: 'attempt', value: 1 })]);

    const retry = await rig.runGet(done.runId!);
    expect(retry.info.status).toBe('FINISHED');
    expect(tagsOf(retry)).toMatchObject({ 'mldesk.attempt': '2', 'mldesk.replaces_run': job.runId, 'mldesk.worker': survivor.workerId });
    expect(retry.data.metrics).toEqual([expect.objectContaining({ key: 'attempt', value: 2 })]);
    workers = [survivor, await rig.startWorker()];
  });

  it('cancel reaches the remote worker, which kills the whole process tree', async () => {
    const script = `
      const { spawn } = require('node:child_process');
      const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      console.log('grandchild', grandchild.pid);
      setInterval(() => {}, 1000);`;
    const job = await submit('to-cancel', node(script));
    const running = await rig.until(job.id, (j) => j.status === 'running' && /grandchild \d+/.test(j.logTail) && j.pid !== null, 30_000, 'a running process tree');
    const grandchild = Number(/grandchild (\d+)/.exec(running.logTail)![1]);
    expect(pidAlive(grandchild)).toBe(true);

    await rig.executor.cancel(job.id, 'stopped from the test');
    const done = await rig.executor.waitFor(job.id);
    expect(done).toMatchObject({ status: 'cancelled', reason: 'stopped from the test' });
    const deadline = Date.now() + 5000;
    while ((pidAlive(grandchild) || pidAlive(running.pid!)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(pidAlive(running.pid!)).toBe(false);
    expect(pidAlive(grandchild)).toBe(false);
    const run = await rig.runGet(job.runId!);
    expect(run.info.status).toBe('KILLED');
    expect(tagsOf(run)['mldesk.failure_reason']).toBe('stopped from the test');
  });

  it('cancels a job still waiting in the queue without any worker running it', async () => {
    const busy = await Promise.all([0, 1].map((i) => submit(`busy-${i}`, node('setTimeout(() => {}, 1500)'), { withRun: false })));
    await Promise.all(busy.map((job) => rig.until(job.id, (j) => j.status === 'running')));
    const waiting = await submit('never-runs', node(`console.log('should not run')`));
    await rig.executor.cancel(waiting.id, 'not needed any more');
    const done = await rig.executor.waitFor(waiting.id);
    expect(done).toMatchObject({ status: 'cancelled', reason: 'not needed any more', attempts: 0 });
    await Promise.all(busy.map((job) => rig.executor.waitFor(job.id)));
    expect(rig.jobs.get(waiting.id).logTail).toBe('');
  });

  it('catches up on a job that finished while no controller listened (the app was closed)', async () => {
    const job = await submit('while-closed', node(`console.log('working'); setTimeout(() => console.log('done'), 1000)`));
    await rig.until(job.id, (j) => j.status === 'running' && j.logTail.includes('working'));
    await rig.executor.close();
    const deadline = Date.now() + 20_000;
    while ((await rig.runGet(job.runId!)).info.status === 'RUNNING' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(rig.jobs.get(job.id).status).toBe('running');

    rig.executor = await BullMqExecutor.open({ store: rig.jobs, redisUrl: rig.redis.url, queue: rig.queue, trackingUri: rig.server.url });
    expect(rig.jobs.get(job.id)).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect((await rig.runGet(job.runId!)).info.status).toBe('FINISHED');
  });

  it('refuses a bad --redis URL with a clear message', () => {
    const result = spawnSync(process.execPath, [CLI, 'worker', '--redis', 'http://127.0.0.1:6379'], { env: childEnv(), encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--redis: 'http://127.0.0.1:6379' must start with redis:// or rediss://.");
  });
});
