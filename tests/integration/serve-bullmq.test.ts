/**
 * `mldesk serve --redis` (issue 15): the app's own sweeps (New sweep form → sweeps.create) run their
 * trials on BullMQ workers instead of the local pool; the project goes to them as a snapshot (no
 * shared disk) and the jobs list names the worker of each trial. Real `mldesk serve` and
 * `mldesk worker` processes, a real redis-server, the app API over HTTP. Needs `npm run build`.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../shared/automation.js';
import { startWorkerProcess, useQueueCleanup } from './bullmq-fixture.js';
import { NODE_TRIAL_MLPROJECT, nodeTrialJs, writeProject } from './project-fixture.js';
import { startRedis } from './redis-fixture.js';
import { startServer, type ServerProcess } from './server-process.js';

const SECRET = 'serve-queue-secret-51bd';
const started = useQueueCleanup();
const workers = started.workers;

async function call<T>(server: ServerProcess, operation: string, input: unknown): Promise<T> {
  const response = await server.post<{ ok: boolean; value?: T; error?: { message: string } }>(`/app-api/${operation}`, input);
  if (!response.body.ok) throw new Error(`${operation}: ${response.status} ${JSON.stringify(response.body.error)}`);
  return response.body.value!;
}

interface SweepDetail {
  state: string;
  runId: string;
  bestTrial: number | null;
  trials: Array<{ number: number; state: string; parameters: Record<string, number>; runId: string | null }>;
}

describe('mldesk serve --redis', () => {
  it('refuses --advertise-url without --redis, and a --redis that is not a Redis URL', async () => {
    await expect(startServer({ args: ['--advertise-url', 'http://example.com:5000'] })).rejects.toThrow(/--advertise-url needs --redis/);
    await expect(startServer({ args: ['--redis', 'http://127.0.0.1:6379'] })).rejects.toThrow(/--redis: 'http:\/\/127.0.0.1:6379' must start with redis:\/\/ or rediss:\/\//);
    await expect(startServer({ args: ['--redis', 'redis://127.0.0.1:1', '--advertise-url', 'ftp://x'] })).rejects.toThrow(/--advertise-url: 'ftp:\/\/x' must start with http:\/\/ or https:\/\//);
  });

  it('runs the trials of a sweep created through the app API on a BullMQ worker, whose id the jobs list shows', { timeout: 90_000 }, async () => {
    const redis = await startRedis();
    started.redis.push(redis);
    const queue = `serve${Date.now().toString(36)}`;
    const server = await startServer({ host: '0.0.0.0', token: SECRET, headers: { authorization: `Bearer ${SECRET}` }, args: ['--redis', redis.url, '--queue', queue] });
    const announced = await server.waitForStdout(/Jobs go to BullMQ queue '([^']+)'; workers log into (\S+)/);
    expect(announced[1]).toBe(queue);
    expect(new URL(announced[2]!).port).toBe(String(server.port));
    const worker = await startWorkerProcess(redis.url, queue, ['--concurrency', '2'], { MLDESK_TOKEN: SECRET });
    workers.push(worker);

    const dir = await writeProject(
      { 'project/MLproject': NODE_TRIAL_MLPROJECT, 'project/train.js': nodeTrialJs(3) },
      'serve-bullmq-project',
    );
    const { sweep } = await call<{ sweep: { id: string } }>(server, 'sweeps.create', {
      spec: { project: join(dir, 'project'), method: 'grid', metric: { name: 'loss', goal: 'minimize' }, parameters: { x: { values: [0.1, 0.3, 0.6] } } },
      parallel: 2,
    });
    const deadline = Date.now() + 60_000;
    let detail = (await call<{ sweep: SweepDetail }>(server, 'sweeps.get', { id: sweep.id })).sweep;
    while (detail.state === 'running' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      detail = (await call<{ sweep: SweepDetail }>(server, 'sweeps.get', { id: sweep.id })).sweep;
    }
    expect(detail.state, `${JSON.stringify(detail.trials)}\n--- worker:\n${worker.output()}\n--- serve:\n${server.stderr()}`).toBe('finished');
    expect(detail.trials.map((trial) => trial.state)).toEqual(['completed', 'completed', 'completed']);
    expect(detail.trials.find((trial) => trial.number === detail.bestTrial)?.parameters).toEqual({ x: 0.3 });

    const { jobs } = await call<{ jobs: Job[] }>(server, 'jobs.list', { limit: 50 });
    const trials = jobs.filter((job) => job.kind === 'trial');
    expect(trials).toHaveLength(3);
    for (const job of trials) {
      expect(job).toMatchObject({ status: 'succeeded', executor: 'bullmq', workerId: worker.workerId });
      // The worker ran the project from the snapshot on the sweep run, not from the folder.
      expect(job.spec).toMatchObject({ type: 'project', project: { kind: 'artifact', runId: detail.runId } });
    }
    expect(worker.output()).not.toContain(SECRET);

    // Cancel from the Jobs page reaches the worker through the queue (not the local pool, which never had the job).
    const sleeper = await writeProject(
      { MLproject: 'name: sleeper\nentry_points:\n  main:\n    parameters:\n      x: {type: float, default: 0.5}\n    command: "node sleep.js {x}"\n', 'sleep.js': 'setInterval(() => {}, 1000);\n' },
      'serve-bullmq-sleeper',
    );
    const slow = await call<{ sweep: { id: string } }>(server, 'sweeps.create', {
      spec: { project: sleeper, method: 'grid', metric: { name: 'loss', goal: 'minimize' }, parameters: { x: { values: [0.3] } }, stale_after_s: 600 },
      parallel: 1,
    });
    let running: Job | undefined;
    const until = Date.now() + 30_000;
    while (!(running?.status === 'running' && running.pid !== null) && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const listed = await call<{ jobs: Job[] }>(server, 'jobs.list', { limit: 50 });
      running = listed.jobs.find((job) => job.kind === 'trial' && job.status !== 'succeeded');
    }
    expect(running, worker.output()).toMatchObject({ status: 'running', executor: 'bullmq', workerId: worker.workerId });
    await call(server, 'jobs.cancel', { id: running!.id, reason: 'stopped from the jobs page' });
    const stopBy = Date.now() + 15_000;
    let cancelled = (await call<{ job: Job }>(server, 'jobs.get', { id: running!.id })).job;
    while (cancelled.status === 'running' && Date.now() < stopBy) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      cancelled = (await call<{ job: Job }>(server, 'jobs.get', { id: running!.id })).job;
    }
    expect(cancelled).toMatchObject({ status: 'cancelled', reason: 'stopped from the jobs page' });
    expect(() => process.kill(running!.pid!, 0)).toThrow();
    const end = Date.now() + 10_000;
    while ((await call<{ sweep: SweepDetail }>(server, 'sweeps.get', { id: slow.sweep.id })).sweep.state === 'running' && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await call<{ sweep: SweepDetail }>(server, 'sweeps.get', { id: slow.sweep.id })).sweep.trials[0]?.state).toBe('cancelled');
  });
});
