/**
 * The figures a reviewer judges a classifier by, computed once from the validation split's
 * predictions at the end of training: confusion matrix, ROC and precision–recall curves with their
 * areas (one class against the rest for multiclass models), per-class precision/recall/F1 with
 * support, and a calibration curve. Definitions follow scikit-learn's (tests hold them to its
 * values); labels are class indices, binary scores are P(class 1), multiclass scores are row-major [n, k].
 */
import type { ClassifierEvaluation, EvaluationSummary } from '../../../shared/evaluation.js';
import { EVALUATION_FORMAT } from '../../../shared/evaluation.js';
import { predictedClasses, rocAuc } from './metrics.js';

/** A curve keeps at most this many points: enough for a chart, small enough for a JSON artifact. */
export const MAX_CURVE_POINTS = 200;
/** Per-class curves for at most this many classes (those with the most rows); the averages use all. */
export const MAX_CURVE_CLASSES = 20;
/** A confusion matrix is written for at most this many classes. */
export const MAX_MATRIX_CLASSES = 50;
export const CALIBRATION_BINS = 10;

export interface ThresholdCounts {
  /** Distinct scores, decreasing; tps[i]/fps[i] count rows scoring >= thresholds[i]. */
  thresholds: number[];
  tps: number[];
  fps: number[];
  positives: number;
  negatives: number;
}

/** Cumulative true and false positives at each distinct score (scikit-learn's _binary_clf_curve). */
export function thresholdCounts(positive: ArrayLike<boolean>, scores: ArrayLike<number>): ThresholdCounts {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const thresholds: number[] = [];
  const tps: number[] = [];
  const fps: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    const row = order[k]!;
    if (positive[row]) tp++;
    else fp++;
    // Rows with equal scores cross the threshold together: one point per distinct score.
    if (k + 1 === order.length || scores[order[k + 1]!] !== scores[row]) {
      thresholds.push(scores[row]!);
      tps.push(tp);
      fps.push(fp);
    }
  }
  return { thresholds, tps, fps, positives: tp, negatives: fp };
}

/** ROC points [fpr, tpr] from (0, 0), every distinct threshold (scikit-learn's roc_curve with drop_intermediate=False). */
export function rocPoints(counts: ThresholdCounts): Array<[number, number]> {
  const { tps, fps, positives, negatives } = counts;
  const points: Array<[number, number]> = [[0, 0]];
  for (let i = 0; i < tps.length; i++) points.push([negatives ? fps[i]! / negatives : Number.NaN, positives ? tps[i]! / positives : Number.NaN]);
  return points;
}

/** PR points [recall, precision] by decreasing threshold, starting at (0, 1) as scikit-learn's curve ends. */
export function prPoints(counts: ThresholdCounts): Array<[number, number]> {
  const { tps, fps, positives } = counts;
  const points: Array<[number, number]> = [[0, 1]];
  for (let i = 0; i < tps.length; i++) points.push([positives ? tps[i]! / positives : Number.NaN, tps[i]! / (tps[i]! + fps[i]!)]);
  return points;
}

/** Σ (Rₙ − Rₙ₋₁) Pₙ (scikit-learn's average_precision_score); NaN without positives. */
export function averagePrecision(counts: ThresholdCounts): number {
  if (counts.positives === 0) return Number.NaN;
  let ap = 0;
  let previousRecall = 0;
  for (let i = 0; i < counts.tps.length; i++) {
    const recall = counts.tps[i]! / counts.positives;
    ap += (recall - previousRecall) * (counts.tps[i]! / (counts.tps[i]! + counts.fps[i]!));
    previousRecall = recall;
  }
  return ap;
}

/**
 * Thins a curve for drawing: drops points on a straight line between their neighbours (as
 * scikit-learn's drop_intermediate does), then keeps evenly spaced ones; ends are always kept.
 */
export function thinCurve(points: Array<[number, number]>, max = MAX_CURVE_POINTS): Array<[number, number]> {
  const kept = points.filter((p, i) => {
    if (i === 0 || i === points.length - 1) return true;
    const [a, c] = [points[i - 1]!, points[i + 1]!];
    return Math.abs((p[0] - a[0]) * (c[1] - a[1]) - (p[1] - a[1]) * (c[0] - a[0])) > 1e-12;
  });
  if (kept.length <= max) return kept;
  const step = (kept.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => kept[Math.round(i * step)]!);
}

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** Precision, recall, F1 and support per class; 0 where a ratio has no denominator (zero_division=0). */
export function perClassScores(labels: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): ClassScores[] {
  const tp = new Array<number>(classes).fill(0);
  const guessed = new Array<number>(classes).fill(0);
  const support = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) {
    support[labels[i]!]!++;
    guessed[predicted[i]!]!++;
    if (labels[i] === predicted[i]) tp[labels[i]!]!++;
  }
  return tp.map((hits, c) => {
    const precision = guessed[c] ? hits / guessed[c]! : 0;
    const recall = support[c] ? hits / support[c]! : 0;
    return { precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall), support: support[c]! };
  });
}

