import { Job as BullJob, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { isTerminalJobStatus, type Job } from '../../../shared/automation.js';
import { MLDeskError } from '../errors.js';
import {
  CANCELLED_PREFIX,
  DEFAULT_QUEUE,
  REPLACES_RUN_TAG,
  WorkerReportSchema,
  bullJobId,
  cancelChannel,
  cancelKey,
  checkQueueName,
  endRunIfOpen,
  jobIdOf,
  redisConnection,
  type QueuedJobData,
  type WorkerReport,
} from './bullmq-protocol.js';
import type { JobExecutor } from './executor.js';
import type { JobStore } from './job-store.js';
import { TrackingClient } from './projects/tracking-client.js';
import { openRedis } from './bullmq-redis.js';

export interface BullMqExecutorOptions {
  store: JobStore;
  redisUrl: string;
  queue?: string;
  /** The tracking server workers log into (REST API and artifact proxy), as they can reach it. */
  trackingUri: string;
  /** The same server as this process reaches it (loopback when it listens on every address); default trackingUri. */
  ownTrackingUri?: string;
  /**
   * Its bearer token, for this process's own calls only. It never goes into the job's data: whoever
   * reads Redis would get write access to the tracking server. Workers bring theirs (--token).
   */
  token?: string;
  onError?(error: Error): void;
}

const CANCEL_KEY_TTL_S = 7 * 24 * 3600;
/**
 * `defa` is BullMQ's deferred failure, the field its own stalled-job check sets on a job stalled
 * too often: the worker that next takes the job fails it with that reason (an UnrecoverableError)
 * instead of running it. Set only while the job's hash exists, so a removed job is not recreated.
 */
const CANCEL_SCRIPT = `
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('HSET', KEYS[2], 'defa', ARGV[5]) end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1`;
/** How long finished jobs stay in Redis for inspection; the jobs table is the record. */
const KEEP_FINISHED = { age: 24 * 3600, count: 10_000 };

/**
 * The controlling process's side of BullMQ (the app, `mldesk serve`, `mldesk sweep`): puts jobs on a
 * queue and mirrors what workers report, and what BullMQ itself sees (stalled, failed, completed),
 * into the jobs table. Reports for one job are applied in order, one at a time.
 */
export class BullMqExecutor implements JobExecutor {
  readonly kind = 'bullmq' as const;
  readonly queueName: string;
  /** Where its workers are told to log. */
  readonly trackingUri: string;
  private readonly chains = new Map<string, Promise<void>>();
  private readonly cancelReasons = new Map<string, string>();
  private readonly rest: TrackingClient;
  private closed = false;

  private constructor(
    private readonly options: BullMqExecutorOptions,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly redis: Redis,
  ) {
    this.queueName = queue.name;
    this.trackingUri = options.trackingUri;
    this.rest = new TrackingClient(options.ownTrackingUri ?? options.trackingUri, options.token);
  }

  static async open(options: BullMqExecutorOptions): Promise<BullMqExecutor> {
    const connection = redisConnection(options.redisUrl);
    const name = checkQueueName(options.queue ?? DEFAULT_QUEUE);
    const queue = new Queue(name, { connection });
    const redis = openRedis(options.redisUrl);
    // Listen from the stream's current end, read now: an event written between this call and
    // QueueEvents' first read is not lost (its default '$' would skip it).
    const [last] = await redis.xrevrange(queue.keys.events!, '+', '-', 'COUNT', 1);
    const events = new QueueEvents(name, { connection, lastEventId: last?.[0] ?? '0-0' });
    const executor = new BullMqExecutor(options, queue, events, redis);
    events.on('progress', ({ jobId, data }) => executor.enqueue(jobId, () => executor.onReport(jobIdOf(jobId), data)));
    events.on('stalled', ({ jobId }) => executor.enqueue(jobId, () => executor.onStalled(jobIdOf(jobId))));
    events.on('failed', ({ jobId, failedReason }) => executor.enqueue(jobId, () => executor.onFailed(jobIdOf(jobId), failedReason)));
    events.on('completed', ({ jobId, returnvalue }) => executor.enqueue(jobId, () => executor.onCompleted(jobIdOf(jobId), returnvalue)));
    events.on('error', (error) => options.onError?.(error));
    await events.waitUntilReady();
    await executor.reconcile();
    return executor;
  }

  /**
   * Catches the jobs table up with what happened on the queue while no controller listened (the app
   * was closed): jobs that finished meanwhile get their outcome, a running job whose worker was lost
   * meanwhile is abandoned, and a queued job that never reached Redis is submitted again.
   */
  async reconcile(): Promise<{ finished: number; abandoned: number; resubmitted: number }> {
    const counts = { finished: 0, abandoned: 0, resubmitted: 0 };
    const open = this.options.store.list({ status: ['queued', 'running'], limit: 10_000 }).filter((job) => job.executor === 'bullmq');
    for (const job of open) {
      const queued = await BullJob.fromId(this.queue, bullJobId(job.id));
      const state = queued ? await queued.getState() : 'missing';
      await this.serially(bullJobId(job.id), async () => {
        if (state === 'completed') {
          this.finish(job.id, { status: 'succeeded', exitCode: 0, reason: null });
          counts.finished++;
        } else if (state === 'failed') {
          await this.onFailed(job.id, queued!.failedReason ?? 'failed');
          counts.finished++;
        } else if (state === 'missing' && job.status === 'queued') {
          await this.submit(job);
          counts.resubmitted++;
        } else if (job.status === 'running' && state !== 'active') {
          await this.abandon(job, `worker lost: ${job.workerId ?? 'its worker'} was running it when the controller last heard, and the queue holds it as ${state}`, state !== 'missing');
          counts.abandoned++;
        }
      });
    }
    return counts;
  }

  async submit(job: Job): Promise<void> {
    if (job.spec.type === 'inline') throw new MLDeskError('INVALID_PARAMETER_VALUE', `Job ${job.id}: an 'inline' job runs in the controlling process; it cannot go to a BullMQ worker.`);
    if (job.status !== 'queued') throw new MLDeskError('INVALID_STATE', `Job ${job.id} is ${job.status}; only a queued job can be submitted.`);
    const data: QueuedJobData = {
      jobId: job.id,
      name: job.name,
      spec: job.spec,
      maxAttempts: job.maxAttempts,
      runId: job.runId,
      currentRunId: null,
      trackingUri: this.options.trackingUri,
    };
    await this.queue.add(job.kind, data, {
      jobId: bullJobId(job.id),
      attempts: job.maxAttempts,
      backoff: { type: 'exponential', delay: job.backoffMs },
      delay: job.notBefore !== null ? Math.max(0, job.notBefore - Date.now()) : undefined,
      removeOnComplete: KEEP_FINISHED,
      removeOnFail: KEEP_FINISHED,
    });
  }

  async cancel(jobId: string, reason: string): Promise<void> {
    const job = this.options.store.get(jobId);
    if (isTerminalJobStatus(job.status)) return;
    this.cancelReasons.set(jobId, reason);
    // One atomic step: the key (the reason, for a worker that hears the message), the job's
    // deferred failure (a worker that takes the job later fails it as cancelled on the spot, with
    // no lookup of its own) and the message (reaching a worker running it now).
    await this.redis.eval(CANCEL_SCRIPT, 2, cancelKey(this.queueName, jobId), this.queue.toKey(bullJobId(jobId)), reason, CANCEL_KEY_TTL_S, cancelChannel(this.queueName), jobId, `${CANCELLED_PREFIX}${reason}`);
    const queued = await BullJob.fromId(this.queue, bullJobId(jobId));
    if (queued) {
      const state = await queued.getState();
      // Active: its worker got the message. Completed or failed: the event saying so is on its way.
      if (state === 'active' || state === 'completed' || state === 'failed') return;
      try {
        await queued.remove();
      } catch {
        return; // a worker took it meanwhile: it sees the key and reports the cancel
      }
    }
    await this.serially(bullJobId(jobId), () => this.finish(jobId, { status: 'cancelled', exitCode: null, reason }));
  }

  waitFor(jobId: string): Promise<Job> {
    return new Promise((resolve, reject) => {
      const stop = this.options.store.onChange((job) => {
        if (job.id === jobId && isTerminalJobStatus(job.status)) {
          stop();
          resolve(job);
        }
      });
      try {
        const job = this.options.store.get(jobId);
        if (isTerminalJobStatus(job.status)) {
          stop();
          resolve(job);
        }
      } catch (error) {
        stop();
        reject(error as Error);
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.chains.values()]);
    await this.events.close();
    await this.queue.close();
    await this.redis.quit();
  }

  private enqueue(bullId: string, step: () => Promise<void> | void): void {
    void this.serially(bullId, step);
  }

  private serially(bullId: string, step: () => Promise<void> | void): Promise<void> {
    const next = (this.chains.get(bullId) ?? Promise.resolve()).then(step).catch((error: unknown) => this.options.onError?.(error as Error));
    this.chains.set(bullId, next);
    void next.then(() => {
      if (this.chains.get(bullId) === next) this.chains.delete(bullId);
    });
    return next;
  }

  private known(jobId: string): Job | null {
    try {
      return this.options.store.get(jobId);
    } catch {
      return null; // another controller's job on a shared queue
    }
  }

  private finish(jobId: string, outcome: { status: 'succeeded' | 'failed' | 'cancelled'; exitCode: number | null; reason: string | null; retry?: boolean; lost?: boolean }): void {
    this.options.store.finish(jobId, outcome);
    if (outcome.status === 'cancelled') this.cancelReasons.delete(jobId);
  }

  private async onReport(jobId: string, data: unknown): Promise<void> {
    const parsed = WorkerReportSchema.safeParse(data);
    const job = this.known(jobId);
    if (!parsed.success || !job || isTerminalJobStatus(job.status)) return;
    const report: WorkerReport = parsed.data;
    const { store } = this.options;
    switch (report.t) {
      case 'start':
        if (job.status === 'running') await this.abandon(job, `worker lost: ${job.workerId ?? 'a worker'} gave the job up without a word; attempt ${report.attempt} started on ${report.workerId}`);
        else if (report.runId && report.runId !== job.runId) await this.endReplacedRun(report.runId, report.attempt, report.workerId);
        if (!(await this.claimWhenDue(jobId, report.workerId, report.pid))) return;
        if (report.runId && report.experimentId && report.runId !== job.runId) store.setRun(jobId, report.runId, report.experimentId);
        return;
      case 'pid':
        store.setPid(jobId, report.pid);
        return;
      case 'log':
        store.appendLog(jobId, report.chunk);
        return;
      case 'end':
        this.finish(jobId, report.status === 'cancelled' ? { ...report, reason: this.cancelReasons.get(jobId) ?? report.reason } : report);
        return;
    }
  }

  /**
   * Claims for the worker that started it. A retry's worker may start a little before the jobs
   * table's own backoff has passed (BullMQ timed it from the failure, the table from the report):
   * wait that out rather than refuse the attempt.
   */
  private async claimWhenDue(jobId: string, workerId: string, pid: number | undefined): Promise<boolean> {
    const { store } = this.options;
    for (;;) {
      if (store.claim(jobId, { workerId, pid })) return true;
      const job = store.get(jobId);
      if (job.status !== 'queued' || job.notBefore === null || job.notBefore <= Date.now()) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(job.notBefore! - Date.now() + 5, 60_000)));
    }
  }

  /**
   * A retry's run names the run it replaces. That run is still open when the attempt before was lost
   * before its start report left its worker (killed between taking the job and reporting): the jobs
   * table never showed it running, so neither its stall nor this start abandoned it. Ended here, so
   * no run stays RUNNING forever; a run its own attempt ended (a plain failure) is left as it is.
   */
  private async endReplacedRun(runId: string, attempt: number, workerId: string): Promise<void> {
    try {
      const run = await this.rest.getRun(runId);
      const replaced = run.data.tags?.find((tag) => tag.key === REPLACES_RUN_TAG)?.value;
      if (replaced) {
        await endRunIfOpen(this.rest, replaced, 'FAILED', `worker lost: the worker running this attempt was gone before it reported starting; attempt ${attempt} went on in run ${runId} on ${workerId}`);
      }
    } catch (error) {
      this.options.onError?.(error as Error);
    }
  }

  /** Ends an attempt whose worker went away: its run is marked FAILED with the reason, the job retried if its policy allows. */
  private async abandon(job: Job, reason: string, retry = true, lost = false): Promise<void> {
    if (job.runId) {
      try {
        await endRunIfOpen(this.rest, job.runId, 'FAILED', reason);
      } catch (error) {
        this.options.onError?.(error as Error);
      }
    }
    this.finish(job.id, { status: 'failed', exitCode: null, reason, retry, lost });
  }

  private async onStalled(jobId: string): Promise<void> {
    const job = this.known(jobId);
    if (!job || job.status !== 'running') return;
    await this.abandon(job, `worker lost: ${job.workerId ?? 'its worker'} stopped renewing its lock mid-job (stalled); BullMQ hands the job to another worker`, true, true);
  }

  private async onFailed(jobId: string, failedReason: string): Promise<void> {
    const job = this.known(jobId);
    if (!job || isTerminalJobStatus(job.status)) return;
    if (failedReason.startsWith(CANCELLED_PREFIX)) {
      this.finish(jobId, { status: 'cancelled', exitCode: null, reason: this.cancelReasons.get(jobId) ?? failedReason.slice(CANCELLED_PREFIX.length) });
      return;
    }
    // BullMQ gave up (attempts spent, stalled too often, bad job data): no retry.
    const reason = /stalled more than allowable limit/.test(failedReason) ? `worker lost: ${failedReason}` : failedReason;
    if (job.status === 'running') await this.abandon(job, reason, false);
    else this.finish(jobId, { status: 'failed', exitCode: null, reason, retry: false });
  }

  /** A succeeded attempt's only word on its end (the worker sends no end report for it): the return value holds the exit code. */
  private onCompleted(jobId: string, returnvalue: unknown): void {
    const job = this.known(jobId);
    if (!job || isTerminalJobStatus(job.status)) return;
    const exitCode = (returnvalue as { exitCode?: unknown } | null)?.exitCode;
    this.finish(jobId, { status: 'succeeded', exitCode: typeof exitCode === 'number' ? exitCode : 0, reason: null });
  }
}
