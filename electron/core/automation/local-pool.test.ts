import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../../../shared/automation.js';
import { openDatabase, type SqliteDatabase } from '../store/database.js';
import { JobStore, type NewJob } from './job-store.js';
import { LocalPoolExecutor } from './local-pool.js';
import { pidAlive } from './process-identity.js';

let dir: string;
let db: SqliteDatabase;
let jobs: JobStore;
let pool: LocalPoolExecutor | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-pool-'));
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

function command(argv: string[], extra: Partial<NewJob> = {}): Job {
  return jobs.create({ kind: 'command', name: 'test', executor: 'local', spec: { type: 'command', argv }, ...extra });
}


async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('LocalPoolExecutor', () => {
  it('runs a command job, records its pid and keeps its output as the log tail', async () => {
    pool = new LocalPoolExecutor(jobs, { concurrency: 1 });
    const pids: Array<number | null> = [];
    jobs.onChange((job) => pids.push(job.pid));
    const job = command(node("console.log('hello from the job'); console.error('and from stderr')"));
    await pool.submit(job);
    const done = await pool.waitFor(job.id);
    expect(done.status).toBe('succeeded');
    expect(done.exitCode).toBe(0);
    expect(done.attempts).toBe(1);
    expect(done.logTail).toContain('hello from the job');
    expect(done.logTail).toContain('and from stderr');
    expect(done.workerId).toMatch(/^local:/);
    expect(pids.some((pid) => typeof pid === 'number' && pid > 0)).toBe(true);
    expect(done.pid).toBeNull();
    expect(done.endedAt).not.toBeNull();
  });

  it('retries a failed job after its backoff and ends succeeded on the attempt that works', async () => {
    pool = new LocalPoolExecutor(jobs, { concurrency: 1 });
    const job = command(node("if (process.env.MLDESK_JOB_ATTEMPT === '1') { console.log('first try fails'); process.exit(3) } console.log('second try works')"), { maxAttempts: 3, backoffMs: 150 });
    const statuses: string[] = [];
    jobs.onChange((changed) => statuses.push(changed.status));
    const started = Date.now();
    await pool.submit(job);
    const done = await pool.waitFor(job.id);
    expect(done.status).toBe('succeeded');
    expect(done.attempts).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(statuses).toContain('queued');
    expect(done.logTail).toContain('first try fails');
    expect(done.logTail).toContain('second try works');
  });

  it('ends a job failed with its exit code once its attempts are used up', async () => {
    pool = new LocalPoolExecutor(jobs, { concurrency: 1 });
    const job = command(node('process.exit(7)'), { maxAttempts: 2, backoffMs: 10 });
    await pool.submit(job);
    const done = await pool.waitFor(job.id);
    expect(done).toMatchObject({ status: 'failed', attempts: 2, exitCode: 7, reason: 'exit code 7' });
    expect(done.logTail).toBe('[mldesk] attempt 1 failed: exit code 7\n[mldesk] attempt 2 failed: exit code 7\n');
  });

  it('fails a command that cannot start, naming it, without retrying', async () => {
    pool = new LocalPoolExecutor(jobs, { concurrency: 1 });
    const job = command([join(dir, 'no-such-program')], { maxAttempts: 3, backoffMs: 10 });
    await pool.submit(job);
    const done = await pool.waitFor(job.id);
    expect(done.status).toBe('failed');
    expect(done.attempts).toBe(1);
    expect(done.reason).toContain('no-such-program');
  });

  it('cancel kills the whole process tree, grandchild included, even one that ignores SIGTERM', async () => {
    pool = new LocalPoolExecutor(jobs, { concurrency: 1, killGraceMs: 300 });
    const pidFile = join(dir, 'grandchild.pid');
    // The grandchild ignores SIGTERM, so only the SIGKILL after the grace ends it.
    const grandchild = "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)";
    const parent = `const { spawn } = require('node:child_process'); const c = spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: 'ignore' }); require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(c.pid)); console.log('started'); setInterval(() => {}, 1000)`;
    const job = command(node(parent), { maxAttempts: 3 });
    await pool.submit(job);
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0);
    const grandchildPid = Number(readFileSync(pidFile, 'utf8'));
    expect(pidAlive(grandchildPid)).toBe(true);
    await pool.cancel(job.id, 'cancelled by the test');
    const done = await pool.waitFor(job.id);
    expect(done).toMatchObject({ status: 'cancelled', reason: 'cancelled by the test', attempts: 1 });
    await until(() => !pidAlive(grandchildPid), 3000);
  });

  it('never runs more than `concurrency` jobs at once, and starts them oldest first', async () => {
    pool = new LocalPoolExecutor(jobs, { concurrency: 2 });
    let running = 0;
    let peak = 0;
    const startOrder: string[] = [];
    jobs.onChange((job) => {
      running = jobs.list({ status: ['running'] }).length;
      peak = Math.max(peak, running);
      if (job.status === 'running' && job.pid === null) startOrder.push(job.id);
    });
    const created: Job[] = [];
    for (let i = 0; i < 5; i++) {
      created.push(command(node('setTimeout(() => {}, 200)')));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    // The two oldest take the slots; the rest, submitted newest first, still start oldest first.
    await pool.submit(created[0] as Job);
    await pool.submit(created[1] as Job);
    for (const job of created.slice(2).reverse()) await pool.submit(job);
    const done = await Promise.all(created.map((job) => pool!.waitFor(job.id)));
    expect(done.every((job) => job.status === 'succeeded')).toBe(true);
    expect(peak).toBe(2);
    expect(startOrder).toEqual(created.map((job) => job.id));
  });

  it('cancels a queued job without starting it', async () => {
    pool = new LocalPoolExecutor(jobs, { concurrency: 1 });
    const first = command(node('setTimeout(() => {}, 400)'));
    const second = command(node("console.log('must not run')"));
    await pool.submit(first);
    await pool.submit(second);
    await pool.cancel(second.id, 'not needed');
    expect(jobs.get(second.id)).toMatchObject({ status: 'cancelled', reason: 'not needed', attempts: 0 });
    expect((await pool.waitFor(first.id)).status).toBe('succeeded');
    expect(jobs.get(second.id).logTail).toBe('');
  });

  it('kills a job that another process cancelled through the database', async () => {
    pool = new LocalPoolExecutor(jobs, { concurrency: 1, tickMs: 100, killGraceMs: 200 });
    const job = command(node("console.log('up'); setInterval(() => {}, 1000)"));
    await pool.submit(job);
    await until(() => jobs.get(job.id).pid !== null);
    const other = openDatabase(join(dir, 'mldesk.db'));
    try {
      new JobStore(other).finish(job.id, { status: 'cancelled', reason: 'cancelled from the CLI' });
    } finally {
      other.close();
    }
    await until(() => pool!.running === 0, 5000);
    expect(jobs.get(job.id)).toMatchObject({ status: 'cancelled', reason: 'cancelled from the CLI' });
  });

  it('writes a chatty process output in batches, keeping only the tail', async () => {
    pool = new LocalPoolExecutor(jobs, { concurrency: 1, logFlushMs: 250 });
    let writes = 0;
    const job = command(node("let i = 0; const t = setInterval(() => { for (let k = 0; k < 50; k++) console.log('line ' + i++); if (i >= 20000) { clearInterval(t); } }, 1)"));
    jobs.onChange((changed) => {
      if (changed.id === job.id && changed.status === 'running') writes++;
    });
    const started = Date.now();
    await pool.submit(job);
    const done = await pool.waitFor(job.id);
    const seconds = (Date.now() - started) / 1000;
    expect(done.status).toBe('succeeded');
    expect(done.logTail.endsWith('line 19999\n')).toBe(true);
    expect(done.logTail.length).toBeLessThanOrEqual(16 * 1024);
    expect(done.logTail.startsWith('line ')).toBe(true);
    // At most one write per flush window, plus the claim, the pid and the final flush.
    expect(writes).toBeLessThanOrEqual(Math.ceil(seconds / 0.25) + 4);
  });

  it('close kills running jobs and requeues those whose policy allows another attempt', async () => {
    pool = new LocalPoolExecutor(jobs, { concurrency: 2 });
    const retried = command(node('setInterval(() => {}, 1000)'), { maxAttempts: 2 });
    const single = command(node('setInterval(() => {}, 1000)'));
    await pool.submit(retried);
    await pool.submit(single);
    await until(() => jobs.get(retried.id).pid !== null && jobs.get(single.id).pid !== null);
    const pids = [jobs.get(retried.id).pid, jobs.get(single.id).pid] as number[];
    await pool.close();
    expect(jobs.get(retried.id)).toMatchObject({ status: 'queued', reason: 'MLDesk stopped while it ran' });
    expect(jobs.get(single.id)).toMatchObject({ status: 'failed', reason: 'MLDesk stopped while it ran' });
    await until(() => pids.every((pid) => !pidAlive(pid)), 3000);
    await expect(pool.submit(jobs.get(retried.id))).rejects.toThrow(/closed/);
  });
});
