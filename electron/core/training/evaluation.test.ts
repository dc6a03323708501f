import { describe, expect, it } from 'vitest';
import { averagePrecision, calibrationPoints, evaluateClassifier, prPoints, rocPoints, thinCurve, thresholdCounts } from './evaluation.js';
import { errorHistogram, evaluateRegressor, evenSample } from './evaluation-regression.js';

/**
 * Expected values come from scikit-learn 1.2.1 (python3-sklearn) on the same inputs: roc_curve
 * (drop_intermediate=False), precision_recall_curve, average_precision_score, roc_auc_score,
 * precision_recall_fscore_support (zero_division=0), confusion_matrix, calibration_curve (n_bins=10).
 */
const close = (actual: number[][], expected: number[][]) => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((point, i) => point.forEach((v, j) => expect(v).toBeCloseTo(expected[i]![j]!, 12)));
};

// Binary, with a tie at 0.5 between a positive and a negative row.
const yb = [0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0];
const sb = [0.1, 0.4, 0.35, 0.8, 0.5, 0.5, 0.2, 0.9, 0.65, 0.7, 0.3, 0.05];
const sixth = 1 / 6;

describe('binary classifier evaluation (scikit-learn values)', () => {
  const counts = thresholdCounts(yb.map((y) => y === 1), sb);

  it('ROC curve: one point per distinct score, tied rows crossing together', () => {
    close(rocPoints(counts), [
      [0, 0], [0, sixth], [0, 2 * sixth], [sixth, 2 * sixth], [sixth, 3 * sixth], [2 * sixth, 4 * sixth],
      [3 * sixth, 4 * sixth], [3 * sixth, 5 * sixth], [3 * sixth, 1], [4 * sixth, 1], [5 * sixth, 1], [1, 1],
    ]);
  });

  it('precision–recall curve and average precision', () => {
    close(prPoints(counts), [
      [0, 1], [sixth, 1], [2 * sixth, 1], [2 * sixth, 2 / 3], [0.5, 0.75], [4 * sixth, 2 / 3],
      [4 * sixth, 4 / 7], [5 * sixth, 0.625], [1, 2 / 3], [1, 0.6], [1, 6 / 11], [1, 0.5],
    ]);
    expect(averagePrecision(counts)).toBeCloseTo(0.7847222222222221, 12);
  });

  it('calibration bins: an edge value falls in the lower bin', () => {
    const points = calibrationPoints(yb.map((y) => y === 1), sb);
    close(points.map((p) => [p.fractionPositive, p.meanPredicted]), [
      [0, 0.075], [0, 0.2], [1, 0.3], [0.5, 0.375], [0.5, 0.5], [0.5, 0.675], [1, 0.8], [1, 0.9],
    ]);
    expect(points.map((p) => p.count)).toEqual([2, 1, 1, 2, 2, 2, 1, 1]);
  });

  it('evaluateClassifier: matrix, per-class scores and summaries of the positive class', () => {
    const evaluation = evaluateClassifier(yb, sb, ['no', 'yes']);
    expect(evaluation.confusionMatrix).toEqual({ labels: ['no', 'yes'], matrix: [[4, 2], [2, 4]] });
    expect(evaluation.perClass.classes.map((c) => [c.class, c.support])).toEqual([['no', 6], ['yes', 6]]);
    for (const c of evaluation.perClass.classes) for (const v of [c.precision, c.recall, c.f1]) expect(v).toBeCloseTo(2 / 3, 12);
    expect(evaluation.roc.curves.map((c) => c.class)).toEqual(['yes']);
    expect(evaluation.roc.curves[0]!.auc).toBeCloseTo(0.7638888888888888, 12);
    expect(evaluation.summary.metrics.val_auc).toBeCloseTo(0.7638888888888888, 12);
    expect(evaluation.summary.metrics.val_pr_auc).toBeCloseTo(0.7847222222222221, 12);
    expect(evaluation.pr.curves[0]!.prevalence).toBe(0.5);
    expect(evaluation.summary).toMatchObject({ task: 'classification', split: 'validation', rows: 12, classes: ['no', 'yes'] });
    // Curves start at the origin / recall 0 and end at (1, 1) / full recall.
    expect(evaluation.roc.curves[0]!.points[0]).toEqual([0, 0]);
    expect(evaluation.roc.curves[0]!.points.at(-1)).toEqual([1, 1]);
  });
});

