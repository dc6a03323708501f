/**
 * The figures a reviewer judges a regressor by, on the validation split: residuals against
 * predictions (a pattern means the model misses structure), predictions against actual values,
 * and the distribution of errors. Residual = actual − predicted throughout.
 */
import { mean, median, sampleStandardDeviation } from 'simple-statistics';
import type { EvaluationSummary, RegressorEvaluation } from '../../../shared/evaluation.js';
import { EVALUATION_FORMAT } from '../../../shared/evaluation.js';

/** Scatter plots keep at most this many rows (evenly spaced through the split, so the same on every run). */
export const MAX_SCATTER_POINTS = 2000;

/**
 * Equal-width bins between the smallest and largest residual; √n of them (Excel's and pandas'
 * rule of thumb), between 5 and 40. The last bin includes its upper edge.
 */
export function errorHistogram(residuals: number[]): Array<{ from: number; to: number; count: number }> {
  if (residuals.length === 0) return [];
  let low = Infinity;
  let high = -Infinity;
  for (const r of residuals) {
    low = Math.min(low, r);
    high = Math.max(high, r);
  }
  if (low === high) return [{ from: low, to: high, count: residuals.length }];
  const bins = Math.min(40, Math.max(5, Math.ceil(Math.sqrt(residuals.length))));
  const width = (high - low) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const r of residuals) counts[Math.min(bins - 1, Math.floor((r - low) / width))]!++;
  return counts.map((count, i) => ({ from: low + i * width, to: i === bins - 1 ? high : low + (i + 1) * width, count }));
}

/** Every k-th row so that at most `max` remain. */
export function evenSample(n: number, max = MAX_SCATTER_POINTS): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: max }, (_, i) => Math.floor((i * n) / max));
}

export function evaluateRegressor(actual: ArrayLike<number>, predicted: ArrayLike<number>): RegressorEvaluation {
  const n = actual.length;
  const residuals = Array.from({ length: n }, (_, i) => actual[i]! - predicted[i]!);
  const rows = evenSample(n);
  const sampled = rows.length < n;
  const bias = n ? mean(residuals) : Number.NaN;
  const metrics: Record<string, number> = {};
  if (n) {
    metrics.val_median_abs_error = median(residuals.map(Math.abs));
    // Positive: the model predicts too low on average.
    metrics.val_mean_residual = bias;
  }
  const summary: EvaluationSummary = { format: EVALUATION_FORMAT, version: 1, task: 'regression', split: 'validation', rows: n, metrics };
  return {
    task: 'regression',
    summary,
    residuals: { total: n, sampled, points: rows.map((i) => ({ predicted: predicted[i]!, residual: residuals[i]! })) },
    predictedVsActual: { total: n, sampled, points: rows.map((i) => ({ actual: actual[i]!, predicted: predicted[i]! })) },
    errorHistogram: { bins: errorHistogram(residuals), mean: Number.isFinite(bias) ? bias : 0, std: n > 1 ? sampleStandardDeviation(residuals) : 0 },
  };
}
