import { mkdirSync } from 'node:fs';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTerminalJobStatus, type Job, type JobSpec } from '../../../shared/automation.js';
import { invalidParameter } from '../errors.js';
import type { JobExecutor, JobOutcome } from './executor.js';
import { JobSpawner } from './job-spawner.js';
import { appendTail, type JobStore } from './job-store.js';
import { formatIdentity, identityOf, killGroup, ownerToken } from './process-identity.js';
import type { launchProjectRun as LaunchProjectRun } from './project-launch.js';

export interface LocalPoolOptions {
  /** Jobs run at once; default: the cores this process may use, minus one (at least 1). */
  concurrency?: number;
  /** Time between SIGTERM and SIGKILL when a job is cancelled. */
  killGraceMs?: number;
  /** Output is written to the job's log tail at most this often, so a chatty process does not hammer SQLite. */
  logFlushMs?: number;
  /** How often running jobs get a heartbeat and are checked for a cancel from another process. */
  tickMs?: number;
  /** Scratch folders for project jobs (one per attempt). */
  workRoot?: string;
}

/** Where project jobs log: the tracking server of this process (`mldesk serve`'s own URL). */
export interface TrackingServer {
  trackingUri: string;
  token?: string;
}

interface Queued {
  id: string;
  createdAt: number;
  notBefore: number;
}

interface Active {
  job: Job;
  /** A command job's process (its group's leader), once the spawner has started it. */
  pid: number | undefined;
  abort: AbortController;
  cancelReason: string | null;
  buffer: string;
  /** The output so far ends inside a line. */
  midLine: boolean;
  lastWrite: number;
  flushTimer: NodeJS.Timeout | undefined;
  killTimer: NodeJS.Timeout | undefined;
  ended: Promise<void>;
}

export function defaultConcurrency(): number {
  return Math.max(1, availableParallelism() - 1);
}

/**
 * Runs queued jobs as processes on this machine, at most `concurrency` at a time, oldest first
 * (a retry keeps its place once its backoff has passed). Scheduling is event-driven: a submit or a
 * job's end starts the next job at once, and only a retry's backoff sets a timer, so a no-op job
 * costs little more than its spawn. Each job's process leads its own process group, so cancelling
 * kills the whole tree (SIGTERM, then SIGKILL after a grace).
 */
export class LocalPoolExecutor implements JobExecutor {
  readonly kind = 'local' as const;
  readonly concurrency: number;
  readonly workerId: string;
  private readonly owner = ownerToken();
  private readonly queue: Queued[] = [];
  private readonly active = new Map<string, Active>();
  private readonly waiters = new Map<string, Array<(job: Job) => void>>();
  private readonly killGraceMs: number;
  private readonly logFlushMs: number;
  private readonly tickMs: number;
  private readonly workRoot: string;
  private tracking: TrackingServer | null = null;
  private wakeTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly unsubscribe: () => void;
  /** Command jobs start in a spawner process: this one keeps the database and never forks (see spawner-process.ts). */
  private readonly spawner = new JobSpawner();

  constructor(
    private readonly jobs: JobStore,
    options: LocalPoolOptions = {},
  ) {
    const concurrency = options.concurrency ?? defaultConcurrency();
    if (!Number.isInteger(concurrency) || concurrency < 1) throw invalidParameter(`concurrency must be a whole number of at least 1 (got ${concurrency}).`);
    this.concurrency = concurrency;
    this.workerId = `local:${this.owner}`;
    this.killGraceMs = options.killGraceMs ?? 5000;
    this.logFlushMs = options.logFlushMs ?? 250;
    this.tickMs = options.tickMs ?? 1000;
    this.workRoot = options.workRoot ?? join(tmpdir(), 'mldesk-jobs');
    // A job ended by anyone in this process (cancel of a queued job, a sweep's controller) wakes its waiters.
    this.unsubscribe = jobs.onChange((job) => {
      if (isTerminalJobStatus(job.status)) this.resolveWaiters(job);
    });
  }

