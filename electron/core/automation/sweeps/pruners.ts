import type { SweepSpec } from '../../../../shared/automation.js';

/** One early-stopping decision, with the numbers it compared (stored in sweep_decisions). */
export interface PruneDecision {
  trial: number;
  step: number;
  value: number;
  decision: 'continue' | 'prune';
  detail: string;
}

/**
 * Decides, as each trial reports its objective at a step, whether it goes on. Values are losses
 * (smaller is better; a maximised metric is negated by the caller, and shown back un-negated in
 * details through `show`). Pruners keep their own state and are fed every report in order.
 */
export interface Pruner {
  /** A trial's new report; answers the decisions taken (none when the step is not a decision point). */
  report(trial: number, step: number, loss: number): PruneDecision[];
  /** A trial ended normally: its reports now count as a completed trial's (median rule). */
  complete(trial: number): void;
}

export interface PrunerOptions {
  metric: string;
  /** Shows a loss as the metric's own value (un-negates a maximised metric). */
  show: (loss: number) => number;
}

const fmt = (value: number): string => (Number.isInteger(value) ? String(value) : Number(value.toPrecision(4)).toString());

/**
 * Asynchronous successive halving (ASHA, Li et al. 2018), as Optuna's SuccessiveHalvingPruner:
 * rungs at min_iter·eta^k (below max_iter). When a trial first reaches a rung its value there is
 * recorded and compared with every value recorded at that rung so far; it goes on only if it is
 * within the top 1/eta of them (when fewer than eta have reached the rung, only if it is the best
 * so far). Nobody waits for a rung to fill: that is what makes it asynchronous.
 */
export class AshaPruner implements Pruner {
  private readonly rungs: number[] = [];
  private readonly rungValues: Array<Map<number, number>> = [];
  private readonly reachedRung = new Map<number, number>();

  constructor(
    minIter: number,
    private readonly eta: number,
    maxIter: number | undefined,
    private readonly options: PrunerOptions,
  ) {
    for (let rung = minIter; rung < (maxIter ?? Number.MAX_SAFE_INTEGER) && this.rungs.length < 40; rung *= eta) {
      this.rungs.push(rung);
      this.rungValues.push(new Map());
    }
  }

  get rungSteps(): readonly number[] {
    return this.rungs;
  }

  report(trial: number, step: number, loss: number): PruneDecision[] {
    const decisions: PruneDecision[] = [];
    let next = this.reachedRung.get(trial) ?? 0;
    // A trial that skipped steps is judged at each rung it passed, with the value it reported now.
    while (next < this.rungs.length && step >= this.rungs[next]!) {
      const rung = this.rungs[next]!;
      const values = this.rungValues[next]!;
      values.set(trial, loss);
      this.reachedRung.set(trial, next + 1);
      const sorted = [...values.values()].sort((a, b) => a - b);
      const keep = Math.max(1, Math.floor(sorted.length / this.eta));
      const cutoff = sorted[keep - 1]!;
      const promoted = loss <= cutoff;
      const { metric, show } = this.options;
      const detail = promoted
        ? `rung ${next} (step ${rung}): ${metric} ${fmt(show(loss))} is within the top ${keep} of ${sorted.length} at this rung (cut-off ${fmt(show(cutoff))})`
        : `rung ${next} (step ${rung}): ${metric} ${fmt(show(loss))} is outside the top ${keep} of ${sorted.length} at this rung (cut-off ${fmt(show(cutoff))}, eta ${this.eta})`;
      decisions.push({ trial, step, value: show(loss), decision: promoted ? 'continue' : 'prune', detail });
      if (!promoted) break;
      next++;
    }
    return decisions;
  }

  complete(): void {}
}

/**
 * The median stopping rule (Golovin et al. 2017, Optuna's MedianPruner): from step min_iter on, a
 * trial whose best value so far is worse than the median of the completed trials' values at the
 * same step is pruned. Until `minCompleted` completed trials reported that step it goes on (and
 * the decision says so, so a quiet pruner is visibly waiting rather than broken).
 */
export class MedianPruner implements Pruner {
  private readonly series = new Map<number, Map<number, number>>();
  private readonly best = new Map<number, number>();
  private readonly completed = new Set<number>();

  constructor(
    private readonly minIter: number,
    private readonly options: PrunerOptions,
    private readonly minCompleted = 3,
  ) {}

  report(trial: number, step: number, loss: number): PruneDecision[] {
    const points = this.series.get(trial) ?? new Map<number, number>();
    points.set(step, loss);
    this.series.set(trial, points);
    const best = Math.min(this.best.get(trial) ?? Infinity, loss);
    this.best.set(trial, best);
    if (step < this.minIter) return [];
    const others = [...this.completed].map((other) => this.series.get(other)?.get(step)).filter((value): value is number => value !== undefined);
    const { metric, show } = this.options;
    if (others.length < this.minCompleted) {
      const detail = `step ${step}: ${others.length} completed trial(s) reported this step, ${this.minCompleted} needed before the median rule prunes`;
      return [{ trial, step, value: show(loss), decision: 'continue', detail }];
    }
    const sorted = [...others].sort((a, b) => a - b);
    const middle = sorted.length / 2;
    const median = sorted.length % 2 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
    const prune = best > median;
    const detail = `step ${step}: best ${metric} so far ${fmt(show(best))} is ${prune ? 'worse than' : 'no worse than'} the median ${fmt(show(median))} of ${sorted.length} completed trials at this step`;
    return [{ trial, step, value: show(loss), decision: prune ? 'prune' : 'continue', detail }];
  }

  complete(trial: number): void {
    this.completed.add(trial);
  }
}

/** A pruner that never prunes, for sweeps without early_terminate. */
export class NoPruner implements Pruner {
  report(): PruneDecision[] {
    return [];
  }
  complete(): void {}
}

export function createPruner(spec: SweepSpec): Pruner {
  const maximize = spec.metric.goal === 'maximize';
  const options: PrunerOptions = { metric: spec.metric.name, show: (loss) => (maximize ? -loss : loss) };
  const early = spec.early_terminate;
  if (!early) return new NoPruner();
  return early.type === 'asha' ? new AshaPruner(early.min_iter, early.eta, early.max_iter, options) : new MedianPruner(early.min_iter, options);
}
