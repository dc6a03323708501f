import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../../../shared/automation.js';
import { openDatabase, type SqliteDatabase } from '../store/database.js';
import { JobStore } from './job-store.js';
import { LocalPoolExecutor } from './local-pool.js';
import { identityOf, pidAlive } from './process-identity.js';

/** The local pool starts command jobs through a spawner process (spawner-process.ts), never forking the process that keeps the database. */

let dir: string;
let db: SqliteDatabase;
let jobs: JobStore;
let pool: LocalPoolExecutor | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-pool-spawner-'));
  db = openDatabase(join(dir, 'mldesk.db'));
  jobs = new JobStore(db);
});

afterEach(async () => {
  await pool?.close();
  pool = undefined;
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const node = (script: string): string[] => [process.execPath, '-e', script];

function command(argv: string[], maxAttempts = 1): Job {
  return jobs.create({ kind: 'command', name: 'test', executor: 'local', spec: { type: 'command', argv }, maxAttempts, backoffMs: 10 });
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function parentOf(pid: number): number {
  return Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

/** A job with a child in its process group; the child's pid lands in `pidFile`. */
function tree(pidFile: string): string[] {
  const grandchild = 'setInterval(() => {}, 1000)';
  return node(`const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: 'ignore' }); require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(c.pid)); setInterval(() => {}, 1000)`);
}

async function runningPid(jobId: string): Promise<number> {
  await until(() => jobs.get(jobId).pid !== null);
  return jobs.get(jobId).pid as number;
}

describe('LocalPoolExecutor with its spawner process', () => {
  it('starts command jobs from a spawner process, recording the job process pid and identity', async () => {
    pool = new LocalPoolExecutor(jobs, { concurrency: 1, killGraceMs: 200 });
    const job = command(node('setInterval(() => {}, 1000)'));
    await pool.submit(job);
    const pid = await runningPid(job.id);
    const spawnerPid = parentOf(pid);
    expect(spawnerPid).not.toBe(process.pid);
    expect(readFileSync(`/proc/${spawnerPid}/cmdline`, 'utf8')).toContain('spawner-process');
    // What restart recovery judges the job by: pid and start time, read by the spawner.
    expect(jobs.runningOwners().find((owner) => owner.id === job.id)?.pidIdentity).toBe(identityOf(pid));
    await pool.cancel(job.id, 'done looking');
    expect(await pool.waitFor(job.id)).toMatchObject({ status: 'cancelled', reason: 'done looking' });
    // Closing the pool ends its spawner.
    await pool.close();
    await until(() => !pidAlive(spawnerPid), 3000);
  });

  it('a spawner killed mid-job: the job ends failed naming it, its tree is killed, and the next job starts a new spawner', async () => {
    pool = new LocalPoolExecutor(jobs, { concurrency: 1 });
    const pidFile = join(dir, 'child.pid');
    const job = command(tree(pidFile));
    await pool.submit(job);
    const pid = await runningPid(job.id);
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    const spawnerPid = parentOf(pid);
    process.kill(spawnerPid, 'SIGKILL');
    const done = await pool.waitFor(job.id);
    expect(done).toMatchObject({ status: 'failed', attempts: 1, reason: `the job spawner process (pid ${spawnerPid}) was killed by SIGKILL while the job ran` });
    expect(done.logTail).toContain('job spawner process');
    await until(() => !pidAlive(pid) && !pidAlive(grandchild), 3000);

    const next = command(node("console.log('after the spawner died')"));
    await pool.submit(next);
    expect(await pool.waitFor(next.id)).toMatchObject({ status: 'succeeded', exitCode: 0 });
    const third = command(node('setInterval(() => {}, 1000)'));
    await pool.submit(third);
    const newSpawner = parentOf(await runningPid(third.id));
    expect(newSpawner).not.toBe(spawnerPid);
    expect(newSpawner).not.toBe(process.pid);
    await pool.cancel(third.id, 'enough');
  });

  it('a job the spawner died under is requeued when its retry policy allows, and succeeds on a new spawner', async () => {
    pool = new LocalPoolExecutor(jobs, { concurrency: 1 });
    const job = command(node("if (process.env.MLDESK_JOB_ATTEMPT === '1') setInterval(() => {}, 1000); else console.log('second attempt')"), 2);
    await pool.submit(job);
    process.kill(parentOf(await runningPid(job.id)), 'SIGKILL');
    const done = await pool.waitFor(job.id);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(done.logTail).toContain('second attempt');
  });

  it('a cancel that arrives before the spawner has reported the pid still stops the job', async () => {
    pool = new LocalPoolExecutor(jobs, { concurrency: 1, killGraceMs: 200 });
    const job = command(node("process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000)"));
    await pool.submit(job);
    // submit() has sent the request; the spawner cannot have answered yet.
    expect(jobs.get(job.id).pid).toBeNull();
    await pool.cancel(job.id, 'cancelled at once');
    expect(await pool.waitFor(job.id)).toMatchObject({ status: 'cancelled', reason: 'cancelled at once' });
  });
});