  /** Project jobs need the tracking server they log into; set once it listens. */
  setTrackingServer(server: TrackingServer | null): void {
    this.tracking = server;
  }

  get running(): number {
    return this.active.size;
  }

  /** This pool runs or holds the job (another pool on the same table may run others). */
  has(jobId: string): boolean {
    return this.active.has(jobId) || this.queue.some((q) => q.id === jobId);
  }

  submit(job: Job): Promise<void> {
    if (this.closed) return Promise.reject(invalidParameter('The local job pool is closed.'));
    if (job.executor !== 'local') return Promise.reject(invalidParameter(`Job ${job.id} is for the '${job.executor}' executor, not 'local'.`));
    if (job.spec.type === 'inline') return Promise.reject(invalidParameter(`Job ${job.id} is inline work; the local pool runs only 'command' and 'project' jobs.`));
    if (!this.active.has(job.id) && !this.queue.some((q) => q.id === job.id)) this.enqueue({ id: job.id, createdAt: job.createdAt, notBefore: job.notBefore ?? 0 });
    this.pump();
    return Promise.resolve();
  }

  /** Takes every queued local job in the database (after a restart, or queued by another process). */
  adoptQueued(): number {
    let adopted = 0;
    for (const job of this.jobs.list({ status: ['queued'], limit: 10_000 })) {
      if (job.executor !== 'local' || job.spec.type === 'inline' || this.queue.some((q) => q.id === job.id)) continue;
      this.enqueue({ id: job.id, createdAt: job.createdAt, notBefore: job.notBefore ?? 0 });
      adopted++;
    }
    this.pump();
    return adopted;
  }

  async cancel(jobId: string, reason: string): Promise<void> {
    const active = this.active.get(jobId);
    if (active) {
      this.kill(active, reason);
      await active.ended;
      return;
    }
    this.dequeue(jobId);
    const job = this.jobs.get(jobId);
    if (isTerminalJobStatus(job.status)) return;
    // Queued, or running in another process: ending it here is what that process's pool watches for
    // (see tick), and it kills the tree within a tick.
    this.jobs.finish(jobId, { status: 'cancelled', reason, retry: false });
  }

  waitFor(jobId: string): Promise<Job> {
    const job = this.jobs.get(jobId);
    if (isTerminalJobStatus(job.status)) return Promise.resolve(job);
    return new Promise((resolve) => {
      const list = this.waiters.get(jobId) ?? [];
      list.push(resolve);
      this.waiters.set(jobId, list);
      this.ensureTick();
    });
  }

  /**
   * Stops taking jobs and kills the running ones' trees. Their jobs end failed ("MLDesk stopped
   * while it ran") and are requeued when their retry policy allows, to run at the next start.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    const ending = [...this.active.values()].map((active) => {
      active.cancelReason = null;
      this.signalTree(active, 'SIGKILL');
      active.abort.abort(new Error('MLDesk stopped while it ran'));
      return active.ended;
    });
    await Promise.all(ending);
    await this.spawner.close();
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.tickTimer = undefined;
    this.unsubscribe();
  }

  private enqueue(item: Queued): void {
    // Kept sorted by creation time (FIFO); a binary search keeps 10k queued jobs cheap.
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const other = this.queue[mid] as Queued;
      if (other.createdAt < item.createdAt || (other.createdAt === item.createdAt && other.id < item.id)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, item);
  }

  private dequeue(id: string): void {
    const index = this.queue.findIndex((q) => q.id === id);
    if (index >= 0) this.queue.splice(index, 1);
  }

  /** Starts queued jobs while there is room; called on submit, on a job's end and when a backoff passes. */
  private pump(): void {
    if (this.closed) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    const now = Date.now();
    let nextWake = Infinity;
    for (let i = 0; i < this.queue.length && this.active.size < this.concurrency; ) {
      const item = this.queue[i] as Queued;
      if (item.notBefore > now) {
        nextWake = Math.min(nextWake, item.notBefore);
        i++;
        continue;
      }
      const claimed = this.jobs.claim(item.id, { workerId: this.workerId, owner: this.owner });
      if (claimed) {
        this.queue.splice(i, 1);
        this.start(claimed);
        continue;
      }
      // Lost the claim: someone else runs it, it was cancelled, or its backoff is not over yet.
      const job = this.jobs.get(item.id);
      if (job.status === 'queued' && job.notBefore !== null && job.notBefore > now) {
        item.notBefore = job.notBefore;
        nextWake = Math.min(nextWake, item.notBefore);
        i++;
      } else {
        this.queue.splice(i, 1);
      }
    }
    if (nextWake !== Infinity && this.active.size < this.concurrency) {
      this.wakeTimer = setTimeout(() => this.pump(), Math.max(0, nextWake - Date.now()));
    }
  }

