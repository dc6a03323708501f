/**
 * How the prediction log's writer thread is scheduled on Linux. Its work can wait (its rows are
 * safe in the journal) and answering requests cannot, so while it keeps up it runs SCHED_IDLE:
 * the kernel then treats its core as free and puts a woken client or request thread there rather
 * than beside the request thread. With it at nice 10 instead, the request thread was preempted
 * ~10,000 times in 8 s under the serving bench (1,600 with the log off) and answered 5–15% fewer
 * requests (measured on 2 cores).
 *
 * A SCHED_IDLE thread gets almost no CPU while every core is busy (a training run on all cores),
 * so when rows back up, or a row has waited a second (the writer moves every 100 ms when it
 * runs), the server raises it to ordinary scheduling (it keeps its nice 10) and lowers it again
 * once it has caught up and stayed raised a while. A flush (feedback for a row not moved yet)
 * raises it too, so it is not kept waiting behind a busy machine.
 *
 * Node has no call for a thread's scheduling policy, so this runs util-linux's `chrt` on the
 * thread id, only at those changes. Where there is no chrt (not Linux, a minimal container) the
 * writer simply stays at nice 10.
 */
import { execFile } from 'node:child_process';

export type WriterPolicy = 'idle' | 'normal';

export interface WriterSchedulingOptions {
  /** Raise the writer when more rows than this wait for it (default 10,000: ~0.4 s of full load). */
  raiseAtRows?: number;
  /** Raise it when a row has waited this long (ms, default 1,000), however few wait. */
  maxWaitMs?: number;
  /** Lower it again when fewer than this wait (default 2,000)... */
  lowerBelowRows?: number;
  /** ...and it has been raised at least this long (ms, default 5,000), so a starved writer does not flap. */
  minRaisedMs?: number;
}

const runChrt = (args: string[]) =>
  new Promise<void>((resolve, reject) => execFile('chrt', args, { timeout: 10_000 }, (error) => (error ? reject(error) : resolve())));

export class WriterScheduling {
  /** The policy asked for last (the chrt call may still be running). */
  policy: WriterPolicy = 'normal';
  /** Times the writer was raised: rows backed up or waited too long, or a flush or the close waited on it. */
  raises = 0;
  /** Why the policy cannot be managed here, once a chrt call failed; the writer then stays at nice 10. */
  unmanaged: string | undefined;
  private raisedAt = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly raiseAt: number;
  private readonly maxWaitMs: number;
  private readonly lowerBelow: number;
  private readonly minRaisedMs: number;

  constructor(
    readonly threadId: number,
    options: WriterSchedulingOptions = {},
    /** Told after each change takes effect (or fails), for the server's metrics. */
    private readonly onChange: (scheduling: WriterScheduling) => void = () => {},
  ) {
    this.raiseAt = options.raiseAtRows ?? 10_000;
    this.maxWaitMs = options.maxWaitMs ?? 1_000;
    this.lowerBelow = options.lowerBelowRows ?? 2_000;
    this.minRaisedMs = options.minRaisedMs ?? 5_000;
    this.set('idle');
  }

  /** Called a few times a second: `pending` rows wait, the oldest for `waitedMs`. */
  check(pending: number, waitedMs: number): void {
    if (this.policy === 'idle' && pending > 0 && (pending > this.raiseAt || waitedMs > this.maxWaitMs)) this.raise();
  }

  /** Called after the writer moved rows. */
  rowsMoved(pending: number): void {
    if (this.policy === 'normal' && pending < this.lowerBelow && performance.now() - this.raisedAt >= this.minRaisedMs) this.set('idle');
  }

  /** Ordinary scheduling now (rows backed up, or someone waits for a flush or the close). */
  raise(): void {
    if (this.policy === 'normal') return;
    this.raises++;
    this.raisedAt = performance.now();
    this.set('normal');
  }

  /** Resolves once the chrt calls asked for so far have finished (for tests). */
  settled(): Promise<void> {
    return this.queue;
  }

  private set(policy: WriterPolicy): void {
    if (this.unmanaged) return;
    this.policy = policy;
    const args = [policy === 'idle' ? '--idle' : '--other', '--pid', '0', String(this.threadId)];
    // One call at a time, in order: a lower must not overtake the raise before it.
    this.queue = this.queue
      .then(() => runChrt(args))
      .catch((error: Error) => {
        this.unmanaged = `chrt ${args.join(' ')} failed: ${error.message.split('\n')[0]}`;
        this.policy = 'normal';
      })
      .then(() => this.onChange(this));
  }
}
