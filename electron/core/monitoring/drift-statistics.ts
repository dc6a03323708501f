/**
 * The drift statistics besides KS, each written to give the same double as its SciPy counterpart
 * (fixtures in fixtures/drift-fixtures.json, made by fixtures/make_drift_fixtures.py), plus the
 * effect sizes that sit beside every verdict.
 */
import type { EffectSize } from '../../../shared/monitoring.js';
import { chiSquareSf, normalTwoSidedP } from './special-functions.js';
import type { SortedSample } from './ks-test.js';

/**
 * SciPy's `wasserstein_distance(u, v)` (unit weights) on two ascending samples: ∫|U − V| over the
 * pooled values, walked in one merge instead of SciPy's sort + two searchsorted.
 */
export function wassersteinDistance(u: SortedSample, v: SortedSample): number {
  const n = u.length;
  const m = v.length;
  let i = 0;
  let j = 0;
  let sum = 0;
  let previous = Number.NaN;
  let uCdf = 0;
  let vCdf = 0;
  while (i < n || j < m) {
    const x = j >= m || (i < n && u[i]! <= v[j]!) ? u[i]! : v[j]!;
    if (!Number.isNaN(previous)) sum += Math.abs(uCdf - vCdf) * (x - previous);
    while (i < n && u[i]! <= x) i++;
    while (j < m && v[j]! <= x) j++;
    uCdf = i / n;
    vCdf = j / m;
    previous = x;
  }
  return sum;
}

/** SciPy's `scipy.spatial.distance.jensenshannon(p, q)` (natural log): both vectors normalised first. */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let ps = 0;
  let qs = 0;
  for (let i = 0; i < p.length; i++) {
    ps += p[i]!;
    qs += q[i]!;
  }
  let js = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i]! / ps;
    const b = q[i]! / qs;
    const m = (a + b) / 2;
    if (a > 0) js += a * Math.log(a / m);
    if (b > 0) js += b * Math.log(b / m);
  }
  return Math.sqrt(Math.max(js, 0) / 2);
}

export interface TestResult {
  statistic: number;
  pValue: number;
}

/** SciPy's `chisquare(f_obs, f_exp, ddof)`: Pearson's goodness of fit, k − 1 − ddof degrees of freedom. */
export function chiSquareGoodnessOfFit(observed: ArrayLike<number>, expected: ArrayLike<number>, ddof = 0): TestResult {
  let statistic = 0;
  for (let i = 0; i < observed.length; i++) {
    const diff = observed[i]! - expected[i]!;
    statistic += (diff * diff) / expected[i]!;
  }
  return { statistic, pValue: chiSquareSf(statistic, observed.length - 1 - ddof) };
}

/**
 * Pearson's chi-square test of homogeneity on the 2 × k table (reference counts, current counts),
 * SciPy's `chi2_contingency(table, correction=False)`. Evidently instead runs `chisquare` with the
 * reference frequencies as if they were exact; that ignores the reference's own sampling noise, so
 * its false-positive rate grows with the window (≈ 22% at 5% nominal for equal sizes and 3
 * categories), which the two-sample form does not do. Categories empty on both sides are dropped.
 */
export function chiSquareHomogeneity(reference: ArrayLike<number>, current: ArrayLike<number>): TestResult & { cohensW: number } {
  let n1 = 0;
  let n2 = 0;
  for (let i = 0; i < reference.length; i++) {
    n1 += reference[i]!;
    n2 += current[i]!;
  }
  const total = n1 + n2;
  let statistic = 0;
  let w2 = 0;
  let cells = 0;
  for (let i = 0; i < reference.length; i++) {
    const column = reference[i]! + current[i]!;
    if (column === 0) continue;
    cells++;
    const e1 = (n1 * column) / total;
    const e2 = (n2 * column) / total;
    statistic += (reference[i]! - e1) ** 2 / e1 + (current[i]! - e2) ** 2 / e2;
    const pr = reference[i]! / n1;
    const pc = current[i]! / n2;
    // Cohen's w of the current proportions against the reference's; a category new in the window
    // is weighed against the pooled share so the size stays finite.
    const base = pr > 0 ? pr : column / total;
    w2 += (pc - pr) ** 2 / base;
  }
  if (cells < 2) return { statistic: 0, pValue: 1, cohensW: 0 };
  return { statistic, pValue: chiSquareSf(statistic, cells - 1), cohensW: Math.sqrt(w2) };
}

/**
 * Two-proportion z-test with the pooled proportion (Evidently's `proportions_diff_z_test`, i.e.
 * statsmodels' `proportions_ztest` on two samples): z = (p1 − p2) / √(P(1 − P)(1/n1 + 1/n2)),
 * two-sided p = erfc(|z|/√2).
 */
export function twoProportionZTest(successes1: number, n1: number, successes2: number, n2: number): TestResult & { cohensH: number } {
  const p1 = successes1 / n1;
  const p2 = successes2 / n2;
  const pooled = (successes1 + successes2) / (n1 + n2);
  const cohensH = Math.abs(2 * Math.asin(Math.sqrt(p1)) - 2 * Math.asin(Math.sqrt(p2)));
  const variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2);
  if (variance === 0) return { statistic: 0, pValue: 1, cohensH };
  const statistic = (p1 - p2) / Math.sqrt(variance);
  return { statistic, pValue: normalTwoSidedP(statistic), cohensH };
}

/**
 * Population stability index Σ (r − c)·ln(r / c) over shares of the same bins. Empty bins get a
 * share of PSI_EPSILON (1e-4, Evidently's default fill) so the log stays finite.
 */
export const PSI_EPSILON = 1e-4;
export function populationStabilityIndex(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  let rs = 0;
  let cs = 0;
  for (let i = 0; i < reference.length; i++) {
    rs += reference[i]!;
    cs += current[i]!;
  }
  let psi = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = Math.max(reference[i]! / rs, PSI_EPSILON);
    const c = Math.max(current[i]! / cs, PSI_EPSILON);
    psi += (r - c) * Math.log(r / c);
  }
  return psi;
}

/**
 * Effect-size bands. Standardised differences (Wasserstein/std, Cohen's h, Cohen's w) share one
 * scale: below 0.05 is negligible (a twentieth of a standard deviation; a 0.01σ shift is far
 * inside), then Cohen's conventional small/medium/large. Distances keep their own scales.
 */
const BANDS: Record<string, readonly [number, number, number]> = {
  wasserstein_std: [0.05, 0.5, 0.8],
  cohens_h: [0.05, 0.5, 0.8],
  cohens_w: [0.05, 0.3, 0.5],
  js_distance: [0.05, 0.1, 0.2],
  psi: [0.1, 0.25, 0.5],
};

/** The smallest effect a p-value test may call drift (see columnDrift's verdict rule). */
export const NEGLIGIBLE_EFFECT = 0.05;

export function effectSize(name: keyof typeof BANDS & string, value: number): EffectSize {
  const [negligible, small, medium] = BANDS[name] ?? [NEGLIGIBLE_EFFECT, 0.5, 0.8];
  const magnitude = value < negligible ? 'negligible' : value < small ? 'small' : value < medium ? 'medium' : 'large';
  return { name, value, magnitude };
}
