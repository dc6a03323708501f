/**
 * Sweeps started from the app (`mldesk serve`, and the desktop app, which starts the same server
 * behind its launch secret)
 * run their trials as jobs of the services' JobsService: the jobs page's live `jobs.changed` events
 * follow every trial, and a 4-parallel sweep runs 4 trials at once whatever the core count (the
 * general pool is bounded by cores − 1). Real server in process, real trial processes, real SQLite.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAppHandlers } from '../../electron/api/app-handlers.js';
import { startServer, type RunningServer } from '../../electron/cli/serve-command.js';
import { newLaunchSecret } from '../../electron/server/launch-secret.js';
import { NODE_TRIAL_MLPROJECT, nodeTrialJs, writeProject } from './project-fixture.js';
import { cleanupTempDirs, makeTempDir } from './server-process.js';

const servers: RunningServer[] = [];

afterAll(async () => {
  for (const server of servers) await server.close();
  await cleanupTempDirs();
});

// Each trial logs one loss per step over REST for ~1 s, so 4 of them overlap when the pool lets them.
async function project(): Promise<string> {
  return join(await writeProject({ 'project/MLproject': NODE_TRIAL_MLPROJECT, 'project/train.js': nodeTrialJs(4, 250) }, 'sweep-serve-project'), 'project');
}

const caller = { identity: 'test', via: 'os-user' as const };

describe('sweeps in mldesk serve', () => {
  it('runs trials as jobs of services.jobs: jobs.changed events follow them, 4 at a time whatever the core count', { timeout: 60_000 }, async () => {
    const server = await startServer({ host: '127.0.0.1', port: 0, dataDir: await makeTempDir('sweep-serve-data'), version: 'test', quiet: true });
    servers.push(server);
    const events: Array<{ id: string; status: string; kind: string }> = [];
    server.services.events.subscribe((event) => {
      if (event.type === 'jobs.changed') events.push(event.payload as { id: string; status: string; kind: string });
    });
    const handlers = createAppHandlers(server.services);
    const path = await project();
    const { sweep } = await handlers['sweeps.create'](
      { spec: { project: path, method: 'grid', metric: { name: 'loss', goal: 'minimize' }, parameters: { x: { values: [0.1, 0.3, 0.5, 0.7] } } }, parallel: 4 },
      caller,
    );
    const deadline = Date.now() + 45_000;
    const get = async () => (await handlers['sweeps.get']({ id: sweep.id }, caller)).sweep;
    while ((await get()).state === 'running' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const detail = await get();
    expect(detail.state).toBe('finished');
    expect(detail.trials.map((trial) => trial.state)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(detail.trials.find((trial) => trial.number === detail.bestTrial)?.parameters).toEqual({ x: 0.3 });

    // Every trial job's start and end reached the live events the jobs page listens to.
    const trialJobs = server.services.jobs.store.list({ limit: 100 }).filter((job) => job.kind === 'trial');
    expect(trialJobs).toHaveLength(4);
    // The bus coalesces a job's events over a short window: the last one comes a moment after the sweep ends.
    const seen = (id: string) => events.filter((event) => event.id === id).map((event) => event.status);
    const until = Date.now() + 5000;
    while (trialJobs.some((job) => !seen(job.id).includes('succeeded')) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    for (const job of trialJobs) {
      expect(job.executor).toBe('local');
      expect(seen(job.id)).toEqual(expect.arrayContaining(['running', 'succeeded']));
    }
    // The 4 trials ran at once, though the general pool holds cores − 1.
    const overlap = Math.max(...trialJobs.map((job) => trialJobs.filter((other) => other.startedAt! <= job.startedAt! && other.endedAt! > job.startedAt!).length));
    expect(overlap).toBe(4);
    process.stdout.write(`general pool concurrency ${server.services.jobs.pool.concurrency}, trials ran 4 at once\n`);
  });

  it('the desktop app (the same server behind a launch secret) runs sweeps, its trials logging with the secret as bearer token', { timeout: 30_000 }, async () => {
    const server = await startServer({ host: '127.0.0.1', port: 0, dataDir: await makeTempDir('sweep-desktop-data'), version: 'test', quiet: true, launchSecret: newLaunchSecret() });
    servers.push(server);
    const handlers = createAppHandlers(server.services);
    const { sweep } = await handlers['sweeps.create']({ spec: { project: await project(), method: 'grid', metric: { name: 'loss', goal: 'minimize' }, parameters: { x: { values: [0.3, 0.6] } } }, parallel: 2 }, caller);
    const deadline = Date.now() + 20_000;
    const get = async () => (await handlers['sweeps.get']({ id: sweep.id }, caller)).sweep;
    while ((await get()).state === 'running' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const detail = await get();
    expect(detail.state, JSON.stringify(detail.trials)).toBe('finished');
    expect(detail.trials.map((trial) => trial.state)).toEqual(['completed', 'completed']);
    // Without the secret, the server still refuses: a wrong bearer token is no way in.
    const refused = await fetch(`${server.url}/api/2.0/mlflow/experiments/search?max_results=1`, { headers: { authorization: 'Bearer not-the-secret' } });
    expect(refused.status).toBe(403);
  });
});

describe('a sweep trial cancelled from the Jobs page', () => {
  it('stops its process in the trials pool and the sweep records it as cancelled', { timeout: 30_000 }, async () => {
    const server = await startServer({ host: '127.0.0.1', port: 0, dataDir: await makeTempDir('sweep-cancel-data'), version: 'test', quiet: true });
    servers.push(server);
    const handlers = createAppHandlers(server.services);
    const dir = await writeProject({ MLproject: NODE_TRIAL_MLPROJECT, 'train.js': 'setInterval(() => {}, 1000);\n' }, 'sweep-cancel-project');
    const { sweep } = await handlers['sweeps.create']({ spec: { project: dir, method: 'grid', metric: { name: 'loss', goal: 'minimize' }, parameters: { x: { values: [0.3] } }, stale_after_s: 600 }, parallel: 1 }, caller);
    const jobs = server.services.jobs.store;
    const deadline = Date.now() + 15_000;
    let trial = jobs.list({ limit: 10 }).find((job) => job.kind === 'trial');
    while ((trial?.status !== 'running' || trial.pid === null) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      trial = jobs.list({ limit: 10 }).find((job) => job.kind === 'trial');
    }
    expect(trial?.status).toBe('running');
    const pid = trial!.pid!;
    await handlers['jobs.cancel']({ id: trial!.id }, caller);
    expect(jobs.get(trial!.id).status).toBe('cancelled');
    expect(() => process.kill(pid, 0)).toThrow();
    const until = Date.now() + 10_000;
    while ((await handlers['sweeps.get']({ id: sweep.id }, caller)).sweep.state === 'running' && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect((await handlers['sweeps.get']({ id: sweep.id }, caller)).sweep.trials[0]?.state).toBe('cancelled');
  });
});
