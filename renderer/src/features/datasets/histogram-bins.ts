import type { ColumnType, NumericStats } from '../../../../shared/datasets';

export interface Bin {
  lo: number;
  hi: number;
  mid: number;
  count: number;
  /** Set when the bin holds exactly one whole number (integer columns with a narrow range). */
  value?: number;
}

/**
 * The stored histogram as bars. An integer column whose whole range fits in the stored bins is
 * redrawn with one bar per value (each stored bin then holds at most one whole number), so a
 * 1–4 bedrooms column shows four bars rather than four spikes among empty bins.
 */
export function histogramBins(stats: NumericStats, type: ColumnType): { bins: Bin[]; domain: [number, number] } {
  const { edges, counts } = stats.histogram;
  const span = stats.max - stats.min + 1;
  if (type === 'integer' && Number.isInteger(stats.min) && span <= Math.max(counts.length, 1) && span <= 60) {
    const bins: Bin[] = [];
    for (let v = stats.min; v <= stats.max; v++) bins.push({ lo: v - 0.5, hi: v + 0.5, mid: v, count: 0, value: v });
    counts.forEach((count, i) => {
      if (count === 0) return;
      const lo = edges[i]!;
      const hi = edges[i + 1]!;
      const last = i === counts.length - 1;
      const v = Math.ceil(lo);
      if (v < hi || (last && v <= hi)) {
        const bin = bins[v - stats.min];
        if (bin) bin.count += count;
      }
    });
    return { bins, domain: [stats.min - 0.5, stats.max + 0.5] };
  }
  const bins = counts.map((count, i) => ({ lo: edges[i]!, hi: edges[i + 1]!, mid: (edges[i]! + edges[i + 1]!) / 2, count }));
  if (stats.min === stats.max) return { bins, domain: [stats.min - 0.5, stats.max + 0.5] };
  return { bins, domain: [edges[0] ?? stats.min, edges.at(-1) ?? stats.max] };
}