  private start(job: Job): void {
    let endedResolve!: () => void;
    const active: Active = {
      job,
      pid: undefined,
      abort: new AbortController(),
      cancelReason: null,
      buffer: '',
      midLine: false,
      lastWrite: Date.now(),
      flushTimer: undefined,
      killTimer: undefined,
      ended: new Promise((resolve) => (endedResolve = resolve)),
    };
    this.active.set(job.id, active);
    this.ensureTick();
    const run = job.spec.type === 'project' ? this.runProject(active, job.spec) : this.runCommand(active, job.spec as Extract<JobSpec, { type: 'command' }>);
    void run
      .catch((error: unknown): JobOutcome & { retry?: boolean } => ({ status: 'failed', exitCode: null, reason: error instanceof Error ? error.message : String(error) }))
      .then((outcome) => {
        this.end(active, outcome);
        endedResolve();
      });
  }

  private onOutput(active: Active, chunk: string): void {
    if (!chunk) return;
    active.buffer = appendTail(active.buffer, chunk);
    active.midLine = !chunk.endsWith('\n');
    active.flushTimer ??= setTimeout(() => this.flush(active), this.logFlushMs);
  }

  private flush(active: Active): void {
    if (active.flushTimer) clearTimeout(active.flushTimer);
    active.flushTimer = undefined;
    if (!active.buffer) return;
    const chunk = active.buffer;
    active.buffer = '';
    active.lastWrite = Date.now();
    this.jobs.appendLog(active.job.id, chunk);
  }

  private async runCommand(active: Active, spec: Extract<JobSpec, { type: 'command' }>): Promise<JobOutcome & { retry?: boolean }> {
    const file = spec.argv[0] as string;
    const result = await this.spawner.run(
      { argv: spec.argv, cwd: spec.cwd, env: { ...process.env, ...spec.env, MLDESK_JOB_ID: active.job.id, MLDESK_JOB_ATTEMPT: String(active.job.attempts) } },
      {
        onStarted: (pid, start) => {
          active.pid = pid;
          this.jobs.setPid(active.job.id, pid, start === null ? null : formatIdentity({ host: hostname(), pid, start }));
          // Cancelled or closed while the spawner was starting it: what kill() or close() could not signal yet.
          if (active.abort.signal.aborted) this.signalTree(active, active.cancelReason === null ? 'SIGKILL' : 'SIGTERM');
        },
        onOutput: (chunk) => this.onOutput(active, chunk),
      },
    );
    if (result.spawnError !== null) return { status: 'failed', exitCode: null, reason: `could not start ${file}: ${result.spawnError}`, retry: false };
    if (result.lost !== null && active.cancelReason === null && !this.closed) return { status: 'failed', exitCode: null, reason: result.lost };
    return this.outcome(active, result.exitCode, result.signal);
  }

