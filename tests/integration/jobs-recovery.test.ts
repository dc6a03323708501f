/**
 * Jobs survive a crash: a process running jobs is SIGKILLed; the next `mldesk serve` on the data
 * dir ends its jobs failed (runs too), kills the orphaned job processes, and requeues the job
 * whose policy allows a retry. Two servers starting at once on one data dir recover and run each
 * job once.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Job } from '../../shared/automation.js';
import { REPO_ROOT, childEnv, cleanupTempDirs, makeTempDir, startServer, stopAllServers, type ServerProcess } from './server-process.js';
import { pidAlive } from '../../electron/core/automation/process-identity.js';

const dist = (path: string) => pathToFileURL(join(REPO_ROOT, 'dist', path)).href;

// A process owning two running jobs: `lost` (1 attempt, with a run) and `retried` (2 attempts).
const OWNER_SCRIPT = `
import { TrackingStore } from ${JSON.stringify(dist('electron/core/store/tracking-store.js'))};
import { JobsService } from ${JSON.stringify(dist('electron/core/automation/jobs-service.js'))};
const store = TrackingStore.open(process.argv[1]);
const jobs = new JobsService(store, { concurrency: 2 });
const run = store.createRun({ experimentId: '0', runName: 'crashing', tags: [] });
const argv = [process.execPath, '-e', 'setInterval(() => {}, 1000)'];
const lost = await jobs.submit({ kind: 'command', name: 'lost', executor: 'local', spec: { type: 'command', argv, runId: run.info.run_id } });
const retried = await jobs.submit({ kind: 'command', name: 'retried', executor: 'local', spec: { type: 'command', argv }, maxAttempts: 2, backoffMs: 0 });
const timer = setInterval(() => {
  const a = jobs.store.get(lost.id), b = jobs.store.get(retried.id);
  if (a.pid && b.pid) {
    clearInterval(timer);
    console.log('READY ' + JSON.stringify({ lost: lost.id, retried: retried.id, runId: run.info.run_id, pids: [a.pid, b.pid] }));
  }
}, 20);
`;

interface Ready {
  lost: string;
  retried: string;
  runId: string;
  pids: number[];
}

function startOwner(dataDir: string): Promise<{ ready: Ready; kill: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', OWNER_SCRIPT, dataDir], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /^READY (.+)$/m.exec(out);
      if (match) {
        const ready = JSON.parse(match[1]!) as Ready;
        resolve({ ready, kill: () => new Promise((done) => (child.kill('SIGKILL'), child.once('exit', () => done()))) });
      }
    });
    child.once('exit', (code) => reject(new Error(`the owner script exited (${code}) before its jobs ran:\n${err}`)));
  });
}


async function job(server: ServerProcess, id: string): Promise<Job> {
  const res = await server.post<{ ok: boolean; value: { job: Job } }>('/app-api/jobs.get', { id });
  expect(res.body.ok).toBe(true);
  return res.body.value.job;
}

async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

afterAll(async () => {
  await stopAllServers();
  await cleanupTempDirs();
});

describe('restart recovery', () => {
  it('fails the jobs of a SIGKILLed process and their run, kills its orphans, and retries the one whose policy allows', async () => {
    const dataDir = await makeTempDir('jobs-recovery');
    const owner = await startOwner(dataDir);
    const { ready } = owner;
    expect(ready.pids.every(pidAlive)).toBe(true);
    await owner.kill();
    // Detached job processes outlive their owner: recovery must not leave them running beside a retry.
    expect(ready.pids.every(pidAlive)).toBe(true);

    // Two servers start at once on the same data dir: one recovery per job, one run per attempt.
    const [a, b] = await Promise.all([startServer({ dataDir }), startServer({ dataDir })]);
    const lost = await job(a, ready.lost);
    expect(lost).toMatchObject({ status: 'failed', reason: 'process died while MLDesk was closed', attempts: 1 });
    const run = await a.get<{ run: { info: { status: string; end_time?: number } } }>('runs/get', { run_id: ready.runId });
    expect(run.body.run.info.status).toBe('FAILED');
    expect(run.body.run.info.end_time).toBeGreaterThan(0);

    const retried = await until(
      () => job(b, ready.retried),
      (j) => j.status === 'running' && j.pid !== null,
    );
    expect(retried).toMatchObject({ status: 'running', attempts: 2 });
    expect(retried.reason).toBe('process died while MLDesk was closed');
    expect(ready.pids.some((pid) => pid === retried.pid)).toBe(false);
    await until(
      async () => ready.pids.filter(pidAlive).length,
      (n) => n === 0,
      5000,
    );
    expect(ready.pids.filter(pidAlive)).toEqual([]);

    // Exactly one of the two servers runs the retry; closing them ends it failed (no attempts left).
    await a.stop();
    await b.stop();
    const c = await startServer({ dataDir });
    const ended = await job(c, ready.retried);
    expect(ended).toMatchObject({ status: 'failed', attempts: 2 });
    expect(['MLDesk stopped while it ran', 'process died while MLDesk was closed']).toContain(ended.reason);
    await c.stop();
  });
});
