import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOG_TAIL_BYTES } from '../../../shared/automation.js';
import { openDatabase, type SqliteDatabase } from '../store/database.js';
import { JobStore, appendTail } from './job-store.js';

let dir: string;
let dbs: SqliteDatabase[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-jobstore-'));
  dbs = [];
});

afterEach(() => {
  for (const db of dbs) db.close();
  rmSync(dir, { recursive: true, force: true });
});

function connect(): JobStore {
  const db = openDatabase(join(dir, 'mldesk.db'));
  dbs.push(db);
  return new JobStore(db);
}

const spec = { type: 'command' as const, argv: ['true'] };

describe('JobStore', () => {
  it('lets exactly one of two connections on one file claim a queued job', () => {
    const a = connect();
    const b = connect();
    const ids = Array.from({ length: 50 }, (_, i) => a.create({ kind: 'command', name: `job ${i}`, executor: 'local', spec }).id);
    let wonA = 0;
    let wonB = 0;
    for (const id of ids) {
      // Alternate who tries first, so neither connection is always the winner by order alone.
      const first = ids.indexOf(id) % 2 ? a : b;
      const second = first === a ? b : a;
      const x = first.claim(id, { workerId: 'w1', owner: 'host:1:1' });
      const y = second.claim(id, { workerId: 'w2', owner: 'host:2:2' });
      expect([x, y].filter(Boolean)).toHaveLength(1);
      if ((x && first === a) || (y && second === a)) wonA++;
      else wonB++;
    }
    expect(wonA + wonB).toBe(50);
    expect(a.list({ status: ['running'] })).toHaveLength(50);
    expect(a.list({ status: ['running'] }).every((job) => job.attempts === 1)).toBe(true);
  });

  it('never changes a terminal job: no late log, pid, finish or claim', () => {
    const jobs = connect();
    const job = jobs.create({ kind: 'command', name: 'x', executor: 'local', spec, maxAttempts: 3 });
    jobs.claim(job.id, { workerId: 'w' });
    jobs.appendLog(job.id, 'before\n');
    const cancelled = jobs.finish(job.id, { status: 'cancelled', reason: 'by hand' });
    expect(cancelled).toMatchObject({ retrying: false, job: { status: 'cancelled', reason: 'by hand' } });
    jobs.appendLog(job.id, 'after\n');
    jobs.setPid(job.id, 1234);
    jobs.heartbeat(job.id);
    const again = jobs.finish(job.id, { status: 'failed', exitCode: 1, reason: 'late' });
    expect(again.retrying).toBe(false);
    expect(jobs.claim(job.id, { workerId: 'w2' })).toBeNull();
    expect(jobs.markLost(job.id, null, 'lost')).toBeNull();
    expect(jobs.get(job.id)).toMatchObject({ status: 'cancelled', reason: 'by hand', logTail: 'before\n', pid: null, exitCode: null, attempts: 1 });
  });

  it("lets the job's controller end an ended job's log (appendEpilogue), changing nothing else", () => {
    const jobs = connect();
    const job = jobs.create({ kind: 'command', name: 'x', executor: 'local', spec });
    jobs.claim(job.id, { workerId: 'w' });
    jobs.appendLog(job.id, 'output\n');
    const ended = jobs.finish(job.id, { status: 'succeeded', exitCode: 0 }).job;
    const seen: string[] = [];
    jobs.onChange((changed) => seen.push(changed.logTail));
    jobs.appendLog(job.id, 'late output\n');
    jobs.appendEpilogue(job.id, '[pipeline] registered v2\n');
    expect(jobs.get(job.id)).toEqual({ ...ended, logTail: 'output\n[pipeline] registered v2\n' });
    expect(seen).toEqual(['output\n[pipeline] registered v2\n']);
  });

  it('requeues a failure with attempts left after an exponential backoff, then fails for good', () => {
    const jobs = connect();
    const job = jobs.create({ kind: 'command', name: 'x', executor: 'local', spec, maxAttempts: 3, backoffMs: 60_000 });
    jobs.claim(job.id, { workerId: 'w' });
    const before = Date.now();
    const first = jobs.finish(job.id, { status: 'failed', exitCode: 2, reason: 'exit code 2' });
    expect(first.retrying).toBe(true);
    expect(first.job.status).toBe('queued');
    expect(first.job.notBefore).toBeGreaterThanOrEqual(before + 60_000);
    // Not claimable before its backoff has passed.
    expect(jobs.claim(job.id, { workerId: 'w' })).toBeNull();
    dbs[0]!.prepare('UPDATE jobs SET not_before = 0 WHERE job_id = ?').run(job.id);
    jobs.claim(job.id, { workerId: 'w' });
    const second = jobs.finish(job.id, { status: 'failed', exitCode: 2 });
    expect(second.job.notBefore).toBeGreaterThanOrEqual(Date.now() + 119_000);
    dbs[0]!.prepare('UPDATE jobs SET not_before = 0 WHERE job_id = ?').run(job.id);
    jobs.claim(job.id, { workerId: 'w' });
    const third = jobs.finish(job.id, { status: 'failed', exitCode: 2, reason: 'exit code 2' });
    expect(third).toMatchObject({ retrying: false, job: { status: 'failed', attempts: 3, exitCode: 2 } });
    // A failure the caller marks as not worth retrying ends at once.
    const other = jobs.create({ kind: 'command', name: 'y', executor: 'local', spec, maxAttempts: 5 });
    jobs.claim(other.id, { workerId: 'w' });
    expect(jobs.finish(other.id, { status: 'failed', reason: 'bad spec', retry: false }).job.status).toBe('failed');
  });

  it('retries an attempt lost with its worker at once, even on its last attempt, and says so', () => {
    const jobs = connect();
    const job = jobs.create({ kind: 'command', name: 'lost', executor: 'bullmq', spec, maxAttempts: 1, backoffMs: 60_000 });
    jobs.claim(job.id, { workerId: 'w1' });
    const lost = jobs.finish(job.id, { status: 'failed', reason: 'worker lost: w1', lost: true });
    expect(lost.retrying).toBe(true);
    expect(lost.job).toMatchObject({ status: 'queued', attempts: 1, maxAttempts: 2, reason: 'worker lost: w1' });
    // No backoff: the next worker may start it now.
    expect(jobs.claim(job.id, { workerId: 'w2' })).toMatchObject({ status: 'running', attempts: 2 });
    // Its own failure on the attempt it was given back is final.
    expect(jobs.finish(job.id, { status: 'failed', exitCode: 1, reason: 'exit code 1' })).toMatchObject({ retrying: false, job: { status: 'failed' } });
  });

  it('bounds the log tail, cut at a line start', () => {
    const jobs = connect();
    const job = jobs.create({ kind: 'command', name: 'x', executor: 'local', spec });
    jobs.claim(job.id, { workerId: 'w' });
    for (let i = 0; i < 2000; i++) jobs.appendLog(job.id, `line ${i} ${'x'.repeat(20)}\n`);
    const tail = jobs.get(job.id).logTail;
    expect(tail.length).toBeLessThanOrEqual(LOG_TAIL_BYTES);
    expect(tail.length).toBeGreaterThan(LOG_TAIL_BYTES - 200);
    expect(tail.startsWith('line ')).toBe(true);
    expect(tail.endsWith(`line 1999 ${'x'.repeat(20)}\n`)).toBe(true);
    // One huge chunk without newlines is still bounded.
    expect(appendTail('', 'y'.repeat(LOG_TAIL_BYTES * 3)).length).toBe(LOG_TAIL_BYTES);
  });

  it('markLost ends a running job once, even when two processes recover it at the same time', () => {
    const a = connect();
    const b = connect();
    const job = a.create({ kind: 'command', name: 'x', executor: 'local', spec, maxAttempts: 2, backoffMs: 0 });
    a.claim(job.id, { workerId: 'w', owner: 'host:99:1' });
    expect(a.runningOwners()).toEqual([expect.objectContaining({ id: job.id, owner: 'host:99:1' })]);
    const first = a.markLost(job.id, 'host:99:1', 'process died while MLDesk was closed');
    const second = b.markLost(job.id, 'host:99:1', 'process died while MLDesk was closed');
    expect(first).toMatchObject({ retrying: true, job: { status: 'queued', reason: 'process died while MLDesk was closed' } });
    expect(second).toBeNull();
    // Claimed again by a live process: a stale recovery naming the old owner does nothing.
    b.claim(job.id, { workerId: 'w', owner: 'host:100:1' });
    expect(a.markLost(job.id, 'host:99:1', 'stale')).toBeNull();
    expect(a.get(job.id)).toMatchObject({ status: 'running', attempts: 2 });
  });

  it('announces every change once, with the row as written: create, a claim that brings its pid, log, finish', () => {
    const jobs = connect();
    const seen: Array<[string, number | null, number]> = [];
    jobs.onChange((job) => seen.push([job.status, job.pid, job.logTail.length]));
    const id = jobs.create({ kind: 'command', name: 'quick', executor: 'bullmq', spec }).id;
    expect(jobs.claim(id, { workerId: 'w1', pid: 4242 })).toMatchObject({ status: 'running', pid: 4242, attempts: 1, workerId: 'w1' });
    expect(jobs.claim(id, { workerId: 'w2', pid: 1 })).toBeNull();
    jobs.appendLog(id, 'hello\n');
    expect(jobs.finish(id, { status: 'succeeded', exitCode: 0 }).job).toMatchObject({ status: 'succeeded', pid: null, exitCode: 0 });
    expect(seen).toEqual([
      ['queued', null, 0],
      ['running', 4242, 0],
      ['running', 4242, 6],
      ['succeeded', null, 6],
    ]);
    // What was announced is what a fresh read gives.
    expect(jobs.get(id)).toMatchObject({ status: 'succeeded', workerId: 'w1', logTail: 'hello\n' });
  });

  it('refuses an unknown job with a clear error', () => {
    expect(() => connect().get('nope')).toThrow(/No job with id 'nope'/);
  });
});
