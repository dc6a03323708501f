/**
 * How drift reads a column's cells and what a reference profile keeps of them (issue 13: computed
 * once, stored, never recomputed from the raw training rows on each view).
 */
import type { DriftColumnKind, ReferenceColumn } from '../../../shared/monitoring.js';
import { sortFloat64 } from './radix-sort.js';

/** A cell as monitoring sees it: numbers for numeric features, strings/booleans for categories; null is missing. */
export type MonitoredValue = number | string | boolean | null;

/** Cells of one column: any monitored values, or a numeric column as doubles with NaN for missing. */
export type ColumnValues = readonly MonitoredValue[] | Float64Array;

/** Numbers with at most this many distinct values are categories (Evidently's rule). */
export const MAX_NUMERIC_CATEGORIES = 5;
/** Reference values kept whole up to this many; beyond, evenly spaced quantiles (`sampled`). */
export const DEFAULT_SORTED_CAP = 10_000;
/** Equal-width bins over the reference range, as Evidently's charts and PSI use (30). */
export const HISTOGRAM_BINS = 30;

export interface ProfileOptions {
  /** Most sorted values kept (default 10,000); Infinity keeps all (the CLI, which holds the file anyway). */
  maxSorted?: number;
  bins?: number;
}

/**
 * One key per category whatever the cell's type, so the reference's 1 and a window's 1 (or "1"
 * from a CSV) land in the same category.
 */
export function categoryKey(value: MonitoredValue | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isNaN(value) ? null : String(value);
  if (typeof value === 'boolean') return String(value);
  return value === '' ? null : value;
}

/** A cell as a number for a numeric column: numeric strings are read, anything else is missing. */
export function numericValue(value: MonitoredValue | undefined): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : Number.NaN;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : Number.NaN;
  }
  return Number.NaN;
}

/** The non-missing values of a numeric column, ascending, and how many cells were missing. */
export function sortedNumbers(values: ColumnValues): { sorted: Float64Array; nulls: number } {
  const out = new Float64Array(values.length);
  let k = 0;
  if (values instanceof Float64Array) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v === v && v !== Infinity && v !== -Infinity) out[k++] = v;
    }
  } else {
    for (let i = 0; i < values.length; i++) {
      const v = numericValue(values[i]);
      if (!Number.isNaN(v)) out[k++] = v;
    }
  }
  const sorted = out.subarray(0, k);
  // Columns often arrive sorted already (the drift CLI's reader sorts on its worker thread).
  let ascending = true;
  for (let i = 1; i < k; i++) {
    if (sorted[i]! < sorted[i - 1]!) {
      ascending = false;
      break;
    }
  }
  if (!ascending) sortFloat64(sorted);
  return { sorted, nulls: values.length - k };
}

/** Counts per category key, and how many cells were missing. */
export function countCategories(values: ColumnValues): { counts: Map<string, number>; nulls: number } {
  const counts = new Map<string, number>();
  let nulls = 0;
  for (let i = 0; i < values.length; i++) {
    const key = categoryKey(values[i]);
    if (key === null) nulls++;
    else counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return { counts, nulls };
}

function allNumbers(values: ColumnValues): boolean {
  if (values instanceof Float64Array) return true;
  for (const v of values) if (v !== null && v !== undefined && typeof v !== 'number') return false;
  return true;
}

function distinctSorted(sorted: ArrayLike<number>): number {
  let distinct = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
  return distinct;
}

/** numpy's `histogram_bin_edges(values, bins)`: equal widths over [min, max], ±0.5 around a constant. */
export function histogramEdges(min: number, max: number, bins: number): number[] {
  const [lo, hi] = min === max ? [min - 0.5, max + 0.5] : [min, max];
  const edges: number[] = [];
  for (let i = 0; i <= bins; i++) edges.push(lo + ((hi - lo) * i) / bins);
  edges[bins] = hi;
  return edges;
}

/**
 * Counts of `values` in the bins of `edges` (last bin closed, like numpy). Values outside the
 * reference range count in the end bins: a window that moved beyond the reference must show, not
 * vanish from the chart and PSI.
 */
export function binCounts(values: ArrayLike<number>, edges: readonly number[]): number[] {
  const bins = edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  const lo = edges[0]!;
  const width = (edges[bins]! - lo) / bins;
  for (let i = 0; i < values.length; i++) {
    let b = Math.floor((values[i]! - lo) / width);
    if (b < 0) b = 0;
    else if (b >= bins) b = bins - 1;
    else if (values[i]! < edges[b]!) b -= 1; // rounding of (v − lo)/width at a bin edge
    else if (b + 1 < bins && values[i]! >= edges[b + 1]!) b += 1;
    counts[b]! += 1;
  }
  return counts;
}

function plainArray(values: Float64Array): number[] {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]!;
  return out;
}

/** At most `cap` values standing for the sorted sample: the midpoint quantile of each of `cap` equal slices. */
function quantileSketch(sorted: Float64Array, cap: number): number[] {
  const n = sorted.length;
  const out = new Array<number>(cap);
  for (let i = 0; i < cap; i++) out[i] = sorted[Math.min(n - 1, Math.floor(((i + 0.5) * n) / cap))]!;
  return out;
}

function categoricalProfile(name: string, counts: Map<string, number>, nulls: number): ReferenceColumn {
  let count = 0;
  for (const c of counts.values()) count += c;
  const kind: DriftColumnKind = counts.size <= 2 ? 'binary' : 'categorical';
  const categories: Record<string, number> = {};
  for (const key of [...counts.keys()].sort()) categories[key] = counts.get(key)!;
  return { name, kind, count, nulls, distinct: counts.size, categories };
}

/** Summarises one reference column once, keeping what every drift test needs. */
export function buildReferenceColumn(name: string, values: ColumnValues, options: ProfileOptions = {}): ReferenceColumn {
  if (!allNumbers(values)) {
    const { counts, nulls } = countCategories(values);
    return categoricalProfile(name, counts, nulls);
  }
  const { sorted, nulls } = sortedNumbers(values);
  const distinct = distinctSorted(sorted);
  if (distinct <= MAX_NUMERIC_CATEGORIES) {
    const counts = new Map<string, number>();
    for (let i = 0; i < sorted.length; i++) {
      const key = String(sorted[i]);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return categoricalProfile(name, counts, nulls);
  }
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (sorted[i]! - mean) ** 2;
  const std = Math.sqrt(squares / n); // population std, as numpy's np.std that Evidently divides by
  const cap = options.maxSorted ?? DEFAULT_SORTED_CAP;
  const sampled = n > cap;
  const edges = histogramEdges(sorted[0]!, sorted[n - 1]!, options.bins ?? HISTOGRAM_BINS);
  return {
    name,
    kind: 'numeric',
    count: n,
    nulls,
    distinct,
    sorted: sampled ? quantileSketch(sorted, cap) : plainArray(sorted),
    sampled,
    mean,
    std,
    histogram: { edges, counts: binCounts(sorted, edges) },
  };
}
