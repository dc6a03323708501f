/**
 * Two-sample Kolmogorov–Smirnov test, two-sided, as SciPy 1.10's `ks_2samp(a, b, method='auto')`:
 * the exact p-value (Hodges 1958 lattice-path counting, the same recursions as SciPy's
 * `_compute_prob_outside_square` and `_compute_outer_prob_inside_method`) when both samples have
 * at most 10,000 values, else `kstwo.sf(d, round(n1·n2/(n1+n2)))` (kolmogorov-distribution.ts).
 */
import { kolmogorovSf } from './kolmogorov-distribution.js';

export type SortedSample = ArrayLike<number>;

export interface KsResult {
  statistic: number;
  pValue: number;
  method: 'exact' | 'asymp';
}

/** SciPy's MAX_AUTO_N: above it `method='auto'` uses the asymptotic distribution. */
export const KS_MAX_EXACT_N = 10_000;

/** numpy's round: halves to even (n1 = n2 odd gives en = k + 0.5). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * sup |F1 − F2| over two ascending samples, evaluated like SciPy (searchsorted side='right' at
 * every pooled value, then i/n1 − j/n2), so the double is the same one SciPy rounds.
 */
export function ksStatistic(a: SortedSample, b: SortedSample): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let max = 0;
  while (i < n1 || j < n2) {
    const x = j >= n2 || (i < n1 && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    while (i < n1 && a[i]! <= x) i++;
    while (j < n2 && b[j]! <= x) j++;
    const diff = i / n1 - j / n2;
    const abs = diff < 0 ? -diff : diff;
    if (abs > max) max = abs;
  }
  return max;
}

/** Two-sided exact p-value for equal sample sizes (SciPy `_compute_prob_outside_square`). */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
  }
  return 2 * P;
}

/**
 * Two-sided exact p-value for unequal sizes: the share of lattice paths leaving the band
 * |x/m − y/n| < h/lcm, with each column kept as probabilities (SciPy `_compute_outer_prob_inside_method`).
 */
function probOutsideBand(m0: number, n0: number, g: number, h: number): number {
  const [m, n] = m0 < n0 ? [n0, m0] : [m0, n0];
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  // A holds, per point of the current column, the probability that a path to it has already left the band.
  const A = new Float64Array(Math.max(lenA, 1)).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return A[maxj - minj - 1]!;
}

/** Exact two-sided p-value, or null where SciPy's attempt would fail (then it falls back to asymp). */
function exactPValue(n1: number, n2: number, d: number): { d: number; p: number } | null {
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const rounded = h / lcm;
  if (h === 0) return { d: rounded, p: 1 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideBand(n1, n2, g, h);
  if (!Number.isFinite(p) || p < 0 || p > 1) return null;
  return { d: rounded, p };
}

/**
 * The test on two ascending samples. `sizes` lets a caller holding a quantile sketch of a larger
 * sample state the real sizes for the p-value (the sketch's ECDF stands in for the sample's).
 */
export function ksTwoSample(a: SortedSample, b: SortedSample, sizes?: { n1: number; n2: number }): KsResult {
  const n1 = sizes?.n1 ?? a.length;
  const n2 = sizes?.n2 ?? b.length;
  if (a.length === 0 || b.length === 0) throw new Error('ks_2samp needs two non-empty samples');
  const d = ksStatistic(a, b);
  if (Math.max(n1, n2) <= KS_MAX_EXACT_N) {
    const exact = exactPValue(n1, n2, d);
    if (exact) return { statistic: exact.d, pValue: Math.min(1, Math.max(0, exact.p)), method: 'exact' };
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = (m * n) / (m + n);
  return { statistic: d, pValue: kolmogorovSf(roundHalfEven(en), d), method: 'asymp' };
}
