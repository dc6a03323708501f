import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';
import { MetricPointWriter, PendingSummaries, type MetricPoint } from './metric-points.js';

/**
 * Rows of the queue folded per transaction. A transaction writes every page its points touch
 * (a page of each key's history, latest row and blocks: over 1,000 pages for 1,000 keys) however
 * few batches it folds, so folding many at once is what makes the fold cheaper than storing each
 * batch in its request; 32 wide batches still commit in a few tens of ms.
 */
const FOLD_ROWS = 32;
/**
 * Rows a chunk folds before it may end early for a waiting request: a chunk of one row would
 * write as many pages as a chunk of 32 and the fold would fall behind for good.
 */
const MIN_ROWS_BEFORE_YIELD = 8;

/** Lets a background fold keep out of the way of requests (see store-maintenance.ts). */
export interface FoldGate {
  /** Before each chunk: may wait; false stops the fold. */
  before(): boolean;
  /** After each queue row folded: true ends the chunk there (a request waits for the lock). */
  yield(): boolean;
  /** After each chunk, committed or not. */
  after(): void;
}

const ALWAYS: FoldGate = { before: () => true, yield: () => false, after: () => undefined };

/** JSON has no NaN or infinities: they travel as these strings. */
const NON_FINITE: Record<string, number> = { NaN, Infinity, '-Infinity': -Infinity };

/**
 * metric_block_queue: the tracking server's log-batch commits its points here as one row, and
 * they reach metrics, latest_metrics and metric_blocks in a later fold. Storing 1,000 points of
 * 1,000 distinct keys at once touched a page of every key's history, of latest_metrics and of
 * three block levels (several MB of WAL per request), while one queue row is a few pages; a fold
 * of many batches touches each page once for all of them.
 *
 * Nothing is ever read stale: every reader of those three tables folds what is queued (for its
 * run, or all) first, in its own process, so a CLI reading while the server writes sees every
 * point the server answered for. The row commits in the request's transaction, so a SIGKILL right
 * after the answer loses nothing, and a fold writes and dequeues in one transaction, so two
 * folders (the server's worker and a reader in another process) never apply a row twice.
 *
 * Rows with `stored = 1` come from schema version 8, which stored the points at once and queued
 * only their block summaries (finite, new points); they are folded into metric_blocks only.
 */
export class MetricQueue {
  private readonly enqueue: Statement;
  private readonly queuedAll: Statement;
  private readonly queuedOfRun: Statement;
  private readonly anyQueuedOfRun: Statement;
  private readonly anyQueued: Statement;
  private readonly dequeue: Statement;
  private readonly span: Statement;
  private readonly points: MetricPointWriter;

  constructor(private readonly db: SqliteDatabase) {
    this.enqueue = db.prepare('INSERT INTO metric_block_queue (run_pk, points, stored) VALUES (?, ?, 0)');
    const columns = 'seq, run_pk, stored, points FROM metric_block_queue';
    this.queuedAll = db.prepare(`SELECT ${columns} ORDER BY seq LIMIT ${FOLD_ROWS}`).raw();
    this.queuedOfRun = db.prepare(`SELECT ${columns} WHERE run_pk = ? ORDER BY seq LIMIT ${FOLD_ROWS}`).raw();
    this.anyQueuedOfRun = db.prepare('SELECT 1 FROM metric_block_queue WHERE run_pk = ? LIMIT 1').pluck();
    this.anyQueued = db.prepare('SELECT 1 FROM metric_block_queue LIMIT 1').pluck();
    this.span = db.prepare('SELECT coalesce(max(seq) - min(seq) + 1, 0) FROM metric_block_queue').pluck();
    this.dequeue = db.prepare('DELETE FROM metric_block_queue WHERE seq IN (SELECT value FROM json_each(?))');
    this.points = new MetricPointWriter(db);
  }

