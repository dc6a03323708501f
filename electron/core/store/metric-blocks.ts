import type { Statement } from 'better-sqlite3';
import { BulkStatement } from './bulk-statement.js';
import type { SqliteDatabase } from './database.js';

/** metric_blocks summarise finite values over blocks of 2^level steps: 32, 256 and 2,048. */
export const BLOCK_LEVELS = [5, 8, 11] as const;

export interface BlockPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

interface Block {
  key: string;
  level: number;
  block: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  firstStep: number;
  lastStep: number;
  firstTimestamp: number;
  lastTimestamp: number;
}

/** Folds points into metric_blocks rows before writing them: one upsert per block, not per point. */
export class BlockAccumulator {
  private readonly blocks = new Map<string, Block>();

  add(point: BlockPoint): void {
    for (const level of BLOCK_LEVELS) {
      const block = Math.floor(point.step / 2 ** level);
      const id = `${level}\u0000${block}\u0000${point.key}`;
      const b = this.blocks.get(id);
      if (!b) {
        this.blocks.set(id, {
          key: point.key, level, block, count: 1, sum: point.value, min: point.value, max: point.value,
          firstStep: point.step, lastStep: point.step, firstTimestamp: point.timestamp, lastTimestamp: point.timestamp,
        });
        continue;
      }
      b.count++;
      b.sum += point.value;
      if (point.value < b.min) b.min = point.value;
      if (point.value > b.max) b.max = point.value;
      if (point.step < b.firstStep) b.firstStep = point.step;
      if (point.step > b.lastStep) b.lastStep = point.step;
      if (point.timestamp < b.firstTimestamp) b.firstTimestamp = point.timestamp;
      if (point.timestamp > b.lastTimestamp) b.lastTimestamp = point.timestamp;
    }
  }

  get size(): number {
    return this.blocks.size;
  }

  values(): IterableIterator<Block> {
    return this.blocks.values();
  }
}

const BLOCK_INSERT =
  'INSERT INTO metric_blocks (run_pk, key, level, block, count, sum, min, max, first_step, last_step, first_timestamp, last_timestamp)';
const BLOCK_CONFLICT = `ON CONFLICT (run_pk, key, level, block) DO UPDATE SET
    count = count + excluded.count, sum = sum + excluded.sum,
    min = min(min, excluded.min), max = max(max, excluded.max),
    first_step = min(first_step, excluded.first_step), last_step = max(last_step, excluded.last_step),
    first_timestamp = min(first_timestamp, excluded.first_timestamp), last_timestamp = max(last_timestamp, excluded.last_timestamp)`;

/** Rows of the queue folded per transaction, so a fold never holds the write lock for long. */
const FOLD_ROWS = 16;

/**
 * Writes metric_blocks, either at once or through metric_block_queue. The queue exists for the
 * tracking server: updating three blocks per key was the largest part of a log-batch with 1,000
 * distinct keys (3,000 upserts over as many pages), while appending the batch's points to the
 * queue is one row. A background fold (store-maintenance.ts) then updates the blocks of many
 * batches at once, and any reader of blocks folds what is queued for its run first, so blocks are
 * never read stale. The queue row commits with the points, so a crash loses nothing.
 */
export class MetricBlocks {
  private readonly upsertOne: Statement;
  private readonly upsertMany: BulkStatement;
  private readonly enqueue: Statement;
  private readonly queuedAll: Statement;
  private readonly queuedOfRun: Statement;
  private readonly anyQueuedOfRun: Statement;
  private readonly anyQueued: Statement;
  private readonly dequeue: Statement;

