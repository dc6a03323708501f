import { describe, expect, it } from 'vitest';
import {
  accuracy,
  binaryCrossEntropy,
  categoricalCrossEntropy,
  classificationMetrics,
  f1Score,
  macroF1,
  macroRocAuc,
  meanAbsoluteError,
  meanSquaredError,
  predictedClasses,
  r2Score,
  regressionMetrics,
  rocAuc,
} from './metrics.js';

describe('classification metrics', () => {
  it('ROC AUC counts correctly ordered positive/negative pairs', () => {
    // Pairs (pos, neg): (0.35, 0.1) yes, (0.35, 0.4) no, (0.8, 0.1) yes, (0.8, 0.4) yes → 3/4.
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
  });

  it('ROC AUC counts a tied pair as one half', () => {
    // pos {0.5, 0.9}, neg {0.5, 0.2}: 0.5 + 1 + 1 + 1 = 3.5 of 4 pairs.
    expect(rocAuc([false, true, false, true], [0.5, 0.5, 0.2, 0.9])).toBe(0.875);
  });

  it('ROC AUC is undefined (NaN) with a single class', () => {
    expect(rocAuc([1, 1, 1], [0.2, 0.5, 0.9])).toBeNaN();
  });

  // Four rows, three classes. Class 0 scores [.6 .5 .2 .3] with positives rows 0 and 3 → 3/4;
  // class 1 scores [.3 .4 .3 .6] with positive row 1 → 2/3; class 2 → 1. Predicted: 0 0 2 1.
  const labels = [0, 1, 2, 0];
  const probs = [0.6, 0.3, 0.1, 0.5, 0.4, 0.1, 0.2, 0.3, 0.5, 0.3, 0.6, 0.1];

  it('macro one-vs-rest AUC averages the per-class AUCs', () => {
    expect(macroRocAuc(labels, probs, 3)).toBeCloseTo((0.75 + 2 / 3 + 1) / 3, 12);
  });

  it('multiclass predictions, accuracy and macro F1', () => {
    const predicted = predictedClasses(probs, 3);
    expect(Array.from(predicted)).toEqual([0, 0, 2, 1]);
    expect(accuracy(labels, predicted)).toBe(0.5);
    // F1: class 0 tp1 fp1 fn1 → 0.5; class 1 tp0 → 0; class 2 tp1 → 1.
    expect(macroF1(labels, predicted, 3)).toBeCloseTo(0.5, 12);
  });

  it('categorical cross-entropy is the mean negative log-probability of the true class', () => {
    expect(categoricalCrossEntropy(labels, probs, 3)).toBeCloseTo(-(Math.log(0.6) + Math.log(0.4) + Math.log(0.5) + Math.log(0.3)) / 4, 6);
  });

  it('binary F1 and cross-entropy', () => {
    // tp 2, fp 1, fn 1 → 2·2 / (2·2 + 1 + 1).
    expect(f1Score([1, 1, 0, 0, 1], [1, 0, 1, 0, 1])).toBeCloseTo(4 / 6, 12);
    expect(f1Score([0, 0], [0, 0])).toBe(0);
    expect(binaryCrossEntropy([1, 0], [0.8, 0.4])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 6);
    // Clipped like Keras: a certain wrong answer costs -ln(1e-7), not Infinity.
    expect(binaryCrossEntropy([1], [0])).toBeCloseTo(-Math.log(1e-7), 5);
  });

  it('binary classificationMetrics thresholds at 0.5', () => {
    const m = classificationMetrics([0, 1, 1, 0], [0.2, 0.7, 0.4, 0.6], 2);
    expect(m.accuracy).toBe(0.5);
    expect(m.f1).toBe(0.5);
    expect(m.auc).toBe(0.75);
  });
});

describe('regression metrics', () => {
  // scikit-learn's documentation example: MSE 0.375, MAE 0.5, R2 0.9486...
  const actual = [3, -0.5, 2, 7];
  const predicted = [2.5, 0, 2, 8];

  it('match hand-computed values', () => {
    expect(meanSquaredError(actual, predicted)).toBe(0.375);
    expect(meanAbsoluteError(actual, predicted)).toBe(0.5);
    // Mean 2.875; total sum of squares 29.1875; residual 1.5.
    expect(r2Score(actual, predicted)).toBeCloseTo(1 - 1.5 / 29.1875, 12);
    expect(regressionMetrics(actual, predicted).rmse).toBeCloseTo(Math.sqrt(0.375), 12);
  });

  it('R2 of a constant target is NaN rather than a misleading number', () => {
    expect(r2Score([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
});
