/**
 * The prediction log: every scored row, kept so that logging costs the request thread one file
 * write per micro-batch and never a wait on another thread.
 * 1. Before a micro-batch's answers are sent, its rows are appended to this server's journal
 *    (prediction-journal/ beside the lineage database) with one write. Written to the operating
 *    system, they survive a killed server, as SQLite's WAL commits do (neither syncs the disk on
 *    each commit; synchronous=NORMAL).
 * 2. A writer thread moves journaled rows into the `predictions` table every few milliseconds, in
 *    transactions that record how far the journal was read (prediction-journal.ts), so SQLite's
 *    commits and checkpoints never stall requests. A journal left by a server that died is
 *    replayed by the next model server or the app (recoverJournals).
 * Rows journaled but not yet moved are counted as pending; past a bound new requests are refused
 * with 503 before anything is scored. A failed journal write fails its requests with 500, so a
 * prediction is never answered without being logged, and nothing is dropped silently.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { MLDeskError } from '../errors.js';
import type { SqliteDatabase } from '../store/database.js';
import { JournalOwnerLock } from './journal-owner.js';
import { journalDirOf, journalFileName } from './prediction-journal.js';
import type { Refusal } from './prediction-refusals.js';
import { WriterScheduling, type WriterSchedulingOptions } from './writer-scheduling.js';

export interface PredictionLogCounters {
  /** Rows written to the journal (each before its answer was sent). */
  journaled: number;
  /** Rows moved from the journal into the predictions table. */
  written: number;
  /** Journal lines the writer did not insert: already in the table (a repeated move) or unreadable. */
  ignored: number;
  /** Rows whose journal write failed: their requests were answered with an error, never as logged. */
  failed: number;
  /** Rows refused before scoring because too many were pending (backpressure, HTTP 503). */
  rejected: number;
  /** Rows journaled and not yet in the predictions table. */
  pending: number;
  /** Transactions that moved rows into the table. */
  batches: number;
  /** Time spent moving rows (reading the journal, inserting, committing), for the metrics endpoint. */
  commitSeconds: number;
  /** Moves that failed and will be retried (the rows stay in the journal). */
  moveErrors: number;
  /** 1 while the writer thread runs SCHED_IDLE (writer-scheduling.ts), 0 otherwise. */
  writerIdle: number;
  /** Times the writer was raised to ordinary scheduling: rows backed up, or a flush or the close waited on it. */
  writerRaises: number;
}

/** Thrown when too many rows are pending: the caller answers 503 and scores nothing. */
export class PredictionLogFullError extends MLDeskError {
  constructor(pending: number, limit: number) {
    super('TEMPORARILY_UNAVAILABLE', `The prediction log is behind (${pending} rows waiting, limit ${limit}); nothing was scored. Retry shortly.`);
  }
}

/** Messages to the writer thread. */
export type WriterMessage = { type: 'rotate'; journal: string } | { type: 'refusals'; refusals: Refusal[] } | { type: 'flush'; id: number } | { type: 'close' };
/** Messages from it. */
export type WriterReply =
  | { type: 'started'; threadId: number | null }
  | { type: 'moved'; rows: number; ignored: number; commitMs: number }
  | { type: 'move-failed'; error: string }
  | { type: 'flushed'; id: number };

export interface WriterData {
  databasePath: string;
  journalDir: string;
  journal: string;
  intervalMs: number;
}

export interface PredictionLogOptions {
  /** Rows that may wait for the writer before new requests are refused. */
  maxPendingRows?: number;
  /** How often the writer thread moves journaled rows into the table (ms; default 100). */
  intervalMs?: number;
  /** A journal file is closed and a new one started past this size (the writer removes finished ones). */
  rotateBytes?: number;
  /** When the writer thread runs SCHED_IDLE and when it is raised (Linux); false leaves it at nice 10. */
  scheduling?: WriterSchedulingOptions | false;
}

/** How often the server looks whether the writer thread must be raised (writer-scheduling.ts). */
const SCHEDULING_CHECK_MS = 250;

const WORKER_URL = import.meta.url.endsWith('.ts') ? new URL('./prediction-log-worker-source.mjs', import.meta.url) : new URL('./prediction-log-worker.js', import.meta.url);