  constructor(private readonly db: SqliteDatabase) {
    this.upsertOne = db.prepare(`${BLOCK_INSERT} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ${BLOCK_CONFLICT}`);
    this.upsertMany = new BulkStatement(db, `${BLOCK_INSERT} VALUES`, 12, BLOCK_CONFLICT);
    this.enqueue = db.prepare('INSERT INTO metric_block_queue (run_pk, points) VALUES (?, ?)');
    this.queuedAll = db.prepare(`SELECT seq, run_pk, points FROM metric_block_queue ORDER BY seq LIMIT ${FOLD_ROWS}`).raw();
    this.queuedOfRun = db.prepare(`SELECT seq, run_pk, points FROM metric_block_queue WHERE run_pk = ? ORDER BY seq LIMIT ${FOLD_ROWS}`).raw();
    this.anyQueuedOfRun = db.prepare('SELECT 1 FROM metric_block_queue WHERE run_pk = ? LIMIT 1').pluck();
    this.anyQueued = db.prepare('SELECT 1 FROM metric_block_queue LIMIT 1').pluck();
    this.dequeue = db.prepare('DELETE FROM metric_block_queue WHERE seq IN (SELECT value FROM json_each(?))');
  }

  /** Upserts the blocks of new finite points now. */
  write(runPk: number, blocks: BlockAccumulator): void {
    const args: unknown[] = [];
    for (const b of blocks.values()) {
      args.push(runPk, b.key, b.level, b.block, b.count, b.sum, b.min, b.max, b.firstStep, b.lastStep, b.firstTimestamp, b.lastTimestamp);
    }
    if (args.length === 12) this.upsertOne.run(args);
    else if (args.length > 0) this.upsertMany.run(args);
  }

  /** Queues new finite points for a later fold; call inside the transaction that stores them. */
  queue(runPk: number, points: BlockPoint[]): void {
    if (points.length === 0) return;
    // JSON keeps every double exactly (JS prints the shortest text that reads back the same).
    const flat: Array<string | number> = [];
    for (const p of points) flat.push(p.key, p.step, p.timestamp, p.value);
    this.enqueue.run(runPk, JSON.stringify(flat));
  }

  /**
   * Folds queued points into metric_blocks: all runs' or one run's, FOLD_ROWS queue rows per
   * transaction. `beforeChunk` may hold the next chunk back or stop the fold (returns false).
   * Returns the queue rows folded.
   */
  fold(runPk?: number, beforeChunk: () => boolean = () => true): number {
    if ((runPk === undefined ? this.anyQueued.get() : this.anyQueuedOfRun.get(runPk)) === undefined) return 0;
    let folded = 0;
    while (beforeChunk()) {
      // Immediate: the rows read must be the rows deleted, even with another process folding too.
      const rows = this.db
        .transaction(() => {
          const queued = (runPk === undefined ? this.queuedAll.all() : this.queuedOfRun.all(runPk)) as Array<[number, number, string]>;
          const byRun = new Map<number, BlockAccumulator>();
          for (const [, pk, text] of queued) {
            let blocks = byRun.get(pk);
            if (!blocks) byRun.set(pk, (blocks = new BlockAccumulator()));
            const flat = JSON.parse(text) as Array<string | number>;
            for (let i = 0; i < flat.length; i += 4) {
              blocks.add({ key: flat[i] as string, step: flat[i + 1] as number, timestamp: flat[i + 2] as number, value: flat[i + 3] as number });
            }
          }
          for (const [pk, blocks] of byRun) this.write(pk, blocks);
          if (queued.length > 0) this.dequeue.run(JSON.stringify(queued.map(([seq]) => seq)));
          return queued.length;
        })
        .immediate();
      folded += rows;
      if (rows < FOLD_ROWS) break;
    }
    return folded;
  }
}

const perDatabase = new WeakMap<SqliteDatabase, MetricBlocks>();

/** The MetricBlocks of a connection, its statements prepared once. */
export function metricBlocksOf(db: SqliteDatabase): MetricBlocks {
  let blocks = perDatabase.get(db);
  if (!blocks) {
    blocks = new MetricBlocks(db);
    perDatabase.set(db, blocks);
  }
  return blocks;
}
