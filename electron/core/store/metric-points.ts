import type { Statement } from 'better-sqlite3';
import { BulkStatement } from './bulk-statement.js';
import type { SqliteDatabase } from './database.js';
import { BlockAccumulator, metricBlocksOf, type MetricBlocks } from './metric-blocks.js';

export interface MetricPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

/** MLflow's notion of "latest": highest step, then latest timestamp, then largest value (NaN lowest). */
function isLater(a: MetricPoint, b: MetricPoint): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  const av = Number.isNaN(a.value) ? -Infinity : a.value;
  const bv = Number.isNaN(b.value) ? -Infinity : b.value;
  return av > bv;
}

/** Keeps in `latest` the latest point of each key among its own and `points` (see isLater). */
function mergeLatest(latest: Map<string, MetricPoint>, points: readonly MetricPoint[]): void {
  for (const point of points) {
    const seen = latest.get(point.key);
    if (!seen || isLater(point, seen)) latest.set(point.key, point);
  }
}

/** Latest values and block summaries of the points inserted so far, per run, written once at the end. */
export class PendingSummaries {
  readonly latest = new Map<number, Map<string, MetricPoint>>();
  readonly blocks = new Map<number, BlockAccumulator>();

  blocksOf(runPk: number): BlockAccumulator {
    let blocks = this.blocks.get(runPk);
    if (!blocks) this.blocks.set(runPk, (blocks = new BlockAccumulator()));
    return blocks;
  }

  latestOf(runPk: number): Map<string, MetricPoint> {
    let latest = this.latest.get(runPk);
    if (!latest) this.latest.set(runPk, (latest = new Map()));
    return latest;
  }
}

/** The stored row stays when it is later than the incoming one (see isLater). */
const LATEST_CONFLICT = `ON CONFLICT (run_pk, key) DO UPDATE SET value = excluded.value, is_nan = excluded.is_nan,
    step = excluded.step, timestamp = excluded.timestamp
  WHERE excluded.step > latest_metrics.step
     OR (excluded.step = latest_metrics.step AND excluded.timestamp > latest_metrics.timestamp)
     OR (excluded.step = latest_metrics.step AND excluded.timestamp = latest_metrics.timestamp
         AND (CASE WHEN excluded.is_nan THEN -9e999 ELSE excluded.value END)
           > (CASE WHEN latest_metrics.is_nan THEN -9e999 ELSE latest_metrics.value END))`;

/** Thrown inside a savepoint to undo a bulk insert that met a point already stored. */
const REPEATED_POINT = Symbol('repeated point');

/**
 * Stores metric points in metrics, latest_metrics and metric_blocks. Every write is idempotent
 * and order-free (a point stored already is ignored and counts once in the blocks; the latest
 * row keeps the later point), so points may arrive in any order, twice, and from several
 * processes: the request path of a CLI and the queue fold of a server (metric-queue.ts) alike.
 */
export class MetricPointWriter {
  private readonly insertMetric: Statement;
  private readonly upsertLatest: Statement;
  private readonly bulkMetrics: BulkStatement;
  private readonly bulkLatest: BulkStatement;
  private readonly blocks: MetricBlocks;
  private readonly bumpDataVersion: Statement;

  constructor(private readonly db: SqliteDatabase) {
    this.insertMetric = db.prepare('INSERT OR IGNORE INTO metrics (run_pk, key, step, timestamp, value, is_nan) VALUES (?, ?, ?, ?, ?, ?)');
    this.upsertLatest = db.prepare(`INSERT INTO latest_metrics (run_pk, key, value, is_nan, step, timestamp) VALUES (?, ?, ?, ?, ?, ?) ${LATEST_CONFLICT}`);
    this.bulkLatest = new BulkStatement(db, 'INSERT INTO latest_metrics (run_pk, key, value, is_nan, step, timestamp) VALUES', 6, LATEST_CONFLICT);
    this.bulkMetrics = new BulkStatement(db, 'INSERT OR IGNORE INTO metrics (run_pk, key, step, timestamp, value, is_nan) VALUES', 6);
    this.blocks = metricBlocksOf(db);
    // latest_metrics has no trigger bumping the run's data version (a 1,000-key batch would fire
    // it 1,000 times): bumped once per run here, in the same transaction (see run-json.ts).
    this.bumpDataVersion = db.prepare('UPDATE runs SET data_version = data_version + 1 WHERE run_pk = ?');
  }

  /** Writes the points of one run; call inside a transaction. */
  write(runPk: number, points: readonly MetricPoint[]): void {
    if (points.length === 0) return;
    const pending = new PendingSummaries();
    this.insert(runPk, points, pending);
    this.writeSummaries(pending);
  }

  /**
   * Stores the points in metrics and adds what they change in latest_metrics and metric_blocks
   * to `pending`: a fold inserts many batches one by one, and writes those rows once.
   */
  insert(runPk: number, points: readonly MetricPoint[], pending: PendingSummaries): void {
    if (points.length === 0) return;
    const fresh = this.insertNew(runPk, points);
    const blocks = pending.blocksOf(runPk);
    for (const point of fresh) if (Number.isFinite(point.value)) blocks.add(point);
    mergeLatest(pending.latestOf(runPk), points);
  }

  /** Writes the latest values and block summaries gathered by insert(). */
  writeSummaries(pending: PendingSummaries): void {
    for (const [runPk, blocks] of pending.blocks) this.blocks.write(runPk, blocks);
    for (const [runPk, latest] of pending.latest) {
      const args: unknown[] = [];
      for (const [key, point] of latest) {
        const nan = Number.isNaN(point.value);
        args.push(runPk, key, nan ? 0 : point.value, nan ? 1 : 0, point.step, point.timestamp);
      }
      if (args.length === 0) continue;
      if (args.length === 6) this.upsertLatest.run(args);
      else this.bulkLatest.run(args);
      this.bumpDataVersion.run(runPk);
    }
  }

  /** Stores the points; returns those that were not stored already (each once). */
  private insertNew(runPk: number, points: readonly MetricPoint[]): readonly MetricPoint[] {
    if (this.insertAllNew(runPk, points)) return points;
    // Some point was stored already (a retried call) or comes twice: the table ignores it, so it
    // must not count twice in the blocks, and only one at a time tells which.
    const fresh: MetricPoint[] = [];
    for (const point of points) {
      const nan = Number.isNaN(point.value);
      if (this.insertMetric.run(runPk, point.key, point.step, point.timestamp, nan ? 0 : point.value, nan ? 1 : 0).changes) fresh.push(point);
    }
    return fresh;
  }

  /** Inserts every point in multi-row statements; undoes it all and answers false if any was not new. */
  private insertAllNew(runPk: number, points: readonly MetricPoint[]): boolean {
    const args = new Array<unknown>(points.length * 6);
    for (let i = 0; i < points.length; i++) {
      const point = points[i]!;
      const nan = Number.isNaN(point.value);
      args[i * 6] = runPk;
      args[i * 6 + 1] = point.key;
      args[i * 6 + 2] = point.step;
      args[i * 6 + 3] = point.timestamp;
      args[i * 6 + 4] = nan ? 0 : point.value;
      args[i * 6 + 5] = nan ? 1 : 0;
    }
    // One point that is not new inserted nothing: there is nothing to undo.
    if (points.length === 1) return this.insertMetric.run(args).changes === 1;
    try {
      this.db.transaction(() => {
        if (this.bulkMetrics.run(args) !== points.length) throw REPEATED_POINT;
      })();
      return true;
    } catch (error) {
      if (error === REPEATED_POINT) return false;
      throw error;
    }
  }
}
