import type { MetricSeries, XAxis } from '../../../shared/app-api/entities.js';
import type { SqliteDatabase } from './database.js';
import { BLOCK_LEVELS } from './metric-blocks.js';
import { metricQueueOf } from './metric-queue.js';

interface Bucket {
  x: number;
  sum: number;
  count: number;
  min: number;
  max: number;
}

export interface SeriesRun {
  runPk: number;
  runId: string;
  startTime: number | null;
}

/**
 * Reads a metric history for a chart at most `maxPoints` wide. Short histories come back whole.
 * Longer ones are cut into `maxPoints` buckets along x, each drawn at its mean with its min and max
 * kept (W&B's full-fidelity approach), so a spike in a million points still shows. The buckets are
 * built from metric_blocks (summaries of 32, 256 or 2,048 steps) when those are fine enough, so a
 * million-point history costs about a thousand rows.
 */
export function readMetricSeries(db: SqliteDatabase, run: SeriesRun, key: string, xAxis: XAxis, maxPoints: number): MetricSeries {
  // Points the tracking server logged moments ago may still be queued.
  metricQueueOf(db).fold(run.runPk);
  const coarse = db
    .prepare(
      `SELECT sum(count) AS n, min(first_step) AS s0, max(last_step) AS s1, min(first_timestamp) AS t0, max(last_timestamp) AS t1, count(*) AS blocks
       FROM metric_blocks WHERE run_pk = ? AND key = ? AND level = ?`,
    )
    .get(run.runPk, key, BLOCK_LEVELS[BLOCK_LEVELS.length - 1]) as { n: number | null; s0: number; s1: number; t0: number; t1: number; blocks: number };
  const finiteCount = coarse.n ?? 0;
  const origin = xAxis === 'relative' ? (run.startTime ?? coarse.t0 ?? 0) : 0;
  const xOf = (step: number, timestamp: number) => (xAxis === 'step' ? step : xAxis === 'wall' ? timestamp : (timestamp - origin) / 1000);

  if (finiteCount <= maxPoints) {
    // The blocks count finite points only: a history of NaN or infinities can still be long.
    const raw = rawSeries(db, run, key, xOf, maxPoints);
    if (raw) return raw;
    return finitePointsOfLongHistory(db, run, key, xOf, maxPoints, finiteCount);
  }

  const lo = xOf(coarse.s0, coarse.t0);
  const hi = xOf(coarse.s1, coarse.t1);
  const buckets = new Buckets(lo, hi, maxPoints);
  // The coarsest level that still has at least one block per output point keeps full fidelity.
  const stepRange = coarse.s1 - coarse.s0 + 1;
  const level = [...BLOCK_LEVELS].reverse().find((l) => stepRange / 2 ** l >= maxPoints);
  if (level !== undefined) {
    const rows = db
      .prepare('SELECT count, sum, min, max, first_step, last_step, first_timestamp FROM metric_blocks WHERE run_pk = ? AND key = ? AND level = ? ORDER BY block')
      .raw()
      .iterate(run.runPk, key, level) as IterableIterator<[number, number, number, number, number, number, number]>;
    for (const [count, sum, min, max, firstStep, lastStep, firstTimestamp] of rows) {
      buckets.addSummary(xAxis === 'step' ? (firstStep + lastStep) / 2 : xOf(firstStep, firstTimestamp), count, sum, min, max);
    }
  } else {
    addFinitePoints(db, run, key, xOf, buckets);
  }
  return { runId: run.runId, key, total: finiteCount, sampled: true, ...buckets.toSeries() };
}

type XOf = (step: number, timestamp: number) => number;

/** Streams a history's finite points into `buckets` (NaN and infinities cannot be drawn). */
function addFinitePoints(db: SqliteDatabase, run: SeriesRun, key: string, xOf: XOf, buckets: Buckets): void {
  const rows = db
    .prepare('SELECT step, timestamp, value FROM metrics WHERE run_pk = ? AND key = ? AND is_nan = 0 ORDER BY step, timestamp')
    .raw()
    .iterate(run.runPk, key) as IterableIterator<[number, number, number]>;
  for (const [step, timestamp, value] of rows) {
    if (Number.isFinite(value)) buckets.addSummary(xOf(step, timestamp), 1, value, value, value);
  }
}

/** The whole history, or null when it has more than `maxPoints` points. */
function rawSeries(db: SqliteDatabase, run: SeriesRun, key: string, xOf: XOf, maxPoints: number): MetricSeries | null {
  const rows = db
    .prepare('SELECT step, timestamp, value, is_nan FROM metrics WHERE run_pk = ? AND key = ? ORDER BY step, timestamp LIMIT ?')
    .raw()
    .all(run.runPk, key, maxPoints + 1) as Array<[number, number, number, number]>;
  if (rows.length > maxPoints) return null;
  const x: number[] = [];
  const y: (number | null)[] = [];
  for (const [step, timestamp, value, isNan] of rows) {
    x.push(xOf(step, timestamp));
    // NaN and infinities cannot be drawn: they leave a gap.
    y.push(isNan || !Number.isFinite(value) ? null : value);
  }
  return { runId: run.runId, key, total: rows.length, sampled: false, x, y };
}

/**
 * A history longer than the chart whose finite points (at most `maxPoints`) are few: mostly NaN or
 * infinities, which cannot be drawn. Its finite points are bucketed over the whole x range and
 * streamed, so the answer stays within `maxPoints` however long the history is.
 */
function finitePointsOfLongHistory(db: SqliteDatabase, run: SeriesRun, key: string, xOf: XOf, maxPoints: number, finiteCount: number): MetricSeries {
  const edge = (order: 'ASC' | 'DESC') =>
    db.prepare(`SELECT step, timestamp FROM metrics WHERE run_pk = ? AND key = ? ORDER BY step ${order}, timestamp ${order} LIMIT 1`).raw().get(run.runPk, key) as [number, number];
  const [firstStep, firstTimestamp] = edge('ASC');
  const [lastStep, lastTimestamp] = edge('DESC');
  const buckets = new Buckets(xOf(firstStep, firstTimestamp), xOf(lastStep, lastTimestamp), maxPoints);
  addFinitePoints(db, run, key, xOf, buckets);
  return { runId: run.runId, key, total: finiteCount, sampled: true, ...buckets.toSeries() };
}

class Buckets {
  private readonly buckets: (Bucket | undefined)[];
  private readonly width: number;

  constructor(
    private readonly lo: number,
    hi: number,
    private readonly size: number,
  ) {
    this.buckets = new Array<Bucket | undefined>(size);
    this.width = hi - lo || 1;
  }

  addSummary(x: number, count: number, sum: number, min: number, max: number): void {
    const index = Math.max(0, Math.min(this.size - 1, Math.floor(((x - this.lo) / this.width) * this.size)));
    const bucket = this.buckets[index];
    if (!bucket) {
      this.buckets[index] = { x, sum, count, min, max };
      return;
    }
    bucket.sum += sum;
    bucket.count += count;
    if (min < bucket.min) bucket.min = min;
    if (max > bucket.max) bucket.max = max;
  }

  toSeries(): Pick<MetricSeries, 'x' | 'y' | 'yMin' | 'yMax'> {
    const x: number[] = [];
    const y: number[] = [];
    const yMin: number[] = [];
    const yMax: number[] = [];
    for (const bucket of this.buckets) {
      if (!bucket) continue;
      x.push(bucket.x);
      y.push(bucket.sum / bucket.count);
      yMin.push(bucket.min);
      yMax.push(bucket.max);
    }
    return { x, y, yMin, yMax };
  }
}
