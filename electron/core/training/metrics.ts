/**
 * Evaluation metrics computed in plain JavaScript from predictions, so they are identical on every
 * backend that produces the same predictions, and testable against hand-computed values.
 * Labels are class indices; binary scores are P(class 1); multiclass scores are row-major [n, k].
 */

/** Keras's clipping epsilon: a confident wrong prediction costs ~16, not Infinity. */
const EPSILON = 1e-7;
const clip = (p: number) => Math.min(1 - EPSILON, Math.max(EPSILON, p));

export function binaryCrossEntropy(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = clip(scores[i]!);
    sum += labels[i] === 1 ? -Math.log(p) : -Math.log(1 - p);
  }
  return sum / labels.length;
}

export function categoricalCrossEntropy(labels: ArrayLike<number>, probs: ArrayLike<number>, classes: number): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    // Keras normalises each row before the log; softmax rows already sum to one up to rounding.
    let rowSum = 0;
    for (let c = 0; c < classes; c++) rowSum += probs[i * classes + c]!;
    sum -= Math.log(clip(probs[i * classes + labels[i]!]! / rowSum));
  }
  return sum / labels.length;
}

/** Predicted class of each row: P >= 0.5 for binary, arg-max (first on ties) for multiclass. */
export function predictedClasses(scores: ArrayLike<number>, classes: number): Int32Array {
  const n = classes === 2 ? scores.length : scores.length / classes;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (classes === 2) {
      out[i] = scores[i]! >= 0.5 ? 1 : 0;
      continue;
    }
    let best = 0;
    for (let c = 1; c < classes; c++) if (scores[i * classes + c]! > scores[i * classes + best]!) best = c;
    out[i] = best;
  }
  return out;
}

export function accuracy(labels: ArrayLike<number>, predicted: ArrayLike<number>): number {
  let hits = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === predicted[i]) hits++;
  return hits / labels.length;
}

/**
 * ROC AUC by the rank-sum (Mann-Whitney) formula with average ranks for ties: the probability
 * that a random positive scores above a random negative, ties counting one half. NaN when one
 * of the two classes is absent (AUC is undefined there).
 */
export function rocAuc(positive: ArrayLike<boolean | number>, scores: ArrayLike<number>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && scores[order[end + 1]!] === scores[order[start]!]) end++;
    const averageRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      if (positive[order[k]!]) {
        positives++;
        rankSum += averageRank;
      }
    }
    start = end + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Macro one-vs-rest AUC over the classes present in `labels` (sklearn's multi_class='ovr'). */
export function macroRocAuc(labels: ArrayLike<number>, probs: ArrayLike<number>, classes: number): number {
  const n = labels.length;
  let sum = 0;
  let counted = 0;
  for (let c = 0; c < classes; c++) {
    const positive = Array.from(labels, (label) => label === c);
    const scores = Array.from({ length: n }, (_, i) => probs[i * classes + c]!);
    const auc = rocAuc(positive, scores);
    if (!Number.isNaN(auc)) {
      sum += auc;
      counted++;
    }
  }
  return counted === 0 ? Number.NaN : sum / counted;
}

/** F1 of one class; 0 when it is never predicted nor present (sklearn's zero_division=0). */
export function f1Score(labels: ArrayLike<number>, predicted: ArrayLike<number>, positiveClass = 1): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const actual = labels[i] === positiveClass;
    const guessed = predicted[i] === positiveClass;
    if (actual && guessed) tp++;
    else if (guessed) fp++;
    else if (actual) fn++;
  }
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

/** Unweighted mean of per-class F1 over all classes of the model. */
export function macroF1(labels: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): number {
  let sum = 0;
  for (let c = 0; c < classes; c++) sum += f1Score(labels, predicted, c);
  return sum / classes;
}

export function meanSquaredError(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += (actual[i]! - predicted[i]!) ** 2;
  return sum / actual.length;
}

export const rootMeanSquaredError = (actual: ArrayLike<number>, predicted: ArrayLike<number>) => Math.sqrt(meanSquaredError(actual, predicted));

export function meanAbsoluteError(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += Math.abs(actual[i]! - predicted[i]!);
  return sum / actual.length;
}

/** Coefficient of determination; NaN for a constant target (sklearn returns 0 or 1 by convention). */
export function r2Score(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < actual.length; i++) mean += actual[i]!;
  mean /= actual.length;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < actual.length; i++) {
    residual += (actual[i]! - predicted[i]!) ** 2;
    total += (actual[i]! - mean) ** 2;
  }
  return total === 0 ? Number.NaN : 1 - residual / total;
}

export interface ClassificationMetrics {
  loss: number;
  accuracy: number;
  auc: number;
  f1: number;
}

/** Loss, accuracy, AUC and F1 of classifier scores: binary when classes is 2, else macro. */
export function classificationMetrics(labels: ArrayLike<number>, scores: ArrayLike<number>, classes: number): ClassificationMetrics {
  const predicted = predictedClasses(scores, classes);
  if (classes === 2) {
    return {
      loss: binaryCrossEntropy(labels, scores),
      accuracy: accuracy(labels, predicted),
      auc: rocAuc(Array.from(labels, (l) => l === 1), scores),
      f1: f1Score(labels, predicted, 1),
    };
  }
  return { loss: categoricalCrossEntropy(labels, scores, classes), accuracy: accuracy(labels, predicted), auc: macroRocAuc(labels, scores, classes), f1: macroF1(labels, predicted, classes) };
}

export interface RegressionMetrics {
  rmse: number;
  mae: number;
  r2: number;
}

export function regressionMetrics(actual: ArrayLike<number>, predicted: ArrayLike<number>): RegressionMetrics {
  return { rmse: rootMeanSquaredError(actual, predicted), mae: meanAbsoluteError(actual, predicted), r2: r2Score(actual, predicted) };
}
