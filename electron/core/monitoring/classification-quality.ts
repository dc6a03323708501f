/**
 * Realised quality of a classifier on labelled rows, computed as scikit-learn 1.2 computes it so
 * the figures can be checked against it (quality-fixtures.json, made by
 * scripts/quality-fixtures.py): accuracy_score, precision_recall_fscore_support (zero_division=0),
 * f1_score(average='macro'), roc_auc_score, log_loss and calibration_curve(strategy='uniform').
 */

/** One labelled answer of a classifier: what it said, its probabilities, and the truth. */
export interface LabelledClassification {
  label: string;
  probabilities: Readonly<Record<string, number>>;
  actual: string;
}

export interface ClassCounts {
  tp: number;
  fp: number;
  fn: number;
  /** Rows whose truth is this class. */
  support: number;
}

export interface PerClassScore extends ClassCounts {
  className: string;
  /** Null when the class is neither a truth nor an answer among the labelled rows (undefined). */
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

/**
 * Classes in scikit-learn's order (sorted code units, as np.unique sorts strings): every class the
 * model answers with a probability, plus any truth it never names, so a new class in the
 * feedback shows up as a class with zero recall instead of vanishing.
 */
export function classSet(probabilityKeys: Iterable<string>, extra: Iterable<string> = []): string[] {
  return [...new Set([...probabilityKeys, ...extra])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** classSet over rows' probability keys (and their truths and answers, when labelled), without building key arrays. */
export function classesOf(rows: Iterable<{ probabilities: Readonly<Record<string, number>> }>, labelled: Iterable<{ actual: string; label: string }> = []): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key in row.probabilities) seen.add(key);
  for (const row of labelled) {
    seen.add(row.actual);
    seen.add(row.label);
  }
  return classSet(seen);
}

export function accuracyOf(rows: readonly LabelledClassification[]): number | null {
  if (rows.length === 0) return null;
  let hits = 0;
  for (const row of rows) if (row.actual === row.label) hits++;
  return hits / rows.length;
}

/**
 * Per class precision/recall/F1 (sklearn, zero_division=0) for every class of `classes`; a class
 * absent from both truths and answers gets nulls, and is left out of the macro F1 as sklearn's
 * default `labels` (the union of y_true and y_pred) leaves it out.
 */
export function perClassScores(rows: readonly LabelledClassification[], classes: readonly string[]): PerClassScore[] {
  const counts = new Map(classes.map((c) => [c, { tp: 0, fp: 0, fn: 0, support: 0 }]));
  const countsOf = (c: string) => {
    let entry = counts.get(c);
    if (!entry) counts.set(c, (entry = { tp: 0, fp: 0, fn: 0, support: 0 }));
    return entry;
  };
  for (const row of rows) {
    countsOf(row.actual).support++;
    if (row.actual === row.label) countsOf(row.label).tp++;
    else {
      countsOf(row.label).fp++;
      countsOf(row.actual).fn++;
    }
  }
  return [...counts].map(([className, c]) => {
    const present = c.support > 0 || c.fp > 0;
    const ratio = (num: number, den: number) => (present ? (den === 0 ? 0 : num / den) : null);
    return { className, ...c, precision: ratio(c.tp, c.tp + c.fp), recall: ratio(c.tp, c.support), f1: ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn) };
  });
}

export function macroF1Of(scores: readonly PerClassScore[]): number | null {
  const defined = scores.filter((s) => s.f1 !== null);
  return defined.length === 0 ? null : defined.reduce((sum, s) => sum + s.f1!, 0) / defined.length;
}

/**
 * Row-major [n, k] probabilities over `classes` (a class a row does not name counts 0); with
 * `normalise`, each row divided by its sum. One flat array: windows can hold a million rows.
 */
export function probabilityMatrix(rows: readonly { probabilities: Readonly<Record<string, number>> }[], classes: readonly string[], normalise = false): Float64Array {
  const k = classes.length;
  const out = new Float64Array(rows.length * k);
  for (let i = 0; i < rows.length; i++) {
    const p = rows[i]!.probabilities;
    let sum = 0;
    for (let c = 0; c < k; c++) sum += out[i * k + c] = p[classes[c]!] ?? 0;
    if (normalise && sum > 0) for (let c = 0; c < k; c++) out[i * k + c]! /= sum;
  }
  return out;
}

/**
 * ROC AUC as the Mann-Whitney statistic: the share of (positive, negative) pairs where the positive
 * scores higher, ties counting one half; the same number roc_auc_score computes. Counted by
 * walking the two sorted score lists (typed, native sort: a window may hold a million rows), so
 * the sum is of whole and half pairs and exact. Null without positives or without negatives.
 */
function pairAuc(positives: Float64Array, negatives: Float64Array): number | null {
  if (positives.length === 0 || negatives.length === 0) return null;
  positives.sort();
  negatives.sort();
  let below = 0;
  let equalEnd = 0;
  let pairs = 0;
  for (let i = 0; i < positives.length; i++) {
    const s = positives[i]!;
    while (below < negatives.length && negatives[below]! < s) below++;
    if (equalEnd < below) equalEnd = below;
    while (equalEnd < negatives.length && negatives[equalEnd] === s) equalEnd++;
    pairs += below + (equalEnd - below) / 2;
  }
  return pairs / (positives.length * negatives.length);
}