export class PredictionLog {
  private fd = -1;
  private journalBytes = 0;
  private closed = false;
  private failure: Error | undefined;
  private readonly dir: string;
  /** Held while this log may write journals: others replay them only once it is free. */
  private readonly ownerLock: JournalOwnerLock;
  private journalCount = 0;
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private readonly maxPending: number;
  private readonly rotateBytes: number;
  private readonly flushes = new Map<number, () => void>();
  private nextFlush = 1;
  private readonly schedulingOptions: WriterSchedulingOptions | false;
  /** The writer thread's scheduling, once it has reported its thread id (Linux only). */
  scheduling: WriterScheduling | undefined;
  private schedulingTimer: NodeJS.Timeout | undefined;
  /** When the oldest row still pending was journaled (or the last move, if later). */
  private waitingSince = 0;
  readonly counters: PredictionLogCounters = { journaled: 0, written: 0, ignored: 0, failed: 0, rejected: 0, pending: 0, batches: 0, commitSeconds: 0, moveErrors: 0, writerIdle: 0, writerRaises: 0 };
  /** Why the last move failed, while moves are failing. */
  lastMoveError: string | undefined;
  private readonly started: Promise<void>;
  private settleStart: ((error?: Error) => void) | undefined;

  constructor(db: SqliteDatabase, options: PredictionLogOptions = {}) {
    this.maxPending = options.maxPendingRows ?? 100_000;
    this.rotateBytes = options.rotateBytes ?? 32 * 1024 * 1024;
    this.schedulingOptions = options.scheduling ?? {};
    this.dir = journalDirOf(db.name);
    mkdirSync(this.dir, { recursive: true });
    this.ownerLock = JournalOwnerLock.acquire(this.dir);
    const journal = this.newJournal();
    const workerData: WriterData = { databasePath: db.name, journalDir: this.dir, journal, intervalMs: options.intervalMs ?? 100 };
    // An empty execArgv keeps a test runner's loaders and inspector flags out of the thread.
    this.started = new Promise<void>((resolve, reject) => {
      this.settleStart = (error) => {
        this.settleStart = undefined;
        if (error) reject(error);
        else resolve();
      };
    });
    // Nobody may ask: a writer that fails later is reported through reserve() and write().
    this.started.catch(() => undefined);
    this.worker = new Worker(WORKER_URL, { workerData, execArgv: [] });
    this.worker.on('message', (reply: WriterReply) => this.onReply(reply));
    this.worker.on('error', (error) => this.fail(new MLDeskError('INTERNAL_ERROR', `The prediction log writer stopped: ${error.message}`)));
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.once('exit', () => this.fail(new MLDeskError('INTERNAL_ERROR', 'The prediction log writer has exited.')));
  }

  /** Opens a fresh journal file (named after this log's owner lock) and returns its name. */
  private newJournal(): string {
    const name = journalFileName(this.ownerLock.owner, this.journalCount++);
    this.fd = openSync(join(this.dir, name), 'a');
    this.journalBytes = 0;
    return name;
  }

  /** Throws when `rows` more may not be scored now: the log is behind (503) or broken (500). */
  reserve(rows: number): void {
    if (this.closed) throw new MLDeskError('TEMPORARILY_UNAVAILABLE', 'The model server is shutting down; nothing was scored.');
    if (this.failure) throw this.failure;
    if (this.counters.pending + rows > this.maxPending) {
      this.counters.rejected += rows;
      throw new PredictionLogFullError(this.counters.pending, this.maxPending);
    }
  }

  /**
   * Appends rows (journal lines, see encodeRow) with one write; when it returns they are logged.
   * A write that fails or is cut short throws, and the journal is abandoned for a new one, so a
   * torn line only ever ends a journal (where the writer leaves it).
   */
  write(lines: string[]): void {
    if (this.closed) throw new MLDeskError('TEMPORARILY_UNAVAILABLE', 'The model server is shutting down; nothing was scored.');
    if (this.failure) throw this.failure;
    const text = `${lines.join('\n')}\n`;
    let written = 0;
    try {
      written = writeSync(this.fd, text);
      const expected = Buffer.byteLength(text);
      if (written !== expected) throw new Error(`only ${written} of ${expected} bytes were written`);
    } catch (error) {
      this.counters.failed += lines.length;
      this.rotate();
      throw new MLDeskError('INTERNAL_ERROR', `The prediction could not be logged, so it is not returned: ${(error as Error).message}`);
    }
    if (this.counters.pending === 0) this.waitingSince = performance.now();
    this.counters.journaled += lines.length;
    this.counters.pending += lines.length;
    this.journalBytes += written;
    if (this.journalBytes >= this.rotateBytes) this.rotate();
  }

