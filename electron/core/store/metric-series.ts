import type { MetricSeries, XAxis } from '../../../shared/app-api/entities.js';
import type { SqliteDatabase } from './database.js';

interface Bucket {
  x: number;
  sum: number;
  count: number;
  min: number;
  max: number;
}

/**
 * Reads a metric history for a chart of `maxPoints` points. Short histories come back whole; longer
 * ones are cut into `maxPoints` buckets along x, each drawn at its mean with its min and max kept
 * (W&B's full-fidelity approach), so a spike in a million points still shows.
 */
export function readMetricSeries(
  db: SqliteDatabase,
  run: { runPk: number; runId: string; startTime: number | null },
  key: string,
  xAxis: XAxis,
  maxPoints: number,
): MetricSeries {
  const stats = db
    .prepare('SELECT count(*) AS n, min(step) AS s0, max(step) AS s1, min(timestamp) AS t0, max(timestamp) AS t1 FROM metrics WHERE run_pk = ? AND key = ?')
    .get(run.runPk, key) as { n: number; s0: number | null; s1: number | null; t0: number | null; t1: number | null };
  const origin = xAxis === 'relative' ? (run.startTime ?? stats.t0 ?? 0) : 0;
  const rows = db
    .prepare('SELECT step, timestamp, value, is_nan FROM metrics WHERE run_pk = ? AND key = ? ORDER BY step, timestamp')
    .raw()
    .iterate(run.runPk, key) as IterableIterator<[number, number, number, number]>;
  const xOf = (step: number, timestamp: number) => (xAxis === 'step' ? step : xAxis === 'wall' ? timestamp : (timestamp - origin) / 1000);

  if (stats.n <= maxPoints) {
    const x: number[] = [];
    const y: (number | null)[] = [];
    for (const [step, timestamp, value, isNan] of rows) {
      x.push(xOf(step, timestamp));
      y.push(isNan || !Number.isFinite(value) ? null : value);
    }
    return { runId: run.runId, key, total: stats.n, sampled: false, x, y };
  }

  const lo = xAxis === 'step' ? stats.s0! : xAxis === 'wall' ? stats.t0! : (stats.t0! - origin) / 1000;
  const hi = xAxis === 'step' ? stats.s1! : xAxis === 'wall' ? stats.t1! : (stats.t1! - origin) / 1000;
  const width = hi - lo || 1;
  const buckets: (Bucket | undefined)[] = new Array(maxPoints);
  for (const [step, timestamp, value, isNan] of rows) {
    if (isNan || !Number.isFinite(value)) continue;
    const xv = xOf(step, timestamp);
    const index = Math.min(maxPoints - 1, Math.floor(((xv - lo) / width) * maxPoints));
    const bucket = buckets[index];
    if (bucket) {
      bucket.sum += value;
      bucket.count++;
      if (value < bucket.min) bucket.min = value;
      if (value > bucket.max) bucket.max = value;
    } else buckets[index] = { x: xv, sum: value, count: 1, min: value, max: value };
  }
  const series: MetricSeries = { runId: run.runId, key, total: stats.n, sampled: true, x: [], y: [], yMin: [], yMax: [] };
  for (const bucket of buckets) {
    if (!bucket) continue;
    series.x.push(bucket.x);
    series.y.push(bucket.sum / bucket.count);
    series.yMin!.push(bucket.min);
    series.yMax!.push(bucket.max);
  }
  return series;
}
