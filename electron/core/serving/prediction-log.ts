/**
 * The prediction log: every scored row, written to the lineage store by group commit on a writer
 * thread. Request handlers only queue rows; at the end of each task everything queued goes to
 * the writer thread as one batch, committed in one transaction on the thread's own connection,
 * and each request is answered once its rows are committed. So an answered prediction is on disk
 * (WAL, survives a killed process), SQLite's commits and checkpoints never stall the request
 * thread, and a store that cannot keep up makes requests wait and, past a bound, refuses them
 * with 503: a row is never dropped silently.
 */
import { Worker } from 'node:worker_threads';
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

/**
 * A batch crosses to the writer thread as one string, a row a line, the INSERT's columns in order
 * separated by tabs; text that could hold a tab or a newline is JSON (which escapes both), and
 * inputs and output are the JSON stored as is. Copying one string is cheap; structured cloning
 * the rows cost the request thread ~10%, and a JSON batch cost the writer a parse and two
 * re-serialisations per row.
 */
export interface LogBatchMessage {
  type: 'batch';
  id: number;
  /** Rows, one per line (see encodeRow). */
  rows: string;
}

/** Columns: request_id, model_name (JSON), model_version, run_id ('' = null), inputs_json, output_json, predicted_label (JSON, '' = null), predicted_value ('' = null), latency_us, endpoint, created_time. */
export function encodeRow(row: PredictionLogRow): string {
  const label = 'label' in row.output ? JSON.stringify(row.output.label) : '';
  const value = 'value' in row.output ? String(row.output.value) : '';
  return `${row.requestId}\t${JSON.stringify(row.modelName)}\t${row.modelVersion}\t${row.runId ?? ''}\t${JSON.stringify(row.inputs)}\t${JSON.stringify(row.output)}\t${label}\t${value}\t${row.latencyUs}\t${row.endpoint}\t${row.time}`;
}

export type LogRowValues = [string, string, number, string | null, string, string, string | null, number | null, number, string, number];

export function decodeRows(text: string): LogRowValues[] {
  return text.split('\n').map((line) => {
    const [requestId, model, version, runId, inputs, output, label, value, latencyUs, endpoint, time] = line.split('\t') as string[];
    return [requestId!, JSON.parse(model!) as string, Number(version), runId || null, inputs!, output!, label ? (JSON.parse(label) as string) : null, value ? Number(value) : null, Number(latencyUs), endpoint!, Number(time)];
  });
}

export type LogReplyMessage = { id: number; ok: true; commitMs: number } | { id: number; ok: false; error: string; commitMs: number };

interface Waiter {
  rows: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export interface PredictionLogOptions {
  /** Rows that may wait for a commit before new requests are refused. */
  maxPendingRows?: number;
}

const WORKER_URL = import.meta.url.endsWith('.ts') ? new URL('./prediction-log-worker-source.mjs', import.meta.url) : new URL('./prediction-log-worker.js', import.meta.url);

export class PredictionLogWriter {
  private queue: string[] = [];
  private queueWaiters: Waiter[] = [];
  /** Posted batches awaiting the writer's answer; `settled` resolves `done`, which drain() awaits. */
  private readonly inFlight = new Map<number, { waiters: Waiter[]; settled: () => void; done: Promise<void> }>();
  private nextBatch = 1;
  private scheduled = false;
  private closed = false;
  private failure: Error | undefined;
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private readonly maxPending: number;
  readonly counters: PredictionLogCounters = { written: 0, failed: 0, rejected: 0, batches: 0, pending: 0, commitSeconds: 0 };

  constructor(
    db: SqliteDatabase,
    options: PredictionLogOptions = {},
  ) {
    this.maxPending = options.maxPendingRows ?? 20_000;
    // An empty execArgv keeps a test runner's loaders and inspector flags out of the thread.
    this.worker = new Worker(WORKER_URL, { workerData: { databasePath: db.name }, execArgv: [] });
    this.worker.on('message', (reply: LogReplyMessage) => this.settle(reply));
    this.worker.on('error', (error) => this.fail(new MLDeskError('INTERNAL_ERROR', `The prediction log writer stopped: ${error.message}`)));
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.once('exit', () => this.fail(new MLDeskError('INTERNAL_ERROR', 'The prediction log writer has exited.')));
  }