  private rotate(): void {
    try {
      closeSync(this.fd);
      const journal = this.newJournal();
      const message: WriterMessage = { type: 'rotate', journal };
      this.worker.postMessage(message);
    } catch (error) {
      this.fail(new MLDeskError('INTERNAL_ERROR', `The prediction log cannot start a new journal: ${(error as Error).message}`));
    }
  }

  /**
   * Resolves once the writer thread has opened the database; rejects when it could not (the
   * server then refuses to start, rather than answer every request 500).
   */
  ready(): Promise<void> {
    return this.started;
  }

  private onReply(reply: WriterReply): void {
    if (reply.type === 'started') {
      this.settleStart?.();
      if (reply.threadId !== null && process.platform === 'linux' && this.schedulingOptions !== false && !this.closed) {
        const scheduling = new WriterScheduling(reply.threadId, this.schedulingOptions, (changed) => {
          this.counters.writerIdle = changed.policy === 'idle' ? 1 : 0;
          this.counters.writerRaises = changed.raises;
        });
        this.scheduling = scheduling;
        this.schedulingTimer = setInterval(() => scheduling.check(this.counters.pending, performance.now() - this.waitingSince), SCHEDULING_CHECK_MS).unref();
      }
      return;
    }
    if (reply.type === 'flushed') {
      this.flushes.get(reply.id)?.();
      this.flushes.delete(reply.id);
      return;
    }
    if (reply.type === 'move-failed') {
      this.counters.moveErrors++;
      this.lastMoveError = reply.error;
      return;
    }
    this.lastMoveError = undefined;
    this.counters.written += reply.rows;
    this.counters.ignored += reply.ignored;
    this.counters.pending = Math.max(0, this.counters.pending - reply.rows - reply.ignored);
    // Moves take the journal in order: what is left came after this move started.
    this.waitingSince = performance.now();
    this.counters.batches++;
    this.counters.commitSeconds += reply.commitMs / 1000;
    this.scheduling?.rowsMoved(this.counters.pending);
  }

  /** The writer thread is gone: the journal keeps what was written; new requests fail loudly. */
  private fail(error: Error): void {
    this.failure ??= error;
    this.settleStart?.(this.failure);
    for (const resolve of this.flushes.values()) resolve();
    this.flushes.clear();
  }

  /** Hands refused requests to the writer thread, which writes them (prediction-refusals.ts); dropped once the log is closed or broken. */
  recordRefusals(refusals: Refusal[]): void {
    if (this.closed || this.failure) return;
    const message: WriterMessage = { type: 'refusals', refusals };
    this.worker.postMessage(message);
  }

  /** Resolves once every row written so far is in the predictions table (or the writer is gone). */
  flush(): Promise<void> {
    if (this.failure) return Promise.resolve();
    const id = this.nextFlush++;
    // Someone waits: the writer must not sit behind a busy machine as SCHED_IDLE.
    if (this.counters.pending > 0) this.scheduling?.raise();
    return new Promise<void>((resolve) => {
      this.flushes.set(id, resolve);
      const message: WriterMessage = { type: 'flush', id };
      this.worker.postMessage(message);
    });
  }

  /** Refuses new rows; the writer moves what is left, removes the journal, and stops. */
  async close(): Promise<void> {
    if (this.closed) return this.exited;
    this.closed = true;
    clearInterval(this.schedulingTimer);
    closeSync(this.fd);
    // What is left is moved now, whatever else the machine is doing.
    if (this.counters.pending > 0) this.scheduling?.raise();
    if (!this.failure) {
      const message: WriterMessage = { type: 'close' };
      this.worker.postMessage(message);
    }
    await this.exited;
    // Whatever a failed writer left in the journals is replayable by others from now on.
    this.ownerLock.release();
  }
}
