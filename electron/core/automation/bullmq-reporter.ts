import type { Job as BullJob } from 'bullmq';
import { LOG_TAIL_BYTES } from '../../../shared/automation.js';
import type { WorkerReport } from './bullmq-protocol.js';

const LOG_FLUSH_MS = 200;

/**
 * A worker's reports on one job, sent as BullMQ job progress so they reach the controller in order
 * with BullMQ's own events. Output is batched (one report per LOG_FLUSH_MS at most) and only the
 * last LOG_TAIL_BYTES of a batch travel: the controller keeps a tail, the run keeps the whole log.
 *
 * Reports are pipelined, not sent one reply after another: each goes out on the worker's one Redis
 * connection in the order sent (BullMQ issues the script right after resolving the connection, so
 * calls keep their order, and Redis runs one connection's commands in order), and `close` waits for
 * all of them. Waiting for each reply before the next cost a round trip per report (start, pid, end)
 * on every job.
 */
export class JobReporter {
  private readonly inFlight: Promise<void>[] = [];
  private pending = '';
  private timer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  /** A report was handed to BullMQ in this macrotask: its script may not be written out yet. */
  private issuing = false;
  ended = false;

  constructor(private readonly job: BullJob) {}

  send(report: WorkerReport): void {
    if (report.t !== 'log') this.flush();
    if (report.t === 'end') this.ended = true;
    if (!this.issuing) {
      this.issuing = true;
      setImmediate(() => (this.issuing = false));
    }
    this.inFlight.push(
      this.job.updateProgress(report).catch((error: unknown) => {
        this.failure ??= error as Error;
      }),
    );
  }

  log(chunk: string): void {
    this.pending += chunk;
    if (this.pending.length > LOG_TAIL_BYTES * 2) this.pending = this.pending.slice(-LOG_TAIL_BYTES);
    this.timer ??= setTimeout(() => this.flush(), LOG_FLUSH_MS);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending === '') return;
    const chunk = this.pending.length > LOG_TAIL_BYTES ? this.pending.slice(-LOG_TAIL_BYTES) : this.pending;
    this.pending = '';
    this.send({ t: 'log', chunk });
  }

  /**
   * Sends what is pending, and the end report when there is one (none for a succeeded attempt:
   * BullMQ's completion says it), without waiting for Redis to answer: BullMQ's moveToFinished,
   * which the job's return leads to, goes out after them on the same connection, so Redis applies
   * every report before the completion; a report Redis refuses (the job's key gone) means the
   * completion is refused too. Waiting for the replies cost a round trip per job. Resolves once
   * the reports are written to the connection: BullMQ issues a script a few resolved promises
   * after the call, so a macrotask later every one of them is out (at once when none was sent in
   * this one: a quiet job's start went out while its process ran).
   */
  async finish(end: Extract<WorkerReport, { t: 'end' }> | null): Promise<void> {
    this.ended = true;
    if (end) this.send(end);
    else this.flush();
    if (this.issuing) await new Promise((resolve) => setImmediate(resolve));
  }

  /** Sends what is pending and waits until every report is in Redis. */
  async close(): Promise<void> {
    this.flush();
    await Promise.all(this.inFlight.splice(0));
    if (this.failure) throw this.failure;
  }
}
