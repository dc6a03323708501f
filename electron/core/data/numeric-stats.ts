import { mean, quantileSorted, sampleStandardDeviation } from 'simple-statistics';
import { QUANTILE_KEYS, QUANTILE_PROBABILITIES, type Histogram, type NumericStats } from '../../../shared/datasets.js';

export const HISTOGRAM_BINS = 20;

/** A growable Float64Array: 8 bytes per value instead of a boxed number or the original string. */
export class NumberBuffer {
  private data = new Float64Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  /** The values, sorted ascending in place (the buffer is not added to afterwards). */
  sorted(): Float64Array {
    return this.data.subarray(0, this.length).sort();
  }
}

/**
 * Statistics of a non-empty numeric column. simple-statistics works on anything indexable with a
 * length, so the typed array is handed over as is instead of being copied into a number[].
 */
export function numericStats(name: string, values: Float64Array): NumericStats {
  const asArray = values as unknown as number[];
  const min = values[0]!;
  const max = values[values.length - 1]!;
  const quantiles = Object.fromEntries(
    QUANTILE_KEYS.map((key) => [key, quantileSorted(asArray, QUANTILE_PROBABILITIES[key])]),
  ) as NumericStats['quantiles'];
  return {
    name,
    kind: 'numeric',
    count: values.length,
    min,
    max,
    mean: mean(asArray),
    std: values.length > 1 ? sampleStandardDeviation(asArray) : 0,
    quantiles,
    histogram: histogram(values, min, max),
  };
}

/**
 * Equal-width bins over [min, max]; the last bin includes max. A constant column gets a single
 * bin [v, v], since 20 bins of width zero would say nothing.
 */
export function histogram(sortedValues: Float64Array, min: number, max: number, bins = HISTOGRAM_BINS): Histogram {
  if (min === max) return { edges: [min, max], counts: [sortedValues.length] };
  const width = (max - min) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? max : min + i * width));
  const counts = new Array<number>(bins).fill(0);
  for (const value of sortedValues) {
    // Compare with the stored edges rather than trusting the division alone, so a value that sits
    // exactly on an edge lands in the bin that edge opens, as the edges say.
    let bin = Math.min(bins - 1, Math.floor((value - min) / width));
    if (bin < bins - 1 && value >= edges[bin + 1]!) bin += 1;
    else if (bin > 0 && value < edges[bin]!) bin -= 1;
    counts[bin]! += 1;
  }
  return { edges, counts };
}
