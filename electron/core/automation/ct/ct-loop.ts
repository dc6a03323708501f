/**
 * The loop a long-lived process (`mldesk serve`, the desktop app) runs for continuous training:
 * every poll it asks each enabled policy's triggers whether they fire and starts a pipeline run
 * for the first that does (one run per model at a time).
 */
import type { PipelineRunner } from './pipeline-runner.js';
import { dueTrigger } from './ct-triggers.js';
import { listPolicies, readTriggerState, writeTriggerState } from './policy-store.js';

export interface CtLoopOptions {
  pollMs?: number;
  onError?: (error: Error) => void;
}

export class CtLoop {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly runs = new Set<Promise<unknown>>();

  constructor(
    private readonly runner: PipelineRunner,
    private readonly options: CtLoopOptions = {},
  ) {}

  start(): this {
    this.schedule();
    return this;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tick();
      this.schedule();
    }, this.options.pollMs ?? 5000);
    this.timer.unref();
  }

  /** One look at every policy; exposed for tests. */
  tick(): void {
    const db = this.runner.db;
    try {
      for (const policy of listPolicies(db)) {
        if (!policy.enabled || this.runner.pipelines.running(policy.model)) continue;
        const due = dueTrigger(db, policy, readTriggerState(db, policy.model));
        if (!due) continue;
        writeTriggerState(db, policy.model, due.state);
        const { done } = this.runner.start(policy.model, due.trigger);
        this.runs.add(done);
        void done.finally(() => this.runs.delete(done));
      }
    } catch (error) {
      if (!this.stopped) this.options.onError?.(error as Error);
    }
  }

  /** Stops looking; runs under way finish (their training child is waited for) before the database closes. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.runs]);
  }
}