  /** Throws PredictionLogFullError when `rows` more would exceed the bound (check before scoring). */
  reserve(rows: number): void {
    if (this.closed) throw new MLDeskError('TEMPORARILY_UNAVAILABLE', 'The model server is shutting down; nothing was scored.');
    if (this.failure) throw this.failure;
    if (this.counters.pending + rows > this.maxPending) {
      this.counters.rejected += rows;
      throw new PredictionLogFullError(this.counters.pending, this.maxPending);
    }
  }

  /** Queues rows; resolves once they are committed, rejects if their transaction failed. */
  append(rows: PredictionLogRow[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      for (const row of rows) this.queue.push(encodeRow(row));
      this.queueWaiters.push({ rows: rows.length, resolve, reject });
      this.counters.pending += rows.length;
      if (!this.scheduled) {
        // After the current task's microtasks: every request answered by one micro-batch appends
        // in that drain, so they all go in one batch without waiting for another loop turn.
        this.scheduled = true;
        queueMicrotask(() => this.post());
      }
    });
  }

  /** Sends everything queued to the writer thread as one batch (it commits waiting batches together). */
  private post(): void {
    this.scheduled = false;
    if (this.queueWaiters.length === 0) return;
    const id = this.nextBatch++;
    const message: LogBatchMessage = { type: 'batch', id, rows: this.queue.join('\n') };
    let settled!: () => void;
    const done = new Promise<void>((resolve) => (settled = resolve));
    this.inFlight.set(id, { waiters: this.queueWaiters, settled, done });
    this.queue = [];
    this.queueWaiters = [];
    this.worker.postMessage(message);
  }

  private settle(reply: LogReplyMessage): void {
    const batch = this.inFlight.get(reply.id);
    if (!batch) return;
    this.inFlight.delete(reply.id);
    batch.settled();
    const waiters = batch.waiters;
    const count = waiters.reduce((sum, waiter) => sum + waiter.rows, 0);
    this.counters.pending -= count;
    this.counters.commitSeconds += reply.commitMs / 1000;
    if (!reply.ok) {
      this.counters.failed += count;
      const failure = new MLDeskError('INTERNAL_ERROR', `The prediction could not be logged, so it is not returned: ${reply.error}`);
      for (const waiter of waiters) waiter.reject(failure);
      return;
    }
    this.counters.written += count;
    this.counters.batches++;
    for (const waiter of waiters) waiter.resolve();
  }

  /** The writer thread is gone: everything waiting fails loudly, and so does everything after. */
  private fail(error: Error): void {
    if (this.closed && this.inFlight.size === 0 && this.queueWaiters.length === 0) return;
    this.failure ??= error;
    const batches = [...this.inFlight.values()];
    const waiting = [...batches.flatMap((batch) => batch.waiters), ...this.queueWaiters];
    this.inFlight.clear();
    for (const batch of batches) batch.settled();
    this.queueWaiters = [];
    this.queue = [];
    for (const waiter of waiting) {
      this.counters.pending -= waiter.rows;
      this.counters.failed += waiter.rows;
      waiter.reject(error);
    }
  }

  /** Resolves once everything queued so far is committed (or has failed). */
  async drain(): Promise<void> {
    this.post();
    while (this.inFlight.size > 0) {
      await Promise.all([...this.inFlight.values()].map((batch) => batch.done));
    }
  }

  /** Refuses new rows, commits what is queued, and stops the writer thread. */
  async close(): Promise<void> {
    if (this.closed) return this.exited;
    this.closed = true;
    await this.drain();
    this.worker.postMessage({ type: 'close' });
    await this.exited;
  }
}