export function confusionMatrix(labels: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): number[][] {
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) matrix[labels[i]!]![predicted[i]!]!++;
  return matrix;
}

/**
 * Reliability diagram points: equal-width bins over [0, 1] (a probability on an inner edge falls
 * in the lower bin, as scikit-learn's calibration_curve), each non-empty bin's mean predicted
 * probability and share of positives.
 */
export function calibrationPoints(positive: ArrayLike<boolean>, probabilities: ArrayLike<number>, bins = CALIBRATION_BINS) {
  const sums = new Array<number>(bins).fill(0);
  const hits = new Array<number>(bins).fill(0);
  const counts = new Array<number>(bins).fill(0);
  // Edges computed as numpy's linspace does (i * step), so a value on an edge lands where it would there.
  const edges = Array.from({ length: bins - 1 }, (_, i) => (i + 1) * (1 / bins));
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!;
    let bin = 0;
    while (bin < edges.length && edges[bin]! < p) bin++;
    sums[bin]! += p;
    counts[bin]!++;
    if (positive[i]) hits[bin]!++;
  }
  return counts.flatMap((count, bin) => (count === 0 ? [] : [{ meanPredicted: sums[bin]! / count, fractionPositive: hits[bin]! / count, count }]));
}

const finiteOrNull = (value: number) => (Number.isFinite(value) ? value : null);
const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN);

/** Every figure of a classifier's evaluation on a split, and its scalar summaries as `val_*` metrics. */
export function evaluateClassifier(labels: ArrayLike<number>, scores: ArrayLike<number>, classNames: string[]): ClassifierEvaluation {
  const k = classNames.length;
  const n = labels.length;
  const predicted = predictedClasses(scores, k);
  const scores_ = perClassScores(labels, predicted, k);
  const total = scores_.reduce((sum, s) => sum + s.support, 0);
  const average = (key: 'precision' | 'recall' | 'f1', weighted: boolean) =>
    scores_.reduce((sum, s) => sum + s[key] * (weighted ? s.support / (total || 1) : 1 / k), 0);
  const accuracy = n ? scores_.reduce((sum, s) => sum + s.recall * s.support, 0) / n : Number.NaN;
  // Binary models are judged on their positive class (index 1); multiclass ones class by class.
  const curveClasses = k === 2 ? [1] : [...Array(k).keys()].sort((a, b) => scores_[b]!.support - scores_[a]!.support || a - b);
  const probabilityOf = (c: number) => (k === 2 ? Array.from(scores) : Array.from({ length: n }, (_, i) => scores[i * k + c]!));
  const roc = [];
  const pr = [];
  const calibration = [];
  const aucs: number[] = [];
  const aps: number[] = [];
  for (const c of curveClasses) {
    const positive = Array.from(labels, (label) => label === c);
    const probabilities = probabilityOf(c);
    const counts = thresholdCounts(positive, probabilities);
    const auc = rocAuc(positive, probabilities);
    const ap = averagePrecision(counts);
    if (!Number.isNaN(auc)) aucs.push(auc);
    if (!Number.isNaN(ap)) aps.push(ap);
    if (roc.length >= MAX_CURVE_CLASSES) continue;
    const name = classNames[c]!;
    roc.push({ class: name, auc: finiteOrNull(auc), points: counts.negatives && counts.positives ? thinCurve(rocPoints(counts)) : [] });
    pr.push({ class: name, averagePrecision: finiteOrNull(ap), prevalence: n ? counts.positives / n : 0, points: counts.positives ? thinCurve(prPoints(counts)) : [] });
    calibration.push({ class: name, points: calibrationPoints(positive, probabilities) });
  }
  const macro = { precision: average('precision', false), recall: average('recall', false), f1: average('f1', false) };
  const positiveScores = k === 2 ? scores_[1]! : macro;
  // Multiclass areas are macro averages over the classes present in the split (scikit-learn's 'ovr').
  const auc = mean(aucs);
  const ap = mean(aps);
  const metrics: Record<string, number> = { val_precision: positiveScores.precision, val_recall: positiveScores.recall };
  if (Number.isFinite(ap)) metrics.val_pr_auc = ap;
  if (Number.isFinite(auc)) metrics.val_auc = auc;
  const summary: EvaluationSummary = { format: EVALUATION_FORMAT, version: 1, task: 'classification', split: 'validation', rows: n, classes: classNames, metrics };
  return {
    task: 'classification',
    summary,
    confusionMatrix: k <= MAX_MATRIX_CLASSES ? { labels: classNames, matrix: confusionMatrix(labels, predicted, k) } : null,
    roc: { curves: roc, average: finiteOrNull(auc) },
    pr: { curves: pr, average: finiteOrNull(ap) },
    perClass: {
      classes: scores_.map((s, c) => ({ class: classNames[c]!, ...s })),
      macro,
      weighted: { precision: average('precision', true), recall: average('recall', true), f1: average('f1', true) },
      accuracy,
    },
    calibration: { bins: CALIBRATION_BINS, curves: calibration },
  };
}
