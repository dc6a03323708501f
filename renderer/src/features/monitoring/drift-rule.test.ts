import { describe, expect, it } from 'vitest';
import { driftRule, verdictText } from './drift-rule';

describe('driftRule', () => {
  it('states the distance rule for a large reference', () => {
    expect(driftRule({ method: 'wasserstein', threshold: 0.1, type: 'numeric', referenceRows: 50_000 })).toBe('reference 50,000 rows > 1,000: Wasserstein distance / reference std, drift at ≥ 0.1');
  });

  it('states the test rule for a small reference, and says when the method is an override', () => {
    expect(driftRule({ method: 'ks', threshold: 0.05, type: 'numeric', referenceRows: 150 })).toBe('reference 150 rows ≤ 1,000: two-sample Kolmogorov–Smirnov test, drift at p < 0.05');
    expect(driftRule({ method: 'psi', threshold: 0.2, type: 'numeric', referenceRows: 150 })).toContain('population stability index (per-model override), drift at ≥ 0.2');
  });
});

describe('verdictText', () => {
  it('shows the comparison behind the verdict', () => {
    expect(verdictText({ method: 'wasserstein', statistic: 0.4321, pValue: null, threshold: 0.1, drifted: true, reason: null })).toBe('Drift: 0.432 ≥ 0.1');
    expect(verdictText({ method: 'ks', statistic: 0.1, pValue: 0.41, threshold: 0.05, drifted: false, reason: null })).toBe('No drift: p = 0.41 ≥ 0.05');
    expect(verdictText({ method: 'ks', statistic: null, pValue: null, threshold: 0.05, drifted: null, reason: '8 current values, fewer than 30' })).toBe('No verdict: 8 current values, fewer than 30');
  });
});
