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
  /** Per key, per level, the blocks by number: no string built per point and level. */
  private readonly byKey = new Map<string, Array<Map<number, Block>>>();
  private lastKey: string | undefined;
  private lastLevels: Array<Map<number, Block>> = [];
  private count = 0;

  add(point: BlockPoint): void {
    // Points come grouped by key (a fold sorts them): the previous key's blocks are usually the ones.
    if (point.key !== this.lastKey) {
      let levels = this.byKey.get(point.key);
      if (!levels) this.byKey.set(point.key, (levels = BLOCK_LEVELS.map(() => new Map<number, Block>())));
      this.lastKey = point.key;
      this.lastLevels = levels;
    }
    for (let i = 0; i < BLOCK_LEVELS.length; i++) {
      const level = BLOCK_LEVELS[i]!;
      const block = Math.floor(point.step / 2 ** level);
      const blocks = this.lastLevels[i]!;
      const b = blocks.get(block);
      if (!b) {
        blocks.set(block, {
          key: point.key, level, block, count: 1, sum: point.value, min: point.value, max: point.value,
          firstStep: point.step, lastStep: point.step, firstTimestamp: point.timestamp, lastTimestamp: point.timestamp,
        });
        this.count++;
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
    return this.count;
  }

  *values(): IterableIterator<Block> {
    for (const levels of this.byKey.values()) for (const blocks of levels) yield* blocks.values();
  }
}

const BLOCK_INSERT =
  'INSERT INTO metric_blocks (run_pk, key, level, block, count, sum, min, max, first_step, last_step, first_timestamp, last_timestamp)';
const BLOCK_CONFLICT = `ON CONFLICT (run_pk, key, level, block) DO UPDATE SET
    count = count + excluded.count, sum = sum + excluded.sum,
    min = min(min, excluded.min), max = max(max, excluded.max),
    first_step = min(first_step, excluded.first_step), last_step = max(last_step, excluded.last_step),
    first_timestamp = min(first_timestamp, excluded.first_timestamp), last_timestamp = max(last_timestamp, excluded.last_timestamp)`;

/**
 * Upserts metric_blocks rows. The tracking server does not write them in its requests: it queues
 * a batch's points whole (metric-queue.ts) and they reach metrics, latest_metrics and these
 * blocks in a later fold.
 */
export class MetricBlocks {
  private readonly upsertOne: Statement;
  private readonly upsertMany: BulkStatement;

  constructor(db: SqliteDatabase) {
    this.upsertOne = db.prepare(`${BLOCK_INSERT} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ${BLOCK_CONFLICT}`);
    this.upsertMany = new BulkStatement(db, `${BLOCK_INSERT} VALUES`, 12, BLOCK_CONFLICT);
  }

  /** Upserts the blocks of new finite points now; call inside a transaction. */
  write(runPk: number, blocks: BlockAccumulator): void {
    const args: unknown[] = [];
    for (const b of blocks.values()) {
      args.push(runPk, b.key, b.level, b.block, b.count, b.sum, b.min, b.max, b.firstStep, b.lastStep, b.firstTimestamp, b.lastTimestamp);
    }
    if (args.length === 12) this.upsertOne.run(args);
    else if (args.length > 0) this.upsertMany.run(args);
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
