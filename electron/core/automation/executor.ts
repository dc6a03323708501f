import type { ExecutorKind, Job } from '../../../shared/automation.js';

/** How a job's process ended, as its executor saw it. */
export interface JobOutcome {
  status: 'succeeded' | 'failed' | 'cancelled';
  exitCode: number | null;
  reason: string | null;
}

/**
 * Runs queued jobs. Executors claim jobs through JobStore.claim (so two never run one), keep the
 * job's pid / worker, log tail and heartbeat up to date, and end it with JobStore.finish. Local:
 * a process pool on this machine; BullMQ: workers on any machine taking jobs from Redis.
 */
export interface JobExecutor {
  readonly kind: ExecutorKind;
  /** Hands a queued job (already in the jobs table) to this executor. */
  submit(job: Job): Promise<void>;
  /** Stops the job's whole process tree (or tells its worker to); the job ends 'cancelled' with the reason. */
  cancel(jobId: string, reason: string): Promise<void>;
  /** Resolves when the job is terminal (succeeded, failed after its last attempt, or cancelled). */
  waitFor(jobId: string): Promise<Job>;
  /** Stops taking jobs; running local jobs are killed and end failed ("MLDesk stopped while it ran"), requeued when their policy allows. */
  close(): Promise<void>;
}
