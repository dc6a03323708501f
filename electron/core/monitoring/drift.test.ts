import { describe, expect, it } from 'vitest';
import { ColumnDriftSchema, DRIFT_DEFAULTS, ReferenceColumnSchema } from '../../../shared/monitoring.js';
import { SeededRandom } from '../training/prng.js';
import { columnDrift, datasetDrift, profileColumn, type MonitoredValue } from './drift.js';

function normals(seed: number, n: number, shift = 0, scale = 1): Float64Array {
  const random = new SeededRandom(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = shift + scale * random.normal();
  return out;
}

function categories(seed: number, n: number, weights: number[], labels = ['a', 'b', 'c', 'd']): string[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: n }, () => {
    let u = random.next();
    for (let k = 0; k < weights.length; k++) {
      if (u < weights[k]!) return labels[k]!;
      u -= weights[k]!;
    }
    return labels[weights.length - 1]!;
  });
}

describe('profileColumn', () => {
  it('keeps every sorted value up to the cap, then evenly spaced quantiles marked sampled', () => {
    const small = profileColumn('x', normals(1, 800));
    expect(ReferenceColumnSchema.parse(small)).toBeTruthy();
    expect(small.kind).toBe('numeric');
    expect(small.sorted).toHaveLength(800);
    expect(small.sampled).toBe(false);
    expect(small.histogram!.counts.reduce((a, b) => a + b, 0)).toBe(800);
    expect(small.histogram!.edges).toHaveLength(31);
    const big = profileColumn('x', normals(2, 50_000));
    expect(big.sorted).toHaveLength(10_000);
    expect(big.sampled).toBe(true);
    expect(big.count).toBe(50_000);
    expect(Math.abs(big.mean!)).toBeLessThan(0.02);
    expect(Math.abs(big.std! - 1)).toBeLessThan(0.02);
  });

  it('counts nulls and reads ≤ 5 distinct numbers as categories keyed like String(v)', () => {
    const values: MonitoredValue[] = [1, 2, 3, null, 1, 2, Number.NaN, 3, 1];
    const profile = profileColumn('grade', values);
    expect(profile).toMatchObject({ kind: 'categorical', count: 7, nulls: 2, distinct: 3, categories: { '1': 3, '2': 2, '3': 2 } });
    // A window read from a CSV as strings falls into the same categories.
    const drift = columnDrift(profile, ['1', '2', '3', '1'], { minRows: 1 });
    expect(drift.distributions).toEqual({ kind: 'categories', categories: ['1', '2', '3'], reference: [3, 2, 2], current: [2, 1, 1] });
    expect(profileColumn('flag', [true, false, true, null]).kind).toBe('binary');
    expect(profileColumn('flag', [0, 1, 1, 0]).kind).toBe('binary');
  });
});

