import { isTerminalJobStatus, type Job } from '../../../shared/automation.js';
import { MLDeskError } from '../errors.js';
import type { TrackingStore } from '../store/tracking-store.js';
import { recoverJobs, type RecoveryResult } from './job-recovery.js';
import type { JobExecutor } from './executor.js';
import { JobStore, type NewJob } from './job-store.js';
import { LocalPoolExecutor, type LocalPoolOptions } from './local-pool.js';
import { identityOf, ownerToken } from './process-identity.js';

/** Stops an inline job's work (a training child, a sweep controller) when it is cancelled. */
export type InlineCanceller = (reason: string) => Promise<unknown>;

/** Trials running at once over all sweeps of one process (each sweep allows at most 64). */
const TRIAL_POOL_CONCURRENCY = 64;

/**
 * The jobs of one data directory: the table, the local process pool, and the inline jobs this
 * process runs itself (app training), so one cancel reaches any of them.
 */
export class JobsService {
  readonly store: JobStore;
  readonly pool: LocalPoolExecutor;
  /**
   * Sweep trials' pool, on the same table (so their changes reach the jobs page as `jobs.changed`)
   * but not bounded by cores − 1, which on a 2-core machine would run a 4-parallel sweep one trial at
   * a time: each sweep bounds its own trials (--parallel) and this pool only runs them.
   */
  readonly trials: LocalPoolExecutor;
  /** `mldesk serve --redis`: the BullMQ queue that 'bullmq' jobs go to and are cancelled through. */
  private remote: JobExecutor | null = null;
  private readonly inline = new Map<string, InlineCanceller>();
  private inlineWatch: NodeJS.Timeout | undefined;
  private foreignWatch: NodeJS.Timeout | undefined;

  constructor(
    private readonly tracking: TrackingStore,
    options: LocalPoolOptions = {},
  ) {
    this.store = new JobStore(tracking.db);
    this.pool = new LocalPoolExecutor(this.store, options);
    this.trials = new LocalPoolExecutor(this.store, { ...options, concurrency: TRIAL_POOL_CONCURRENCY });
    // Coalesced per job by the bus, so a chatty job's log flushes cost one event per window.
    this.store.onChange((job) => tracking.events.emit('jobs.changed', { id: job.id, status: job.status, kind: job.kind, parentId: job.parentId }));
  }

  /** Startup of a long-lived process (the app, `mldesk serve`): judge jobs left running by a dead process, then run the queued ones. */
  recover(): RecoveryResult {
    const result = recoverJobs(this.store, this.tracking);
    this.pool.adoptQueued();
    this.watchOtherProcesses();
    return result;
  }

  /**
   * Jobs run by another process on this data dir (`mldesk jobs run`, a second app) change the table
   * without telling this one: when SQLite says another connection committed, the jobs that changed
   * are announced as `jobs.changed` events, so the jobs page follows them live too.
   */
  watchOtherProcesses(intervalMs = 1000): void {
    if (this.foreignWatch) return;
    let version = this.store.dataVersion();
    let since = Date.now();
    const seen = new Map<string, string>();
    for (const job of this.store.recentActivity(since)) if (job.status === 'queued' || job.status === 'running') seen.set(job.id, job.signature);
    this.foreignWatch = setInterval(() => {
      const now = this.store.dataVersion();
      if (now === version) return;
      version = now;
      const tick = Date.now();
      const active = new Set<string>();
      for (const job of this.store.recentActivity(since - intervalMs, [...seen.keys()])) {
        if (job.status === 'queued' || job.status === 'running') active.add(job.id);
        if (seen.get(job.id) === job.signature) continue;
        seen.set(job.id, job.signature);
        this.tracking.events.emit('jobs.changed', { id: job.id, status: job.status, kind: job.kind, parentId: job.parentId });
      }
      for (const id of seen.keys()) if (!active.has(id)) seen.delete(id);
      since = tick;
    }, intervalMs);
    this.foreignWatch.unref();
  }

  useRemote(executor: JobExecutor | null): void {
    this.remote = executor;
  }

  /** The queue of this process's BullMQ workers, when it has one (`mldesk serve --redis`). */
  get remoteExecutor(): JobExecutor | null {
    return this.remote;
  }

  /** Queues a job; local ones go to the pool at once, 'bullmq' ones to the queue. */
  async submit(input: NewJob): Promise<Job> {
    if (input.executor === 'bullmq' && !this.remote) throw new MLDeskError('INVALID_STATE', 'This MLDesk process has no BullMQ queue (start it with --redis) to run the job on.');
    const job = this.store.create(input);
    if (job.executor === 'local') await this.pool.submit(job);
    else if (job.executor === 'bullmq') await this.remote!.submit(job);
    return job;
  }

  /**
   * Records work this process runs itself (app training) as a running job owned by this process,
   * so restart recovery can judge it; `cancel` reaches it through `canceller`.
   */
  startInline(input: Omit<NewJob, 'executor'>, canceller: InlineCanceller, pid?: number): Job {
    const created = this.store.create({ ...input, executor: 'inline' });
    const job = this.store.claim(created.id, { workerId: `inline:${ownerToken()}`, owner: ownerToken() }) ?? created;
    if (pid !== undefined) this.store.setPid(job.id, pid, identityOf(pid));
    this.inline.set(job.id, canceller);
    this.watchInline();
    return this.store.get(job.id);
  }

  /** An inline job cancelled by another process (`mldesk jobs cancel`) is ended in the database; stop its work here too. */
  private watchInline(): void {
    this.inlineWatch ??= setInterval(() => {
      if (this.inline.size === 0) {
        clearInterval(this.inlineWatch);
        this.inlineWatch = undefined;
        return;
      }
      for (const [id, state] of this.store.statuses([...this.inline.keys()])) {
        const canceller = this.inline.get(id);
        if (canceller && isTerminalJobStatus(state.status)) {
          this.inline.delete(id);
          void canceller(state.reason ?? 'cancelled').catch(() => undefined);
        }
      }
    }, 1000).unref();
  }

  /** Ends an inline job; later reports about it are ignored (a terminal job never changes). */
  finishInline(id: string, outcome: Parameters<JobStore['finish']>[1]): Job {
    this.inline.delete(id);
    return this.store.finish(id, { ...outcome, retry: false }).job;
  }

  /** Cancels a queued or running job (its whole process tree); a job that has ended is refused. */
  async cancel(id: string, reason: string): Promise<Job> {
    const job = this.store.get(id);
    if (isTerminalJobStatus(job.status)) throw new MLDeskError('INVALID_STATE', `Job ${id} has already ended (${job.status}); only queued or running jobs can be cancelled.`);
    const inline = this.inline.get(id);
    if (inline) {
      await inline(reason);
      // The work's own end may have raced the cancel; either way the job says why it stopped.
      if (!isTerminalJobStatus(this.store.get(id).status)) this.finishInline(id, { status: 'cancelled', reason });
    } else {
      const executor = job.executor === 'bullmq' && this.remote ? this.remote : this.trials.has(id) ? this.trials : this.pool;
      await executor.cancel(id, reason);
    }
    return this.store.get(id);
  }

  close(): Promise<void> {
    if (this.inlineWatch) clearInterval(this.inlineWatch);
    if (this.foreignWatch) clearInterval(this.foreignWatch);
    this.inlineWatch = undefined;
    this.foreignWatch = undefined;
    return Promise.all([this.pool.close(), this.trials.close()]).then(() => undefined);
  }
}
