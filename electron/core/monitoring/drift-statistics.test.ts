import { describe, expect, it } from 'vitest';
import fixtures from './fixtures/drift-fixtures.json' with { type: 'json' };
import { fixtureSample, type SampleSpec } from './fixtures/fixture-samples.js';
import { chiSquareGoodnessOfFit, chiSquareHomogeneity, jensenShannonDistance, twoProportionZTest, wassersteinDistance } from './drift-statistics.js';
import { kolmogorovSf } from './kolmogorov-distribution.js';
import { ksTwoSample } from './ks-test.js';
import { chiSquareSf } from './special-functions.js';

const TOLERANCE = 1e-9;
const sorted = (spec: SampleSpec) => fixtureSample(spec).sort();

/** Absolute difference within 1e-9 (p-values and distances live in [0, ~10]); statistics that can be large are compared relatively. */
function close(actual: number, expected: number, relative = false): void {
  const scale = relative ? Math.max(1, Math.abs(expected)) : 1;
  expect(Math.abs(actual - expected) / scale, `${actual} vs SciPy ${expected}`).toBeLessThanOrEqual(TOLERANCE);
}

describe('drift statistics equal SciPy 1.10 (Debian 12) on fixed inputs', () => {
  it('the fixtures were made by Debian SciPy 1.10', () => {
    expect(fixtures.scipy).toMatch(/^1\.10\./);
  });

  it.each(fixtures.ks_2samp.map((c) => [`n1=${c.a.n} n2=${c.b.n} shift=${c.b.loc}`, c] as const))('ks_2samp %s', (_, c) => {
    const result = ksTwoSample(sorted(c.a), sorted(c.b));
    close(result.statistic, c.statistic);
    close(result.pValue, c.pvalue);
  });

  it('kstwo.sf on every branch of the Kolmogorov distribution', () => {
    for (const c of fixtures.kstwo_sf) {
      const actual = kolmogorovSf(c.n, c.x);
      expect(Math.abs(actual - c.sf), `kstwo.sf(${c.x}, ${c.n}) = ${actual}, SciPy ${c.sf}`).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('wasserstein_distance', () => {
    for (const c of fixtures.wasserstein) close(wassersteinDistance(sorted(c.u), sorted(c.v)), c.distance);
  });

  it('jensenshannon', () => {
    for (const c of fixtures.jensenshannon) close(jensenShannonDistance(c.p, c.q), c.distance);
  });

  it('chisquare', () => {
    for (const c of fixtures.chisquare) {
      const result = chiSquareGoodnessOfFit(c.f_obs, c.f_exp, c.ddof);
      close(result.statistic, c.statistic, true);
      close(result.pValue, c.pvalue);
    }
  });

  it('chi2_contingency without continuity correction (the two-sample chi-square drift uses)', () => {
    for (const c of fixtures.chi2_contingency) {
      const result = chiSquareHomogeneity(c.reference, c.current);
      close(result.statistic, c.statistic, true);
      close(result.pValue, c.pvalue);
    }
  });

  it('two-proportion z-test against the pooled formula with norm.sf', () => {
    for (const c of fixtures.ztest) {
      const result = twoProportionZTest(c.s1, c.n1, c.s2, c.n2);
      close(result.statistic, c.z, true);
      close(result.pValue, c.pvalue);
    }
  });

  it('chi2.sf', () => {
    for (const c of fixtures.chi2_sf) close(chiSquareSf(c.x, c.df), c.sf);
  });
});