  /** Queues the points of one run, whole; call inside the transaction of the request. */
  add(runPk: number, points: readonly MetricPoint[]): void {
    if (points.length === 0) return;
    // JSON keeps every double exactly (JS prints the shortest text that reads back the same).
    const flat = new Array<string | number>(points.length * 4);
    for (let i = 0; i < points.length; i++) {
      const p = points[i]!;
      flat[i * 4] = p.key;
      flat[i * 4 + 1] = p.step;
      flat[i * 4 + 2] = p.timestamp;
      flat[i * 4 + 3] = Number.isFinite(p.value) ? p.value : String(p.value);
    }
    this.enqueue.run(runPk, JSON.stringify(flat));
  }

  /** About how many rows are queued (exact unless rows were folded out of order), cheaply. */
  backlog(): number {
    return this.span.get() as number;
  }

  /**
   * Folds queued points: all runs' or one run's, FOLD_ROWS queue rows per transaction, until
   * none is left. Returns the queue rows folded.
   */
  fold(runPk?: number, gate: FoldGate = ALWAYS): number {
    if ((runPk === undefined ? this.anyQueued.get() : this.anyQueuedOfRun.get(runPk)) === undefined) return 0;
    let folded = 0;
    while (gate.before()) {
      let chunk: { rows: number; last: boolean };
      try {
        // Immediate: the rows read must be the rows deleted, even with another process folding too.
        chunk = this.db.transaction(() => this.foldChunk(runPk, gate)).immediate();
      } finally {
        gate.after();
      }
      folded += chunk.rows;
      if (chunk.last) break;
    }
    return folded;
  }

  /** One transaction: up to FOLD_ROWS rows, fewer when the gate asks to give the lock back. */
  private foldChunk(runPk: number | undefined, gate: FoldGate): { rows: number; last: boolean } {
    const queued = (runPk === undefined ? this.queuedAll.all() : this.queuedOfRun.all(runPk)) as Array<[number, number, number, string]>;
    const pending = new PendingSummaries();
    const folded: number[] = [];
    for (const [seq, pk, stored, text] of queued) {
      const flat = JSON.parse(text) as Array<string | number>;
      if (stored) {
        const blocks = pending.blocksOf(pk);
        for (let i = 0; i < flat.length; i += 4) {
          blocks.add({ key: flat[i] as string, step: flat[i + 1] as number, timestamp: flat[i + 2] as number, value: flat[i + 3] as number });
        }
      } else {
        const points: MetricPoint[] = [];
        for (let i = 0; i < flat.length; i += 4) {
          const value = flat[i + 3]!;
          points.push({ key: flat[i] as string, step: flat[i + 1] as number, timestamp: flat[i + 2] as number, value: typeof value === 'number' ? value : NON_FINITE[value]! });
        }
        this.points.insert(pk, inKeyOrder(points), pending);
      }
      folded.push(seq);
      // The rows so far commit now; the rest wait for the next chunk.
      if (folded.length >= MIN_ROWS_BEFORE_YIELD && gate.yield()) break;
    }
    this.points.writeSummaries(pending);
    if (folded.length > 0) this.dequeue.run(JSON.stringify(folded));
    // Fewer rows than asked for, all folded: the queue was empty after them.
    return { rows: folded.length, last: queued.length < FOLD_ROWS && folded.length === queued.length };
  }
}

/**
 * The points grouped by key, keys in order, each key's points in queue order (steps ascending,
 * as a training loop logs them): the inserts then walk each b-tree forward instead of jumping
 * between 1,000 places, and no sort compares every point.
 */
function inKeyOrder(points: MetricPoint[]): MetricPoint[] {
  const byKey = new Map<string, MetricPoint[]>();
  for (const point of points) {
    const list = byKey.get(point.key);
    if (list) list.push(point);
    else byKey.set(point.key, [point]);
  }
  const ordered: MetricPoint[] = [];
  for (const key of [...byKey.keys()].sort()) for (const point of byKey.get(key)!) ordered.push(point);
  return ordered;
}

const perDatabase = new WeakMap<SqliteDatabase, MetricQueue>();

/** The MetricQueue of a connection, its statements prepared once. */
export function metricQueueOf(db: SqliteDatabase): MetricQueue {
  let queue = perDatabase.get(db);
  if (!queue) {
    queue = new MetricQueue(db);
    perDatabase.set(db, queue);
  }
  return queue;
}
