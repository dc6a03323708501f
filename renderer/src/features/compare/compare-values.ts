import type { MetricValue, RunDetail } from '../../../../shared/app-api/entities';

/** Pure helpers over the compared runs: which keys exist, which values differ, how to scale an axis. */

export type DimensionKind = 'param' | 'metric';
export interface Dimension {
  kind: DimensionKind;
  key: string;
}

export function dimensionId(dimension: Dimension): string {
  return `${dimension.kind}:${dimension.key}`;
}

export function parseDimension(id: string): Dimension | null {
  const index = id.indexOf(':');
  const kind = id.slice(0, index);
  if (kind !== 'param' && kind !== 'metric') return null;
  return { kind, key: id.slice(index + 1) };
}

export function unionKeys(records: Array<Record<string, unknown>>): string[] {
  const keys = new Set<string>();
  for (const record of records) for (const key of Object.keys(record)) keys.add(key);
  return [...keys].sort((a, b) => a.localeCompare(b));
}

export function metricNumber(value: MetricValue | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** A run's raw value on a dimension: the param string or the latest metric value; null when missing. */
export function rawValue(run: RunDetail, dimension: Dimension): string | number | null {
  if (dimension.kind === 'param') return run.params[dimension.key] ?? null;
  return metricNumber(run.metrics[dimension.key]);
}

/** True when the runs do not all hold the same value (a run without the key counts as different). */
export function valuesDiffer(values: Array<string | undefined>): boolean {
  return values.some((value) => value !== values[0]);
}

export type Scale =
  | { type: 'numeric'; min: number; max: number; log: boolean; position(value: number): number }
  | { type: 'categorical'; categories: string[]; position(value: string): number };

/**
 * An axis scale over the runs' values, mapping to 0 (bottom) … 1 (top). Numeric when every present
 * value parses as a number; a positive range spanning 20× or more (learning rates, weight decay)
 * is drawn on a log scale, as people tune it.
 */
export function dimensionScale(values: Array<string | number | null>): Scale {
  const present = values.filter((v): v is string | number => v !== null && v !== '');
  const numbers = present.map((v) => (typeof v === 'number' ? v : Number(v)));
  if (present.length > 0 && numbers.every((n) => Number.isFinite(n))) {
    const min = Math.min(...numbers);
    const max = Math.max(...numbers);
    const log = min > 0 && max / min >= 20;
    const [lo, hi] = log ? [Math.log10(min), Math.log10(max)] : [min, max];
    return {
      type: 'numeric',
      min,
      max,
      log,
      position: (value) => (hi === lo ? 0.5 : ((log ? Math.log10(value) : value) - lo) / (hi - lo)),
    };
  }
  const categories = [...new Set(present.map(String))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return {
    type: 'categorical',
    categories,
    position: (value) => (categories.length <= 1 ? 0.5 : categories.indexOf(value) / (categories.length - 1)),
  };
}

/** Where a raw value sits on a scale (0…1), or null when the run has no value for it. */
export function scalePosition(scale: Scale, value: string | number | null): number | null {
  if (value === null || value === '') return null;
  if (scale.type === 'numeric') {
    const n = typeof value === 'number' ? value : Number(value);
    return Number.isFinite(n) ? scale.position(n) : null;
  }
  return scale.position(String(value));
}
