/**
 * What one job costs on Redis (the BullMQ no-op trial overhead, issue 15), and the guarantees kept
 * while cutting it: a succeeded command job is one report (its start, with the pid) and BullMQ's
 * completion, with no cancel lookup before it starts; a cancel made while nobody runs the job still
 * keeps it from running, through BullMQ's deferred failure rather than a lookup per job. Real
 * redis-server, real `mldesk worker` processes (needs `npm run build`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { bullJobId, cancelKey } from '../../electron/core/automation/bullmq-protocol.js';
import { isTerminalJobStatus, type Job } from '../../shared/automation.js';
import { nodeArgv as node, useQueueRig } from './bullmq-fixture.js';
import { makeTempDir } from './server-process.js';

const rig = useQueueRig();

const submit = (name: string, argv: string[], maxAttempts = 1): Promise<Job> => rig.submitCommand(name, argv, { maxAttempts, backoffMs: 100 });

/** The queue's event stream entries for one job, as BullMQ wrote them: [event, fields]. */
async function eventsOf(redis: Redis, jobId: string): Promise<Array<{ event: string; data?: unknown }>> {
  const entries = await redis.xrange(`bull:${rig.queue}:events`, '-', '+');
  return entries
    .map(([, fields]) => Object.fromEntries(fields.reduce<string[][]>((pairs, value, i) => (i % 2 ? pairs : [...pairs, [value, fields[i + 1]!]]), [])))
    .filter((fields) => fields.jobId === bullJobId(jobId))
    .map((fields) => ({ event: fields.event!, ...(fields.data ? { data: JSON.parse(fields.data) as unknown } : {}) }));
}

describe('one BullMQ job on Redis', () => {
  it('a succeeded command job: its start report carries the pid, output comes before the completion, no end report and no cancel lookup', { timeout: 60_000 }, async () => {
    const worker = await rig.startWorker();
    const redis = new Redis(rig.redis.url);
    const monitor = await redis.monitor();
    const commands: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[]) => commands.push(args));
    try {
      const quiet = await submit('quiet', ['/bin/true']);
      const doneQuiet = await rig.executor.waitFor(quiet.id);
      const talking = await submit('talking', node(`console.log('said before the end')`));
      const doneTalking = await rig.executor.waitFor(talking.id);

      expect(doneQuiet).toMatchObject({ status: 'succeeded', exitCode: 0, workerId: worker.workerId, attempts: 1 });
      const quietEvents = (await eventsOf(redis, quiet.id)).filter((e) => e.event === 'progress' || e.event === 'completed' || e.event === 'failed');
      expect(quietEvents).toEqual([
        { event: 'progress', data: { t: 'start', attempt: 1, workerId: worker.workerId, runId: null, experimentId: null, pid: expect.any(Number) } },
        { event: 'completed' },
      ]);

      expect(doneTalking).toMatchObject({ status: 'succeeded', exitCode: 0 });
      expect(doneTalking.logTail).toBe('said before the end\n');
      const talkingEvents = (await eventsOf(redis, talking.id)).filter((e) => e.event === 'progress' || e.event === 'completed');
      expect(talkingEvents.map((e) => (e.event === 'progress' ? (e.data as { t: string }).t : e.event))).toEqual(['start', 'log', 'completed']);

      // The cancel check rides on BullMQ's own fetch of the job (its deferred failure): no GET of the cancel key per job.
      const lookups = commands.filter(([name, key]) => name?.toLowerCase() === 'get' && (key === cancelKey(rig.queue, quiet.id) || key === cancelKey(rig.queue, talking.id)));
      expect(lookups).toEqual([]);
    } finally {
      monitor.disconnect();
      redis.disconnect();
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
  });

  it('a job cancelled while its worker was lost is not run again by the worker that recovers it', { timeout: 60_000 }, async () => {
    const dir = await makeTempDir('lean-cancel');
    const marks = join(dir, 'attempts.txt');
    // Appends its attempt number, then works until killed.
    const script = `require('node:fs').appendFileSync(${JSON.stringify(marks)}, 'attempt ' + process.env.MLDESK_JOB_ATTEMPT + '\\n'); console.log('working'); setInterval(() => {}, 1000);`;
    const first = await rig.startWorker();
    const job = await submit('cancelled-while-lost', node(script), 2);
    const running = await rig.until(job.id, (j) => j.status === 'running' && j.logTail.includes('working') && j.pid !== null, 30_000, 'running attempt 1');
    first.child.kill('SIGKILL');
    await first.exited;
    process.kill(-running.pid!, 'SIGKILL');

    // Nobody runs it now, and nobody hears the cancel message: BullMQ still holds it as active (its lock has not expired).
    await rig.executor.cancel(job.id, 'cancelled while its worker was lost');
    const second = await rig.startWorker();
    try {
      // Ends cancelled, or (the guarantee broken) starts attempt 2: whichever comes first.
      const done = await rig.until(job.id, (j) => isTerminalJobStatus(j.status) || readFileSync(marks, 'utf8').includes('attempt 2'), 30_000, 'an end or a second attempt');
      expect(done).toMatchObject({ status: 'cancelled', reason: 'cancelled while its worker was lost' });
      // The recovering worker's stalled-job check handed the job back to the queue, and the worker that took it did not start it.
      expect(readFileSync(marks, 'utf8')).toBe('attempt 1\n');
      expect(second.output()).not.toContain(`job ${job.id} (cancelled-while-lost) attempt 2`);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});
