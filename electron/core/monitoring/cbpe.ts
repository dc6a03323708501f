/**
 * Confidence-based performance estimation (NannyML's CBPE): before labels come, a classifier's
 * quality is estimated from its own probabilities. If they are calibrated, row i's answer is right
 * with probability q_i = P(answered class), so the expected accuracy is mean(q_i), and the expected
 * confusion matrix is E[C(truth a, answer b)] = Σ over rows answered b of P(a); precision, recall
 * and F1 follow from it as NannyML derives them (ratios of expected counts).
 *
 * The band is the spread the realised figure would have around the estimate under that same
 * assumption (NannyML's "sampling error", whose ±3σ band it draws). For accuracy it is exact: the
 * number of right answers is a sum of independent Bernoulli(q_i), so σ = sqrt(Σ q_i(1 − q_i)) / n.
 * For precision, recall and F1 it is the standard deviation of the figure over label sets drawn
 * from the probabilities (seeded, so a window always gets the same band).
 *
 * The caveat: all of this trusts the probabilities. An over-confident model gets an estimate that
 * is too high and a band too narrow; that is why realised quality replaces it when labels come.
 */
import { SeededRandom } from '../training/prng.js';
import { probabilityMatrix } from './classification-quality.js';

export interface Estimate {
  value: number;
  standardError: number;
  lower: number;
  upper: number;
}

export interface CbpeResult {
  rows: number;
  accuracy: Estimate;
  f1Macro: Estimate | null;
  perClass: { className: string; precision: Estimate | null; recall: Estimate | null; f1: Estimate | null }[];
}

/** Half-width of the band in standard errors, as NannyML draws it. */
export const CBPE_BAND_SIGMAS = 3;
const SIMULATION_SEED = 0x5eed_cb9e;
/** Label sets drawn for the band of precision/recall/F1: fewer on big windows, where σ is small and stable. */
const MAX_DRAWN_CELLS = 1_000_000;
/**
 * Past this many rows the draws run on an even subsample of this size and σ is scaled by
 * sqrt(subsample / rows): these ratios' σ shrinks as 1/sqrt(rows), and a million-row window then
 * costs what a 20,000-row one does.
 */
const SIMULATED_ROWS = 20_000;
const MIN_DRAWS = 10;
const MAX_DRAWS = 200;

interface Answer {
  label: string;
  probabilities: Readonly<Record<string, number>>;
}

const band = (value: number, standardError: number, sigmas: number): Estimate => ({
  value,
  standardError,
  lower: Math.max(0, value - sigmas * standardError),
  upper: Math.min(1, value + sigmas * standardError),
});

/** F1, precision and recall of each class, and macro F1, from (expected or drawn) counts. */
function scoresFromCounts(tp: Float64Array, predicted: Float64Array, actual: Float64Array) {
  const k = tp.length;
  const precision = new Float64Array(k);
  const recall = new Float64Array(k);
  const f1 = new Float64Array(k);
  let macro = 0;
  for (let c = 0; c < k; c++) {
    precision[c] = predicted[c]! === 0 ? 0 : tp[c]! / predicted[c]!;
    recall[c] = actual[c]! === 0 ? 0 : tp[c]! / actual[c]!;
    const den = predicted[c]! + actual[c]!;
    f1[c] = den === 0 ? 0 : (2 * tp[c]!) / den;
    macro += f1[c]!;
  }
  return { precision, recall, f1, macro: macro / k };
}

/**
 * Estimates over every row of a window (labelled or not), on the model's `classes`. Null for an
 * empty window or a model with fewer than two classes.
 */
export function cbpe(rows: readonly Answer[], classes: readonly string[], sigmas = CBPE_BAND_SIGMAS): CbpeResult | null {
  const n = rows.length;
  const k = classes.length;
  if (n === 0 || k < 2) return null;
  const probs = probabilityMatrix(rows, classes, true);
  const index = new Map(classes.map((c, i) => [c, i]));
  const answered = Int32Array.from(rows, (r) => index.get(r.label) ?? -1);

  let expectedRight = 0;
  let variance = 0;
  const tp = new Float64Array(k);
  const predicted = new Float64Array(k);
  const actual = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const b = answered[i]!;
    const q = b < 0 ? 0 : probs[i * k + b]!;
    expectedRight += q;
    variance += q * (1 - q);
    for (let a = 0; a < k; a++) actual[a]! += probs[i * k + a]!;
    if (b >= 0) {
      predicted[b]!++;
      tp[b]! += q;
    }
  }
  const expected = scoresFromCounts(tp, predicted, actual);

  // Draw label sets from the probabilities; the answers stay as they are.
  const m = Math.min(n, SIMULATED_ROWS);
  const sample = Uint32Array.from({ length: m }, (_, j) => Math.floor((j * n) / m));
  const sampledPredicted = new Float64Array(k);
  for (const i of sample) if (answered[i]! >= 0) sampledPredicted[answered[i]!]!++;
  const draws = Math.max(MIN_DRAWS, Math.min(MAX_DRAWS, Math.floor(MAX_DRAWN_CELLS / m)));
  const random = new SeededRandom(SIMULATION_SEED);
  const drawn = { precision: [] as Float64Array[], recall: [] as Float64Array[], f1: [] as Float64Array[], macro: [] as number[] };
  const dTp = new Float64Array(k);
  const dActual = new Float64Array(k);
  for (let d = 0; d < draws; d++) {
    dTp.fill(0);
    dActual.fill(0);
    for (const i of sample) {
      let u = random.next();
      let truth = k - 1;
      for (let a = 0; a < k - 1; a++) {
        u -= probs[i * k + a]!;
        if (u < 0) {
          truth = a;
          break;
        }
      }
      dActual[truth]!++;
      if (truth === answered[i]) dTp[truth]!++;
    }
    const s = scoresFromCounts(dTp, sampledPredicted, dActual);
    drawn.precision.push(s.precision);
    drawn.recall.push(s.recall);
    drawn.f1.push(s.f1);
    drawn.macro.push(s.macro);
  }
  const scale = Math.sqrt(m / n);
  const std = (values: readonly number[]) => {
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    return scale * Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, values.length - 1));
  };
  const perClassBand = (series: readonly Float64Array[], c: number, value: number) => band(value, std(series.map((s) => s[c]!)), sigmas);

  return {
    rows: n,
    accuracy: band(expectedRight / n, Math.sqrt(variance) / n, sigmas),
    f1Macro: band(expected.macro, std(drawn.macro), sigmas),
    perClass: classes.map((className, c) => ({
      className,
      // A class the model never answers has no precision to speak of (sklearn would say 0 with a warning).
      precision: predicted[c] === 0 ? null : perClassBand(drawn.precision, c, expected.precision[c]!),
      recall: perClassBand(drawn.recall, c, expected.recall[c]!),
      f1: perClassBand(drawn.f1, c, expected.f1[c]!),
    })),
  };
}