export interface AucResult {
  value: number | null;
  /** Binary: the class whose probability is the score; multiclass: the classes averaged. */
  positiveClass?: string;
  averagedClasses?: string[];
}

/**
 * Binary: roc_auc_score(y_true == classes[1], P(classes[1])), sklearn's positive class for sorted
 * labels. Multiclass: the unweighted mean of one-vs-rest AUCs (multi_class='ovr', average='macro')
 * over the classes that have both positives and negatives among the labelled rows; sklearn refuses
 * a window where some class is missing, a monitor must still say something, so that is where the
 * figure parts from sklearn (the detail names the classes averaged).
 */
export function rocAucOf(rows: readonly LabelledClassification[], classes: readonly string[], probs = probabilityMatrix(rows, classes)): AucResult {
  if (rows.length === 0 || classes.length < 2) return { value: null };
  const k = classes.length;
  const aucFor = (c: number) => {
    let count = 0;
    for (const row of rows) if (row.actual === classes[c]) count++;
    const positives = new Float64Array(count);
    const negatives = new Float64Array(rows.length - count);
    let p = 0;
    let q = 0;
    for (let i = 0; i < rows.length; i++) {
      if (rows[i]!.actual === classes[c]) positives[p++] = probs[i * k + c]!;
      else negatives[q++] = probs[i * k + c]!;
    }
    return pairAuc(positives, negatives);
  };
  if (classes.length === 2) return { value: aucFor(1), positiveClass: classes[1]! };
  const averaged: string[] = [];
  let sum = 0;
  for (let c = 0; c < classes.length; c++) {
    const auc = aucFor(c);
    if (auc === null) continue;
    averaged.push(classes[c]!);
    sum += auc;
  }
  return { value: averaged.length === 0 ? null : sum / averaged.length, averagedClasses: averaged };
}

/**
 * sklearn's log_loss(eps='auto') for float64: each probability clipped to [ε, 1 − ε] with
 * ε = 2.22e-16 (machine epsilon), the row renormalised, then −ln of the truth's probability. A sure
 * and wrong answer so costs about 36 nats instead of Infinity. A truth outside the model's classes
 * has probability 0 before clipping.
 */
export const LOG_LOSS_EPSILON = Number.EPSILON;

export function logLossOf(rows: readonly LabelledClassification[], classes: readonly string[]): number | null {
  if (rows.length === 0 || classes.length < 2) return null;
  let total = 0;
  for (const row of rows) {
    let sum = 0;
    let truth = 0;
    for (const c of classes) {
      const p = Math.min(1 - LOG_LOSS_EPSILON, Math.max(LOG_LOSS_EPSILON, row.probabilities[c] ?? 0));
      sum += p;
      if (c === row.actual) truth = p;
    }
    total -= Math.log(truth / sum);
  }
  return total / rows.length;
}

export interface CalibrationBin {
  /** Bin bounds on the predicted probability; a value on an inner edge falls in the lower bin (sklearn). */
  lower: number;
  upper: number;
  count: number;
  /** Mean predicted probability in the bin, and how often the event happened there. */
  predicted: number;
  observed: number;
}

export interface CalibrationCurve {
  /**
   * `positive_class` (binary): P(positiveClass) against how often the truth was that class, as
   * sklearn's calibration_curve. `top_label` (multiclass): the probability of the answered class
   * against how often the answer was right (the usual reliability diagram).
   */
  kind: 'positive_class' | 'top_label';
  positiveClass?: string;
  /** Non-empty bins only, ascending. */
  bins: CalibrationBin[];
  /** Expected calibration error: Σ count·|predicted − observed| / rows. */
  ece: number;
}

export const CALIBRATION_BINS = 10;

export function calibrationCurve(
  rows: readonly LabelledClassification[],
  classes: readonly string[],
  binCount = CALIBRATION_BINS,
  probs = probabilityMatrix(rows, classes),
): CalibrationCurve | null {
  if (rows.length === 0 || classes.length < 2) return null;
  const binary = classes.length === 2;
  const k = classes.length;
  const index = new Map(classes.map((c, i) => [c, i]));
  const step = 1 / binCount;
  const sums = new Float64Array(binCount);
  const hits = new Float64Array(binCount);
  const totals = new Float64Array(binCount);
  rows.forEach((row, i) => {
    const answered = index.get(row.label);
    const p = binary ? probs[i * k + 1]! : answered === undefined ? 0 : probs[i * k + answered]!;
    const event = binary ? row.actual === classes[1] : row.actual === row.label;
    // np.searchsorted(edges[1:-1], p, side='left'): the number of inner edges strictly below p.
    let bin = 0;
    while (bin < binCount - 1 && (bin + 1) * step < p) bin++;
    sums[bin]! += p;
    hits[bin]! += event ? 1 : 0;
    totals[bin]!++;
  });
  const bins: CalibrationBin[] = [];
  let ece = 0;
  for (let b = 0; b < binCount; b++) {
    if (totals[b] === 0) continue;
    const predicted = sums[b]! / totals[b]!;
    const observed = hits[b]! / totals[b]!;
    bins.push({ lower: b * step, upper: b === binCount - 1 ? 1 : (b + 1) * step, count: totals[b]!, predicted, observed });
    ece += totals[b]! * Math.abs(predicted - observed);
  }
  return { kind: binary ? 'positive_class' : 'top_label', ...(binary ? { positiveClass: classes[1]! } : {}), bins, ece: ece / rows.length };
}
