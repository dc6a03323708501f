/**
 * Quality of one window of predictions against ground truth, and its estimate before labels come
 * (issue 13). The window engine calls windowQuality; the monitoring page and the alert rules read
 * the rows by these names (`column` of a MonitoringMetricRow; labels and which way is worse in
 * shared/quality-metrics.ts):
 *
 * kind 'quality', method 'realised' (on labelled rows only; statistic null when undefined, e.g. no
 * labels yet, one class only for AUC, a constant target for R²):
 *   always       label_coverage        labelled / rows              detail {labelled, rows}
 *                label_delay_p50_ms    median of labelTime − time   detail {rows: delays counted}
 *                label_delay_p90_ms    90th percentile (linear interpolation, numpy's default)
 *   classifiers  accuracy              detail {correct, labelled}
 *                f1_macro              mean F1 over classes among truths ∪ answers (sklearn's default labels)
 *                precision:CLASS, recall:CLASS, f1:CLASS   detail {tp, fp, fn, support}
 *                roc_auc               binary: on P(second class in sorted order); multiclass: one-vs-rest macro
 *                log_loss              probabilities clipped to [2.2e-16, 1 − 2.2e-16] and renormalised (sklearn)
 *                calibration_error     expected calibration error; detail = the calibration curve (10 bins)
 *   regressors   rmse, mae, r2         detail {labelled, invalid: labels that are not numbers}
 *
 * kind 'estimated_quality', method 'cbpe' (classifiers, on ALL rows of the window, labelled or not):
 *   accuracy, f1_macro (over all the model's classes), precision:CLASS, recall:CLASS, f1:CLASS
 *   detail {lower, upper, rows, standardError, sigmas, assumption}: see cbpe.ts.
 */
import type { MonitoringMetricRow } from '../../../shared/monitoring.js';
import type { PredictionOutput } from '../../../shared/app-api/predictions.js';
import { meanAbsoluteError, r2Score, rootMeanSquaredError } from '../training/metrics.js';
import { accuracyOf, CALIBRATION_BINS, calibrationCurve, classesOf, logLossOf, probabilityMatrix, macroF1Of, perClassScores, rocAucOf, type LabelledClassification } from './classification-quality.js';
import { cbpe, CBPE_BAND_SIGMAS, type Estimate } from './cbpe.js';

export interface WindowPrediction {
  output: PredictionOutput;
  /** Ground truth when it came back, else null. */
  actual: string | number | null;
  /** When the prediction was made, and when its label arrived (ms since the epoch). */
  time: number;
  labelTime: number | null;
}

export const CBPE_ASSUMPTION = 'assumes calibrated probabilities: an over-confident model gets too high an estimate and too narrow a band';

const finiteOrNull = (value: number | null) => (value === null || !Number.isFinite(value) ? null : value);

function realised(column: string, statistic: number | null, detail: unknown): MonitoringMetricRow {
  return { kind: 'quality', column, method: 'realised', statistic: finiteOrNull(statistic), pValue: null, threshold: null, drifted: null, detail };
}

function estimated(column: string, estimate: Estimate | null, rows: number): MonitoringMetricRow {
  const detail = estimate
    ? { lower: estimate.lower, upper: estimate.upper, rows, standardError: estimate.standardError, sigmas: CBPE_BAND_SIGMAS, assumption: CBPE_ASSUMPTION }
    : { lower: null, upper: null, rows, standardError: null, sigmas: CBPE_BAND_SIGMAS, assumption: CBPE_ASSUMPTION };
  return { kind: 'estimated_quality', column, method: 'cbpe', statistic: estimate ? estimate.value : null, pValue: null, threshold: null, drifted: null, detail };
}

