import { mean, sampleRankCorrelation } from 'simple-statistics';
import type { SweepTrial } from '../../../../shared/automation.js';
import type { ParameterImportance } from '../../../../shared/app-api/sweeps.js';

type Trial = Pick<SweepTrial, 'number' | 'state' | 'value' | 'parameters'> & { endedAt: number | null };

/** The best completed value after each completed trial, in order of completion (the best-so-far chart). */
export function bestSoFar(trials: readonly Trial[], goal: 'minimize' | 'maximize'): Array<{ trial: number; value: number; best: number }> {
  const done = trials
    .filter((trial) => trial.state === 'completed' && trial.value !== null)
    .sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0) || a.number - b.number);
  let best: number | null = null;
  return done.map((trial) => {
    const value = trial.value!;
    best = best === null ? value : goal === 'minimize' ? Math.min(best, value) : Math.max(best, value);
    return { trial: trial.number, value, best };
  });
}

/**
 * How much each parameter matters, over completed trials: |Spearman rank correlation| with the
 * objective for numeric parameters (monotone effects, robust to log scales); for categorical ones
 * the correlation ratio η (the share of the objective's spread explained by the category means).
 * Both are 0..1. Needs at least 3 completed trials and a parameter that varied.
 */
export function parameterImportance(trials: readonly Trial[], parameters: readonly string[]): ParameterImportance[] {
  const done = trials.filter((trial) => trial.state === 'completed' && trial.value !== null && Number.isFinite(trial.value));
  const values = done.map((trial) => trial.value!);
  return parameters.map((parameter) => {
    const xs = done.map((trial) => trial.parameters[parameter]);
    const numeric = xs.every((x) => typeof x === 'number');
    const distinct = new Set(xs.map(String)).size;
    if (done.length < 3 || distinct < 2 || new Set(values).size < 2) return { parameter, importance: null, correlation: null, trials: done.length };
    if (numeric) {
      const correlation = sampleRankCorrelation(xs as number[], values);
      return Number.isFinite(correlation) ? { parameter, importance: Math.abs(correlation), correlation, trials: done.length } : { parameter, importance: null, correlation: null, trials: done.length };
    }
    const overall = mean(values);
    const groups = new Map<string, number[]>();
    xs.forEach((x, index) => groups.set(String(x), [...(groups.get(String(x)) ?? []), values[index]!]));
    const between = [...groups.values()].reduce((sum, group) => sum + group.length * (mean(group) - overall) ** 2, 0);
    const total = values.reduce((sum, value) => sum + (value - overall) ** 2, 0);
    return { parameter, importance: total > 0 ? Math.sqrt(between / total) : null, correlation: null, trials: done.length };
  });
}
