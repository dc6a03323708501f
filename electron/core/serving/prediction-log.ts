/**
 * The prediction log: every scored row, written to the lineage store by group commit. Request
 * handlers only queue rows; one flush per event-loop turn writes everything queued in one
 * transaction, and each request is answered once its rows are committed. So an answered
 * prediction is on disk (WAL, survives a killed process), a busy server writes few large
 * transactions instead of many small ones, and a store that cannot keep up makes requests wait
 * and, past a bound, refuses them with 503: a row is never dropped silently.
 */
import { MLDeskError } from '../errors.js';
import type { SqliteDatabase } from '../store/database.js';

export type WirePrediction = { label: string; probabilities: Record<string, number> } | { value: number };

export interface PredictionLogRow {
  requestId: string;
  modelName: string;
  modelVersion: number;
  runId: string | null;
  inputs: Record<string, unknown>;
  output: WirePrediction;
  latencyUs: number;
  endpoint: string;
  time: number;
}

export interface PredictionLogCounters {
  /** Rows committed to the store. */
  written: number;
  /** Rows whose transaction failed: their requests were answered with an error, never as logged. */
  failed: number;
  /** Rows refused before scoring because the queue was full (backpressure, HTTP 503). */
  rejected: number;
  batches: number;
  /** Rows queued and not yet committed. */
  pending: number;
  /** Time spent inside commits, for the metrics endpoint. */
  commitSeconds: number;
}

/** Thrown when the queue is full: the caller answers 503 and scores nothing. */
export class PredictionLogFullError extends MLDeskError {
  constructor(pending: number, limit: number) {
    super('TEMPORARILY_UNAVAILABLE', `The prediction log is behind (${pending} rows waiting, limit ${limit}); nothing was scored. Retry shortly.`);
  }
}

interface Waiter {
  rows: PredictionLogRow[];
  resolve: () => void;
  reject: (error: Error) => void;
}

export interface PredictionLogOptions {
  /** Rows that may wait for a commit before new requests are refused. */
  maxPendingRows?: number;
  /** Called after each commit, e.g. to tell an open UI that rows arrived. */
  onCommit?: (rows: number) => void;
}

export class PredictionLogWriter {
  private queue: Waiter[] = [];
  private scheduled = false;
  private closed = false;
  private readonly maxPending: number;
  private readonly insert;
  readonly counters: PredictionLogCounters = { written: 0, failed: 0, rejected: 0, batches: 0, pending: 0, commitSeconds: 0 };

  constructor(
    private readonly db: SqliteDatabase,
    private readonly options: PredictionLogOptions = {},
  ) {
    this.maxPending = options.maxPendingRows ?? 20_000;
    this.insert = db.prepare(
      `INSERT INTO predictions (request_id, model_name, model_version, run_id, inputs_json, output_json, predicted_label, predicted_value, latency_us, endpoint, created_time)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** Throws PredictionLogFullError when `rows` more would exceed the bound (check before scoring). */
  reserve(rows: number): void {
    if (this.closed) throw new MLDeskError('TEMPORARILY_UNAVAILABLE', 'The model server is shutting down; nothing was scored.');
    if (this.counters.pending + rows > this.maxPending) {
      this.counters.rejected += rows;
      throw new PredictionLogFullError(this.counters.pending, this.maxPending);
    }
  }

  /** Queues rows; resolves once they are committed, rejects if their transaction failed. */
  append(rows: PredictionLogRow[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      this.counters.pending += rows.length;
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything queued now, in one transaction. */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    const count = batch.reduce((sum, waiter) => sum + waiter.rows.length, 0);
    const started = performance.now();
    try {
      this.db.transaction(() => {
        for (const waiter of batch) {
          for (const row of waiter.rows) {
            const label = 'label' in row.output ? row.output.label : null;
            const value = 'value' in row.output ? row.output.value : null;
            this.insert.run(row.requestId, row.modelName, row.modelVersion, row.runId, JSON.stringify(row.inputs), JSON.stringify(row.output), label, value, row.latencyUs, row.endpoint, row.time);
          }
        }
      })();
    } catch (error) {
      this.counters.pending -= count;
      this.counters.failed += count;
      const failure = new MLDeskError('INTERNAL_ERROR', `The prediction could not be logged, so it is not returned: ${(error as Error).message}`);
      for (const waiter of batch) waiter.reject(failure);
      return;
    }
    this.counters.commitSeconds += (performance.now() - started) / 1000;
    this.counters.pending -= count;
    this.counters.written += count;
    this.counters.batches++;
    for (const waiter of batch) waiter.resolve();
    this.options.onCommit?.(count);
  }

  /** Refuses new rows and commits what is queued. */
  close(): void {
    this.closed = true;
    this.flush();
  }
}