describe('columnDrift: Evidently defaults by kind and reference size', () => {
  it('small numeric reference: KS with a p-value, its effect size and PSI', () => {
    const reference = profileColumn('x', normals(3, 1000));
    const same = columnDrift(reference, normals(4, 1000));
    const shifted = columnDrift(reference, normals(5, 1000, 0.5));
    expect(ColumnDriftSchema.parse(shifted)).toBeTruthy();
    expect(same).toMatchObject({ method: 'ks', threshold: 0.05, drifted: false, type: 'numeric' });
    expect(shifted).toMatchObject({ method: 'ks', drifted: true, reason: null });
    expect(shifted.pValue!).toBeLessThan(1e-10);
    expect(shifted.effectSize).toMatchObject({ name: 'wasserstein_std', magnitude: 'small' });
    expect(shifted.effectSize!.value).toBeCloseTo(0.5, 1);
    expect(shifted.psi!).toBeGreaterThan(same.psi!);
    expect(shifted.distributions!.kind).toBe('histogram');
  });

  it('large numeric reference: Wasserstein distance over the reference std, drift at ≥ 0.1', () => {
    const reference = profileColumn('x', normals(6, 5000, 0, 3));
    const same = columnDrift(reference, normals(7, 5000, 0, 3));
    const shifted = columnDrift(reference, normals(8, 5000, 0.6, 3));
    expect(same).toMatchObject({ method: 'wasserstein', threshold: 0.1, drifted: false, pValue: null });
    expect(shifted).toMatchObject({ method: 'wasserstein', drifted: true });
    expect(shifted.statistic!).toBeCloseTo(0.2, 1);
  });

  it('categorical: chi-square on small references, Jensen–Shannon on large; binary: z-test', () => {
    const weights = [0.4, 0.3, 0.2, 0.1];
    const small = profileColumn('c', categories(9, 800, weights));
    expect(columnDrift(small, categories(10, 800, weights))).toMatchObject({ method: 'chisquare', drifted: false });
    const moved = columnDrift(small, categories(11, 800, [0.25, 0.25, 0.25, 0.25]));
    expect(moved).toMatchObject({ method: 'chisquare', drifted: true, effectSize: { name: 'cohens_w' } });
    const large = profileColumn('c', categories(12, 5000, weights));
    expect(columnDrift(large, categories(13, 5000, weights))).toMatchObject({ method: 'jensenshannon', drifted: false });
    expect(columnDrift(large, categories(14, 5000, [0.1, 0.2, 0.3, 0.4]))).toMatchObject({ method: 'jensenshannon', drifted: true });
    const binary = profileColumn('b', categories(15, 600, [0.5, 0.5], ['yes', 'no']));
    expect(binary.kind).toBe('binary');
    expect(columnDrift(binary, categories(16, 600, [0.5, 0.5], ['yes', 'no']))).toMatchObject({ method: 'ztest', drifted: false });
    expect(columnDrift(binary, categories(17, 600, [0.7, 0.3], ['yes', 'no']))).toMatchObject({ method: 'ztest', drifted: true, effectSize: { name: 'cohens_h' } });
  });

  it('a category new in the window counts as drift and shows in the chart', () => {
    const reference = profileColumn('c', categories(18, 500, [0.5, 0.3, 0.2]));
    const current = [...categories(19, 400, [0.5, 0.3, 0.2]), ...Array.from({ length: 100 }, () => 'z')];
    const drift = columnDrift(reference, current);
    expect(drift.drifted).toBe(true);
    expect(drift.distributions).toMatchObject({ kind: 'categories', categories: ['a', 'b', 'c', 'z'] });
  });

  it('overrides of method and threshold', () => {
    const reference = profileColumn('x', normals(20, 5000));
    const current = normals(21, 5000, 0.08);
    expect(columnDrift(reference, current)).toMatchObject({ method: 'wasserstein', drifted: false });
    expect(columnDrift(reference, current, { threshold: 0.05 })).toMatchObject({ method: 'wasserstein', threshold: 0.05, drifted: true });
    expect(columnDrift(reference, current, { method: 'ks' })).toMatchObject({ method: 'ks', threshold: 0.05, drifted: true });
    expect(columnDrift(reference, current, { method: 'psi', threshold: 0.2 })).toMatchObject({ method: 'psi', drifted: false });
    const wrong = columnDrift(reference, current, { method: 'ztest' });
    expect(wrong.drifted).toBeNull();
    expect(wrong.reason).toMatch(/binary/);
  });

  it('below the minimum window no verdict is given, with the reason', () => {
    const reference = profileColumn('x', normals(22, 500));
    const eight = columnDrift(reference, normals(23, 8, 3));
    expect(eight).toMatchObject({ drifted: null, statistic: null, pValue: null, currentRows: 8 });
    expect(eight.reason).toMatch(/8 non-missing values in the window; a verdict needs at least 30/);
    expect(columnDrift(reference, normals(24, 29, 3)).drifted).toBeNull();
    expect(columnDrift(reference, normals(24, 30, 3)).drifted).toBe(true);
    expect(columnDrift(reference, normals(25, 10, 3), { minRows: 5 }).drifted).toBe(true);
    // Missing values do not count toward the window.
    const withNulls: MonitoredValue[] = [...Array.from(normals(26, 20, 3)), ...Array.from({ length: 50 }, () => null)];
    expect(columnDrift(reference, withNulls).drifted).toBeNull();
    expect(DRIFT_DEFAULTS.minWindowRows).toBe(30);
  });

  it('reports the null-rate change of a column', () => {
    const reference = profileColumn('x', [...Array.from(normals(27, 900)), ...Array.from({ length: 100 }, () => null)]);
    const current = new Float64Array(normals(28, 1000));
    for (let i = 0; i < 400; i++) current[i] = Number.NaN;
    const drift = columnDrift(reference, current);
    expect(drift.nullRate.reference).toBeCloseTo(0.1, 10);
    expect(drift.nullRate.current).toBeCloseTo(0.4, 10);
    expect(drift.currentRows).toBe(1000);
  });
});