describe('multiclass classifier evaluation (scikit-learn values, one class against the rest)', () => {
  const labels = [0, 1, 2, 0, 1, 2, 2, 0, 1];
  const probs = [0.6, 0.3, 0.1, 0.5, 0.4, 0.1, 0.2, 0.3, 0.5, 0.3, 0.6, 0.1, 0.1, 0.8, 0.1, 0.3, 0.3, 0.4, 0.1, 0.2, 0.7, 0.7, 0.2, 0.1, 0.4, 0.35, 0.25];
  const evaluation = evaluateClassifier(labels, probs, ['a', 'b', 'c']);

  it('per-class areas and their macro averages', () => {
    const byClass = Object.fromEntries(evaluation.roc.curves.map((c) => [c.class, c.auc]));
    expect(byClass.a).toBeCloseTo(0.861111111111111, 12);
    expect(byClass.b).toBeCloseTo(0.888888888888889, 12);
    expect(byClass.c).toBe(1);
    const ap = Object.fromEntries(evaluation.pr.curves.map((c) => [c.class, c.averagePrecision]));
    expect(ap.a).toBeCloseTo(0.8333333333333333, 12);
    expect(ap.b).toBeCloseTo(0.8055555555555556, 12);
    expect(ap.c).toBe(1);
    expect(evaluation.summary.metrics.val_auc).toBeCloseTo(0.9166666666666666, 12);
    expect(evaluation.summary.metrics.val_pr_auc).toBeCloseTo(0.8796296296296297, 12);
  });

  it('per-class precision, recall, F1, support; macro and weighted averages; confusion matrix', () => {
    const rows = evaluation.perClass.classes;
    [[0.5, 2 / 3, 0.5714285714285715], [0.5, 1 / 3, 0.4], [1, 1, 1]].forEach(([p, r, f], c) => {
      expect(rows[c]!.precision).toBeCloseTo(p!, 12);
      expect(rows[c]!.recall).toBeCloseTo(r!, 12);
      expect(rows[c]!.f1).toBeCloseTo(f!, 12);
      expect(rows[c]!.support).toBe(3);
    });
    expect(evaluation.perClass.macro.f1).toBeCloseTo(0.6571428571428571, 12);
    expect(evaluation.perClass.weighted.precision).toBeCloseTo(2 / 3, 12);
    expect(evaluation.perClass.accuracy).toBeCloseTo(2 / 3, 12);
    expect(evaluation.confusionMatrix!.matrix).toEqual([[2, 1, 0], [2, 1, 0], [0, 0, 3]]);
  });

  it('calibration of one class against the rest', () => {
    const a = evaluation.calibration.curves.find((c) => c.class === 'a')!;
    close(a.points.map((p) => [p.fractionPositive, p.meanPredicted]), [[0, 0.1], [0, 0.2], [0.5, 0.3], [0, 0.4], [0, 0.5], [1, 0.6], [1, 0.7]]);
  });

  it('a class absent from the split has no area (null), and the averages leave it out', () => {
    const absent = evaluateClassifier([0, 1, 0, 1], [0.9, 0.05, 0.05, 0.2, 0.7, 0.1, 0.6, 0.3, 0.1, 0.3, 0.6, 0.1], ['a', 'b', 'c']);
    const c = absent.roc.curves.find((curve) => curve.class === 'c')!;
    expect(c.auc).toBeNull();
    expect(c.points).toEqual([]);
    expect(absent.roc.average).toBe(1);
    expect(absent.perClass.classes[2]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 0 });
  });
});

describe('curve thinning', () => {
  it('drops points on a straight segment and keeps the ends', () => {
    expect(thinCurve([[0, 0], [0, 0.5], [0, 1], [0.5, 1], [1, 1]])).toEqual([[0, 0], [0, 1], [1, 1]]);
  });

  it('caps a long curve at the given number of points', () => {
    const curve = Array.from({ length: 1000 }, (_, i): [number, number] => [i / 999, Math.sqrt(i / 999)]);
    const thin = thinCurve(curve, 50);
    expect(thin).toHaveLength(50);
    expect(thin[0]).toEqual([0, 0]);
    expect(thin.at(-1)).toEqual([1, 1]);
  });
});

describe('regressor evaluation', () => {
  it('residuals are actual − predicted; summaries are their median absolute value and mean', () => {
    const evaluation = evaluateRegressor([3, -0.5, 2, 7], [2.5, 0, 2, 8]);
    expect(evaluation.residuals.points.map((p) => p.residual)).toEqual([0.5, -0.5, 0, -1]);
    expect(evaluation.predictedVsActual.points[3]).toEqual({ actual: 7, predicted: 8 });
    // scikit-learn: median_absolute_error([3, -0.5, 2, 7], [2.5, 0, 2, 8]) = 0.5.
    expect(evaluation.summary.metrics).toEqual({ val_median_abs_error: 0.5, val_mean_residual: -0.25 });
    expect(evaluation.errorHistogram.mean).toBe(-0.25);
    expect(evaluation.errorHistogram.std).toBeCloseTo(Math.sqrt(1.25 / 3), 12); // sample standard deviation of the residuals
  });

  it('the histogram covers every residual once, the largest in the last bin', () => {
    const residuals = Array.from({ length: 100 }, (_, i) => i / 10);
    const bins = errorHistogram(residuals);
    expect(bins).toHaveLength(10);
    expect(bins.reduce((sum, b) => sum + b.count, 0)).toBe(100);
    expect(bins[0]!.from).toBe(0);
    expect(bins.at(-1)!.to).toBe(9.9);
    expect(errorHistogram([2, 2, 2])).toEqual([{ from: 2, to: 2, count: 3 }]);
  });

  it('scatter plots of a large split are an even sample, the same on every call', () => {
    const rows = evenSample(10_000, 2000);
    expect(rows).toHaveLength(2000);
    expect(rows[0]).toBe(0);
    expect(rows[1]).toBe(5);
    const big = evaluateRegressor(Array.from({ length: 5000 }, (_, i) => i), Array.from({ length: 5000 }, (_, i) => i + 1));
    expect(big.residuals).toMatchObject({ total: 5000, sampled: true });
    expect(big.residuals.points).toHaveLength(2000);
  });
});