  private async runProject(active: Active, spec: Extract<JobSpec, { type: 'project' }>): Promise<JobOutcome> {
    if (!this.tracking) return { status: 'failed', exitCode: null, reason: 'Project jobs need a tracking server: start MLDesk with `mldesk serve` or the app.' };
    const runId = active.job.runId ?? spec.runId;
    const workDir = join(this.workRoot, `${active.job.id}-${active.job.attempts}`);
    mkdirSync(workDir, { recursive: true });
    // Loaded with the first project job: its project, YAML and snapshot modules cost every server start ~0.1 s otherwise.
    const launchProjectRun: typeof LaunchProjectRun = (await import('./project-launch.js')).launchProjectRun;
    const result = await launchProjectRun(spec, {
      ...this.tracking,
      runId,
      workDir,
      signal: active.abort.signal,
      onOutput: (chunk) => this.onOutput(active, chunk),
      onStarted: (pid) => this.jobs.setPid(active.job.id, pid, identityOf(pid)),
    });
    if (active.cancelReason !== null) return { status: 'cancelled', exitCode: result.exitCode, reason: active.cancelReason };
    if (result.runStatus === 'FINISHED') return { status: 'succeeded', exitCode: result.exitCode, reason: result.reason };
    return { status: 'failed', exitCode: result.exitCode, reason: result.reason ?? (result.exitCode === null ? 'the process was killed' : `exit code ${result.exitCode}`) };
  }

  private outcome(active: Active, code: number | null, signal: NodeJS.Signals | null): JobOutcome {
    if (active.cancelReason !== null) return { status: 'cancelled', exitCode: code, reason: active.cancelReason };
    if (this.closed) return { status: 'failed', exitCode: code, reason: 'MLDesk stopped while it ran' };
    if (code === 0) return { status: 'succeeded', exitCode: 0, reason: null };
    return { status: 'failed', exitCode: code, reason: signal ? `killed by ${signal}` : `exit code ${code}` };
  }

  private end(active: Active, outcome: JobOutcome & { retry?: boolean }): void {
    // The log says why it stopped, next to the output that led there.
    if (outcome.status !== 'succeeded') this.onOutput(active, `${active.midLine ? '\n' : ''}[mldesk] attempt ${active.job.attempts} ${outcome.status}: ${outcome.reason ?? 'no reason given'}\n`);
    this.flush(active);
    if (active.killTimer) clearTimeout(active.killTimer);
    this.active.delete(active.job.id);
    const { job, retrying } = this.jobs.finish(active.job.id, outcome);
    if (retrying && !this.closed) this.enqueue({ id: job.id, createdAt: job.createdAt, notBefore: job.notBefore ?? 0 });
    if (isTerminalJobStatus(job.status)) this.resolveWaiters(job);
    this.pump();
  }

  private kill(active: Active, reason: string): void {
    if (active.cancelReason !== null) return;
    active.cancelReason = reason;
    active.abort.abort(new Error(reason));
    this.signalTree(active, 'SIGTERM');
    active.killTimer = setTimeout(() => this.signalTree(active, 'SIGKILL'), this.killGraceMs);
  }

  /** Signals the job's process group; a group whose leader exited is still reachable until its last member ends. */
  private signalTree(active: Active, signal: NodeJS.Signals): void {
    if (active.pid !== undefined) killGroup(active.pid, signal);
  }

  private resolveWaiters(job: Job): void {
    const list = this.waiters.get(job.id);
    if (!list) return;
    this.waiters.delete(job.id);
    for (const resolve of list) resolve(job);
  }

  private ensureTick(): void {
    if (this.tickTimer) return;
    this.tickTimer = setInterval(() => this.tick(), this.tickMs);
    this.tickTimer.unref();
  }

  /** Heartbeats for quiet jobs, a cancel made by another process (the CLI), and waits on jobs run elsewhere. */
  private tick(): void {
    const now = Date.now();
    const watched = [...new Set([...this.active.keys(), ...this.waiters.keys()])];
    if (watched.length === 0) {
      clearInterval(this.tickTimer);
      this.tickTimer = undefined;
      return;
    }
    const states = this.jobs.statuses(watched);
    for (const [id, state] of states) {
      const active = this.active.get(id);
      if (active && isTerminalJobStatus(state.status)) this.kill(active, state.reason ?? 'cancelled');
      else if (active && now - active.lastWrite >= this.tickMs) {
        active.lastWrite = now;
        this.jobs.heartbeat(id);
      } else if (!active && isTerminalJobStatus(state.status)) this.resolveWaiters(this.jobs.get(id));
    }
  }
}
