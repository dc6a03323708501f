/**
 * A worker's reports on a job are pipelined (bullmq-reporter.ts): sent without waiting for each
 * reply. The controller applies them in the order they reach the events stream, so that order must
 * be the order sent, and every report must be in Redis before the job completes. Real redis-server,
 * real BullMQ Queue, Worker and QueueEvents.
 */
import { Queue, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisConnection, type WorkerReport } from '../../electron/core/automation/bullmq-protocol.js';
import { JobReporter } from '../../electron/core/automation/bullmq-reporter.js';
import { startRedis, type RedisServer } from './redis-fixture.js';

describe('JobReporter over a real Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('delivers every report in the order sent, all before the job completes', { timeout: 60_000 }, async () => {
    const connection = redisConnection(redis.url);
    const name = `reporter-order-${process.pid}`;
    const queue = new Queue(name, { connection });
    const events = new QueueEvents(name, { connection, lastEventId: '0-0' });
    await events.waitUntilReady();
    const seen: Array<{ kind: 'progress'; report: WorkerReport } | { kind: 'completed' }> = [];
    events.on('progress', ({ data }) => seen.push({ kind: 'progress', report: data as WorkerReport }));
    const completed = new Promise<void>((resolve) =>
      events.on('completed', () => {
        seen.push({ kind: 'completed' });
        resolve();
      }),
    );
    const sent: WorkerReport[] = [
      { t: 'start', attempt: 1, workerId: 'w', runId: null, experimentId: null },
      { t: 'pid', pid: 4242 },
      ...Array.from({ length: 300 }, (_, i): WorkerReport => ({ t: 'log', chunk: `line ${i}\n` })),
      { t: 'end', status: 'succeeded', exitCode: 0, reason: null },
    ];
    const worker = new Worker(
      name,
      async (job) => {
        const reporter = new JobReporter(job);
        for (const report of sent) reporter.send(report);
        await reporter.close();
        return { exitCode: 0 };
      },
      { connection },
    );
    try {
      await queue.add('job', {});
      await completed;
      expect(seen.map((event) => (event.kind === 'progress' ? event.report : 'completed'))).toEqual([...sent, 'completed']);
    } finally {
      await worker.close();
      await events.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('finish(), which waits for no reply: every report sent right before it, the end report included, is in Redis before the job completes or fails', { timeout: 60_000 }, async () => {
    const connection = redisConnection(redis.url);
    const name = `reporter-finish-${process.pid}`;
    const queue = new Queue(name, { connection });
    const events = new QueueEvents(name, { connection, lastEventId: '0-0' });
    await events.waitUntilReady();
    const seen = new Map<string, Array<WorkerReport | 'completed' | 'failed'>>();
    const at = (jobId: string) => seen.get(jobId) ?? seen.set(jobId, []).get(jobId)!;
    events.on('progress', ({ jobId, data }) => at(jobId).push(data as WorkerReport));
    let ended = 0;
    const both = new Promise<void>((resolve) => {
      const end = (jobId: string, what: 'completed' | 'failed') => {
        at(jobId).push(what);
        if (++ended === 2) resolve();
      };
      events.on('completed', ({ jobId }) => end(jobId, 'completed'));
      events.on('failed', ({ jobId }) => end(jobId, 'failed'));
    });
    const reports = (): WorkerReport[] => [
      { t: 'start', attempt: 1, workerId: 'w', runId: null, experimentId: null, pid: 4242 },
      ...Array.from({ length: 300 }, (_, i): WorkerReport => ({ t: 'log', chunk: `line ${i}\n` })),
    ];
    const failure: WorkerReport = { t: 'end', status: 'failed', exitCode: 3, reason: 'exit code 3' };
    const worker = new Worker(
      name,
      async (job) => {
        const reporter = new JobReporter(job);
        // Sent in the same macrotask as the return: nothing has gone out to Redis yet when finish() is called.
        for (const report of reports()) reporter.send(report);
        if (job.name === 'succeeds') {
          await reporter.finish(null);
          return { exitCode: 0 };
        }
        await reporter.finish(failure);
        throw new UnrecoverableError('exit code 3');
      },
      { connection },
    );
    try {
      await queue.add('succeeds', {}, { jobId: 'succeeds' });
      await queue.add('fails', {}, { jobId: 'fails' });
      await both;
      expect(seen.get('succeeds')).toEqual([...reports(), 'completed']);
      expect(seen.get('fails')).toEqual([...reports(), failure, 'failed']);
    } finally {
      await worker.close();
      await events.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});
