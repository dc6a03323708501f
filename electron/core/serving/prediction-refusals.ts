/**
 * Requests a model server refused (a body that is not JSON, a missing feature, an unseen category,
 * feedback with an unknown class...), kept so the app can show what callers got wrong, not only
 * a count in /metrics. The request thread only buffers them and hands a batch every few hundred
 * ms to the prediction log's writer thread, which writes them: a write waits for SQLite's lock
 * (up to the busy timeout while the app or another server writes), and that wait must never
 * stall the thread that answers predictions. A flood of bad requests is bounded in memory on
 * both threads (the rest are counted as dropped) and on disk (the newest KEEP_PER_MODEL rows per
 * model stay).
 */
import type { SqliteDatabase } from '../store/database.js';

export interface Refusal {
  model: string;
  version: string | null;
  endpoint: string;
  status: number;
  code: string;
  reason: string;
  /** The offending row as JSON, else the start of the body as sent. */
  input: string;
  timestamp: number;
}

export const KEEP_PER_MODEL = 500;
/** Longest input kept: enough to see what was wrong, not a copy of a 32 MB body. */
export const MAX_INPUT_CHARS = 2000;
const MAX_BUFFERED = 200;
/** Refusals the writer thread holds while the database is busy; older ones give way to newer. */
export const MAX_UNWRITTEN = 1000;
const FLUSH_MS = 250;

export const clipInput = (text: string): string => (text.length > MAX_INPUT_CHARS ? `${text.slice(0, MAX_INPUT_CHARS)}…` : text);

/** On the request thread: buffers refusals and hands them on in batches (to the writer thread). */
export class RefusalRecorder {
  private buffer: Refusal[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Refusals not kept because the buffer was full (a flood of bad requests). */
  dropped = 0;

  constructor(private readonly send: (refusals: Refusal[]) => void) {}

  record(refusal: Refusal): void {
    if (this.buffer.length >= MAX_BUFFERED) {
      this.dropped++;
      return;
    }
    this.buffer.push({ ...refusal, input: clipInput(refusal.input) });
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS).unref();
  }

  /** Hands on what is buffered; this never touches the database. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const refusals = this.buffer;
    if (refusals.length === 0) return;
    this.buffer = [];
    this.send(refusals);
  }
}

/** On the writer thread: writes refusals in one transaction, keeping those a busy database refused for the next try. */
export class RefusalWriter {
  private unwritten: Refusal[] = [];
  /** Refusals given up: more than MAX_UNWRITTEN waited for a busy database. */
  dropped = 0;
  private readonly insert;
  private readonly trim;

  constructor(private readonly db: SqliteDatabase) {
    this.insert = db.prepare(
      'INSERT INTO prediction_refusals (model_name, model_version, endpoint, status, error_code, reason, input, created_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.trim = db.prepare(
      `DELETE FROM prediction_refusals WHERE model_name = ? AND refusal_pk <= (
         SELECT refusal_pk FROM prediction_refusals WHERE model_name = ? ORDER BY refusal_pk DESC LIMIT 1 OFFSET ?)`,
    );
  }

  add(refusals: Refusal[]): void {
    this.unwritten.push(...refusals);
    const over = this.unwritten.length - MAX_UNWRITTEN;
    if (over > 0) {
      this.unwritten.splice(0, over);
      this.dropped += over;
    }
  }

  /** Writes what waits; throws (keeping it for the next call) when the database cannot be written. */
  write(): void {
    const refusals = this.unwritten;
    if (refusals.length === 0) return;
    this.db.transaction(() => {
      for (const r of refusals) this.insert.run(r.model, r.version === null ? null : Number(r.version), r.endpoint, r.status, r.code, r.reason, r.input, r.timestamp);
      for (const model of new Set(refusals.map((r) => r.model))) this.trim.run(model, model, KEEP_PER_MODEL);
    }).immediate();
    this.unwritten = [];
  }
}

/** The newest refusals of a model, newest first. */
export function listRefusals(db: SqliteDatabase, model: string, limit = 100): Refusal[] {
  const rows = db
    .prepare(
      `SELECT model_name, model_version, endpoint, status, error_code, reason, input, created_time FROM prediction_refusals
       WHERE model_name = ? ORDER BY refusal_pk DESC LIMIT ?`,
    )
    .all(model, limit) as { model_name: string; model_version: number | null; endpoint: string; status: number; error_code: string; reason: string; input: string; created_time: number }[];
  return rows.map((r) => ({
    model: r.model_name,
    version: r.model_version === null ? null : String(r.model_version),
    endpoint: r.endpoint,
    status: r.status,
    code: r.error_code,
    reason: r.reason,
    input: r.input,
    timestamp: r.created_time,
  }));
}
