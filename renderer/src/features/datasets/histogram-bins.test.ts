import { describe, expect, it } from 'vitest';
import type { NumericStats } from '../../../../shared/datasets';
import { histogramBins } from './histogram-bins';

function stats(min: number, max: number, counts: number[]): NumericStats {
  const width = (max - min) / counts.length;
  return {
    name: 'x', kind: 'numeric', count: counts.reduce((a, b) => a + b, 0), min, max, mean: 0, std: 0,
    quantiles: { p01: 0, p05: 0, p25: 0, p50: 0, p75: 0, p95: 0, p99: 0 },
    histogram: { edges: counts.map((_, i) => min + i * width).concat(max), counts },
  };
}

describe('histogramBins', () => {
  it('gives a narrow integer column one bar per value', () => {
    // 1..4 in 20 bins of width 0.15: the values land in bins 0, 6 (1.9–2.05), 13 (2.95–3.1) and 19.
    const counts = Array.from({ length: 20 }, () => 0);
    counts[0] = 16;
    counts[6] = 16;
    counts[13] = 16;
    counts[19] = 32;
    const { bins, domain } = histogramBins(stats(1, 4, counts), 'integer');
    expect(bins.map((b) => [b.value, b.count])).toEqual([[1, 16], [2, 16], [3, 16], [4, 32]]);
    expect(domain).toEqual([0.5, 4.5]);
  });

  it('keeps the stored bins for floats and wide integer ranges', () => {
    expect(histogramBins(stats(0, 1, [1, 2, 3]), 'numeric').bins.map((b) => b.count)).toEqual([1, 2, 3]);
    expect(histogramBins(stats(0, 900, [1, 2, 3]), 'integer').bins).toHaveLength(3);
  });
});