/** numpy.percentile's default (linear interpolation between closest ranks) of ascending values; null for none. */
export function percentileOfSorted(sorted: ArrayLike<number>, q: number): number | null {
  if (sorted.length === 0) return null;
  const position = (q / 100) * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

function labelRows(rows: readonly WindowPrediction[]): MonitoringMetricRow[] {
  const labelled = rows.filter((r) => r.actual !== null);
  const delays = Float64Array.from(
    labelled.filter((r) => r.labelTime !== null),
    (r) => r.labelTime! - r.time,
  ).sort();
  return [
    realised('label_coverage', rows.length === 0 ? null : labelled.length / rows.length, { labelled: labelled.length, rows: rows.length }),
    realised('label_delay_p50_ms', percentileOfSorted(delays, 50), { rows: delays.length }),
    realised('label_delay_p90_ms', percentileOfSorted(delays, 90), { rows: delays.length }),
  ];
}

type ClassifierRow = WindowPrediction & { output: { label: string; probabilities: Record<string, number> } };

function classifierRows(rows: readonly ClassifierRow[]): MonitoringMetricRow[] {
  const labelled: LabelledClassification[] = rows
    .filter((r) => r.actual !== null)
    .map((r) => ({ label: r.output.label, probabilities: r.output.probabilities, actual: String(r.actual) }));
  const classes = classesOf(
    rows.map((r) => r.output),
    labelled,
  );
  return labelledClassifierRows(labelled, classes);
}

/** Realised classifier quality of labelled answers on `classes` (sorted, see classSet). */
export function labelledClassifierRows(labelled: readonly LabelledClassification[], classes: readonly string[]): MonitoringMetricRow[] {
  const scores = perClassScores(labelled, classes);
  const probs = probabilityMatrix(labelled, classes);
  const auc = rocAucOf(labelled, classes, probs);
  const curve = calibrationCurve(labelled, classes, CALIBRATION_BINS, probs);
  const correct = labelled.filter((r) => r.actual === r.label).length;
  return [
    realised('accuracy', accuracyOf(labelled), { correct, labelled: labelled.length }),
    realised('f1_macro', macroF1Of(scores), { labelled: labelled.length, classes: scores.filter((s) => s.f1 !== null).map((s) => s.className) }),
    ...scores.flatMap((s) => {
      const counts = { tp: s.tp, fp: s.fp, fn: s.fn, support: s.support };
      return [realised(`precision:${s.className}`, s.precision, counts), realised(`recall:${s.className}`, s.recall, counts), realised(`f1:${s.className}`, s.f1, counts)];
    }),
    realised('roc_auc', auc.value, { labelled: labelled.length, ...(auc.positiveClass ? { positiveClass: auc.positiveClass } : {}), ...(auc.averagedClasses ? { averagedClasses: auc.averagedClasses } : {}) }),
    realised('log_loss', logLossOf(labelled, classes), { labelled: labelled.length, clip: Number.EPSILON }),
    realised('calibration_error', curve?.ece ?? null, curve ?? { kind: null, bins: [] }),
  ];
}

/** CBPE on the model's own classes, over every row: a truth the model never names cannot be estimated. */
function estimatedRows(rows: readonly ClassifierRow[]): MonitoringMetricRow[] {
  const outputs = rows.map((r) => r.output);
  const estimate = cbpe(outputs, classesOf(outputs));
  const n = rows.length;
  const out = [estimated('accuracy', estimate?.accuracy ?? null, n), estimated('f1_macro', estimate?.f1Macro ?? null, n)];
  for (const c of estimate?.perClass ?? []) {
    out.push(estimated(`precision:${c.className}`, c.precision, n), estimated(`recall:${c.className}`, c.recall, n), estimated(`f1:${c.className}`, c.f1, n));
  }
  return out;
}

/** Realised regressor quality of (actual, predicted) pairs. */
export function regressionRows(actual: readonly number[], predicted: readonly number[], invalid = 0): MonitoringMetricRow[] {
  const detail = { labelled: actual.length, invalid };
  const some = actual.length > 0;
  return [
    realised('rmse', some ? rootMeanSquaredError(actual, predicted) : null, detail),
    realised('mae', some ? meanAbsoluteError(actual, predicted) : null, detail),
    realised('r2', some ? r2Score(actual, predicted) : null, detail),
  ];
}

function regressorRows(rows: readonly WindowPrediction[]): MonitoringMetricRow[] {
  const labelled = rows.filter((r) => r.actual !== null);
  const actual: number[] = [];
  const predicted: number[] = [];
  for (const row of labelled) {
    const value = typeof row.actual === 'number' ? row.actual : Number(row.actual);
    if (!Number.isFinite(value) || !('value' in row.output)) continue;
    actual.push(value);
    predicted.push(row.output.value);
  }
  return regressionRows(actual, predicted, labelled.length - actual.length);
}

const isClassifierRow = (row: WindowPrediction): row is ClassifierRow => 'label' in row.output;

/** Realised quality on labelled rows, label coverage and delay, and CBPE estimates for classifiers. */
export function windowQuality(rows: readonly WindowPrediction[]): MonitoringMetricRow[] {
  const out = labelRows(rows);
  if (rows.length === 0) return out;
  // A window holds one model version's answers, so they are all of one kind; stray rows of the
  // other kind (never expected) are left out rather than mixed in.
  if (isClassifierRow(rows[0]!)) {
    const classified = rows.filter(isClassifierRow);
    out.push(...classifierRows(classified), ...estimatedRows(classified));
  }
  else out.push(...regressorRows(rows.filter((r) => !isClassifierRow(r))));
  return out;
}