describe('effect size tempers p-values on huge windows (evidently #50)', () => {
  it('a million-row window shifted by 0.01σ reads as a negligible effect and no drift', () => {
    const reference = profileColumn('x', normals(29, 200_000));
    const current = normals(30, 1_000_000, 0.01);
    const byDefault = columnDrift(reference, current);
    expect(byDefault).toMatchObject({ method: 'wasserstein', drifted: false, effectSize: { magnitude: 'negligible' } });
    // Forcing KS on these sizes: the test finds the shift "significant", the effect size says it does not matter.
    const ks = columnDrift(reference, current, { method: 'ks' });
    expect(ks.pValue!).toBeLessThan(0.05);
    expect(ks).toMatchObject({ drifted: false, effectSize: { name: 'wasserstein_std', magnitude: 'negligible' } });
    expect(ks.reason).toMatch(/effect is negligible/);
    // A real shift on the same sizes still alarms.
    expect(columnDrift(reference, normals(31, 1_000_000, 0.2), { method: 'ks' }).drifted).toBe(true);
  });

  it('a 0.005 change of a binary share on 10⁶ rows is negligible for the z-test', () => {
    const reference = profileColumn('b', [...Array.from({ length: 500_000 }, () => 'yes'), ...Array.from({ length: 500_000 }, () => 'no')]);
    const current = [...Array.from({ length: 505_000 }, () => 'yes'), ...Array.from({ length: 495_000 }, () => 'no')];
    const drift = columnDrift(reference, current, { method: 'ztest' });
    expect(drift.pValue!).toBeLessThan(1e-6);
    expect(drift).toMatchObject({ drifted: false, effectSize: { name: 'cohens_h', magnitude: 'negligible' } });
  });
});

describe('false-positive rate on unshifted windows over 400 seeds', () => {
  const SEEDS = 400;

  it('KS (reference 500, window 500) flags about 5%', () => {
    let flagged = 0;
    for (let seed = 0; seed < SEEDS; seed++) {
      const reference = profileColumn('x', normals(1000 + seed, 500));
      if (columnDrift(reference, normals(5000 + seed, 500)).drifted) flagged++;
    }
    const rate = flagged / SEEDS;
    expect(rate).toBeGreaterThanOrEqual(0.02);
    expect(rate).toBeLessThanOrEqual(0.09);
  });

  it('chi-square (reference 600, window 400, 4 categories) flags about 5%', () => {
    let flagged = 0;
    for (let seed = 0; seed < SEEDS; seed++) {
      const reference = profileColumn('c', categories(9000 + seed, 600, [0.4, 0.3, 0.2, 0.1]));
      if (columnDrift(reference, categories(13_000 + seed, 400, [0.4, 0.3, 0.2, 0.1])).drifted) flagged++;
    }
    const rate = flagged / SEEDS;
    expect(rate).toBeGreaterThanOrEqual(0.02);
    expect(rate).toBeLessThanOrEqual(0.09);
  });
});

describe('datasetDrift', () => {
  it('drifts when at least the share of columns with a verdict drift; no-verdict columns do not count', () => {
    const reference = profileColumn('x', normals(40, 500));
    const still = columnDrift(reference, normals(41, 500));
    const moved = columnDrift(reference, normals(42, 500, 1));
    const tooFew = columnDrift(reference, normals(43, 5, 1));
    const half = datasetDrift([still, moved, tooFew]);
    expect(half).toMatchObject({ driftedColumns: 1, shareDrifted: 0.5, datasetDrift: true });
    expect(datasetDrift([still, moved, still]).datasetDrift).toBe(false);
    expect(datasetDrift([still, moved, still], 0.3).datasetDrift).toBe(true);
    expect(datasetDrift([tooFew])).toMatchObject({ driftedColumns: 0, shareDrifted: 0, datasetDrift: false });
  });
});
