import type { Job as BullJob } from 'bullmq';
import { LOG_TAIL_BYTES } from '../../../shared/automation.js';
import type { WorkerReport } from './bullmq-protocol.js';

const LOG_FLUSH_MS = 200;

/**
 * A worker's reports on one job, sent as BullMQ job progress so they reach the controller in order
 * with BullMQ's own events. Output is batched (one report per LOG_FLUSH_MS at most) and only the
 * last LOG_TAIL_BYTES of a batch travel: the controller keeps a tail, the run keeps the whole log.
 */
export class JobReporter {
  private chain: Promise<void> = Promise.resolve();
  private pending = '';
  private timer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  ended = false;

  constructor(private readonly job: BullJob) {}

  send(report: WorkerReport): void {
    if (report.t !== 'log') this.flush();
    if (report.t === 'end') this.ended = true;
    this.chain = this.chain.then(() =>
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

  /** Sends what is pending and waits until every report is in Redis. */
  async close(): Promise<void> {
    this.flush();
    await this.chain;
    if (this.failure) throw this.failure;
  }
}
