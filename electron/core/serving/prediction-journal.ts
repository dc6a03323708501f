/**
 * Prediction journals, the first half of the prediction log (prediction-log.ts). A model server
 * appends each micro-batch's rows to its own journal file, one line a row, with one write before
 * it answers; this module moves journaled rows into the `predictions` table. Each move is one
 * transaction that also records in prediction_journals how many bytes of the journal it has
 * taken, and rows go in OR IGNORE on their unique request id, so a row lands exactly once even
 * when a move is repeated after a crash. A journal whose server died (killed, crashed) is
 * replayed by recoverJournals, which the next model server and the app's prediction views run;
 * whether it died is told by its owner lock (journal-owner.ts), never by its pid, which the
 * system can give to another process.
 */
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SqliteDatabase } from '../store/database.js';
import type { RangeWarning } from './range-warnings.js';
import { isOwnerLockName, ownerAlive, OWNER_PATTERN, removeOwnerLock } from './journal-owner.js';
import { pidAlive } from '../automation/process-identity.js';

/**
 * As answered; `warnings` names the inputs outside their training range (range-warnings.ts).
 * Imported predictions (prediction-import.ts) may have no probabilities.
 */
export type WirePrediction = ({ label: string; probabilities?: Record<string, number> } | { value: number }) & { warnings?: RangeWarning[] };

export const JOURNAL_DIR = 'prediction-journal';
export const journalDirOf = (databasePath: string): string => join(dirname(databasePath), JOURNAL_DIR);
/** `<owner>-<n>.journal`: the nth journal of the server holding `<owner>.lock`. */
export const journalFileName = (owner: string, sequence: number): string => `${owner}-${sequence}.journal`;
const OWNED_JOURNAL = new RegExp(`^(${OWNER_PATTERN})-\\d+\\.journal$`);
/** `<pid>-<uuid>.journal`, written by servers before owner locks: only the pid tells whether it is alive. */
const PID_JOURNAL = /^(\d+)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.journal$/;

export interface JournalRow {
  requestId: string;
  modelName: string;
  modelVersion: number;
  runId: string | null;
  /** The row's inputs as JSON (stored as is). */
  inputsJson: string;
  /** The prediction as JSON, as answered (stored as is). */
  outputJson: string;
  predictedLabel: string | null;
  predictedValue: number | null;
  latencyUs: number;
  endpoint: string;
  time: number;
}

/**
 * One journal line: the INSERT's columns in order separated by tabs. Text that could hold a tab
 * or a newline is JSON, which escapes both; inputs and output are JSON already. Columns:
 * request_id, model_name (JSON), model_version, run_id ('' = null), inputs_json, output_json,
 * predicted_label (JSON, '' = null), predicted_value ('' = null), latency_us, endpoint, created_time.
 */
export function encodeRow(row: JournalRow): string {
  return rowEncoder(row.modelName, row.modelVersion, row.runId)(row.requestId, row.inputsJson, row.outputJson, row.predictedLabel, row.predictedValue, row.latencyUs, row.endpoint, row.time);
}

export type RowEncoder = (
  requestId: string,
  inputsJson: string,
  outputJson: string,
  predictedLabel: string | null,
  predictedValue: number | null,
  latencyUs: number,
  endpoint: string,
  time: number,
) => string;

/** encodeRow for the rows of one model version, with what they share (and each class name) encoded once. */
export function rowEncoder(modelName: string, modelVersion: number, runId: string | null): RowEncoder {
  const shared = `\t${JSON.stringify(modelName)}\t${modelVersion}\t${runId ?? ''}\t`;
  const labels = new Map<string, string>();
  const labelJson = (label: string): string => {
    let json = labels.get(label);
    if (json === undefined) labels.set(label, (json = JSON.stringify(label)));
    return json;
  };
  return (requestId, inputsJson, outputJson, predictedLabel, predictedValue, latencyUs, endpoint, time) =>
    `${requestId}${shared}${inputsJson}\t${outputJson}\t${predictedLabel === null ? '' : labelJson(predictedLabel)}\t${predictedValue === null ? '' : predictedValue}\t${latencyUs}\t${endpoint}\t${time}`;
}

export type LogRowValues = [string, string, number, string | null, string, string, string | null, number | null, number, string, number];

/** JSON-decoded model names and class labels: a handful of distinct strings across millions of lines. */
const decodedText = new Map<string, string>();
function textOf(json: string): string {
  let text = decodedText.get(json);
  if (text === undefined) {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed !== 'string') throw new TypeError('not a JSON string');
    text = parsed;
    if (decodedText.size < 10_000) decodedText.set(json, text);
  }
  return text;
}

/** The values of one journal line, or null when the line is not one encodeRow wrote. */
export function decodeRow(line: string): LogRowValues | null {
  const fields = line.split('\t');
  if (fields.length !== 11) return null;
  const [requestId, model, version, runId, inputs, output, label, value, latencyUs, endpoint, time] = fields as [string, string, string, string, string, string, string, string, string, string, string];
  try {
    const values: LogRowValues = [requestId, textOf(model), Number(version), runId || null, inputs, output, label ? textOf(label) : null, value ? Number(value) : null, Number(latencyUs), endpoint, Number(time)];
    return requestId && Number.isInteger(values[2]) && Number.isFinite(values[8]) && Number.isFinite(values[10]) ? values : null;
  } catch {
    return null;
  }
}

export interface IngestResult {
  /** Rows inserted into predictions. */
  rows: number;
  /** Complete lines not inserted: already in the log (a repeated move) or not a journal row. */
  ignored: number;
  /** Journal bytes taken by this move. */
  bytes: number;
  commitMs: number;
}

const FIRST_READ_BYTES = 4 * 1024 * 1024;
const INSERT_GROUP = 16;
const NEWLINE = 0x0a;

export class JournalIngester {
  private readonly insert;
  /** The same INSERT for INSERT_GROUP rows at once: one statement run instead of 16 (~10% less per row, measured). */
  private readonly insertGroup;
  private readonly progress;
  private readonly offsetOf;
  private readonly forget;

  constructor(private readonly db: SqliteDatabase) {
    const insert = (rows: number) =>
      db.prepare(
        `INSERT OR IGNORE INTO predictions (request_id, model_name, model_version, run_id, inputs_json, output_json, predicted_label, predicted_value, latency_us, endpoint, created_time)
         VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      );
    this.insert = insert(1);
    this.insertGroup = insert(INSERT_GROUP);
    this.progress = db.prepare(
      `INSERT INTO prediction_journals (journal, ingested_bytes, ingested_rows, updated_time) VALUES (?, ?, ?, ?)
       ON CONFLICT (journal) DO UPDATE SET ingested_bytes = excluded.ingested_bytes, ingested_rows = ingested_rows + excluded.ingested_rows, updated_time = excluded.updated_time`,
    );
    this.offsetOf = db.prepare('SELECT ingested_bytes FROM prediction_journals WHERE journal = ?').pluck();
    this.forget = db.prepare('DELETE FROM prediction_journals WHERE journal = ?');
  }

  /** Bytes of the journal already moved into predictions (0 for one never seen). */
  offset(journal: string): number {
    return (this.offsetOf.get(journal) as number | undefined) ?? 0;
  }

  /**
   * Moves the complete lines past the journal's recorded offset, in one immediate transaction
   * (the offset is read inside it, so two processes replaying one journal never both insert).
   * A last line without its newline is left: a write still under way, or one cut short by a
   * killed server, whose requests were never answered.
   */
  ingest(path: string, journal: string, fd?: number): IngestResult {
    const started = performance.now();
    const handle = fd ?? openSync(path, 'r');
    try {
      const move = this.db.transaction((): IngestResult => {
        const offset = this.offset(journal);
        const text = completeLines(handle, offset);
        if (text === null) return { rows: 0, ignored: 0, bytes: 0, commitMs: 0 };
        let rows = 0;
        let ignored = 0;
        const decoded: LogRowValues[] = [];
        for (const line of text.lines) {
          const values = decodeRow(line);
          if (values) decoded.push(values);
          else ignored++;
        }
        let i = 0;
        for (; i + INSERT_GROUP <= decoded.length; i += INSERT_GROUP) rows += this.insertGroup.run(...decoded.slice(i, i + INSERT_GROUP).flat()).changes;
        for (; i < decoded.length; i++) rows += this.insert.run(...decoded[i]!).changes;
        // Lines already in the table (a repeated move) insert nothing.
        ignored += decoded.length - rows;
        this.progress.run(journal, offset + text.bytes, rows, Date.now());
        return { rows, ignored, bytes: text.bytes, commitMs: 0 };
      });
      const result = move.immediate();
      result.commitMs = performance.now() - started;
      return result;
    } finally {
      if (fd === undefined) closeSync(handle);
    }
  }

  /** Moves everything complete in the journal, however long. */
  ingestAll(path: string, journal: string, fd?: number): IngestResult {
    const total: IngestResult = { rows: 0, ignored: 0, bytes: 0, commitMs: 0 };
    for (;;) {
      const step = this.ingest(path, journal, fd);
      total.rows += step.rows;
      total.ignored += step.ignored;
      total.bytes += step.bytes;
      total.commitMs += step.commitMs;
      if (step.bytes === 0) return total;
    }
  }

  /** A journal nobody will write again, moved in full: the file goes, then its progress row. */
  finish(path: string, journal: string): void {
    if (existsSync(path)) unlinkSync(path);
    this.forget.run(journal);
  }
}

/** The complete lines from `offset` on (at most a few MB, whole lines), or null when there are none. */
function completeLines(fd: number, offset: number): { lines: string[]; bytes: number } | null {
  const size = fstatSync(fd).size;
  let length = Math.min(size - offset, FIRST_READ_BYTES);
  while (length > 0) {
    const buffer = Buffer.allocUnsafe(length);
    const read = readSync(fd, buffer, 0, length, offset);
    const end = buffer.subarray(0, read).lastIndexOf(NEWLINE);
    if (end >= 0) return { lines: buffer.toString('utf8', 0, end).split('\n'), bytes: end + 1 };
    // One line longer than what was read (a request with a huge row): read further, if there is more.
    if (offset + read >= size) return null;
    length = Math.min(size - offset, length * 4);
  }
  return null;
}


/**
 * Replays the journals of model servers that are gone (their owner lock is free; for journals
 * from before owner locks, their pid is not running) into predictions and removes them, then the
 * locks of owners that are gone. A live server's journal is its own writer's business. Returns
 * the rows moved.
 */
export function recoverJournals(db: SqliteDatabase, isAlive: (pid: number) => boolean = pidAlive): number {
  const dir = journalDirOf(db.name);
  if (!existsSync(dir)) return 0;
  let ingester: JournalIngester | undefined;
  let rows = 0;
  const owners = new Map<string, boolean>();
  const names = readdirSync(dir);
  for (const name of names) {
    const owned = OWNED_JOURNAL.exec(name);
    let alive: boolean;
    if (owned) {
      const owner = owned[1]!;
      alive = owners.get(owner) ?? ownerAlive(dir, owner);
      owners.set(owner, alive);
    } else {
      const legacy = PID_JOURNAL.exec(name);
      if (!legacy) continue;
      alive = isAlive(Number(legacy[1]));
    }
    if (alive) continue;
    // Statements are prepared only when there is something to replay (the app checks every second).
    ingester ??= new JournalIngester(db);
    const path = join(dir, name);
    try {
      rows += ingester.ingestAll(path, name).rows;
    } catch (error) {
      // Another process replayed and removed it meanwhile: nothing left to do here.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    ingester.finish(path, name);
  }
  // Locks of owners that are gone, their journals replayed (or never written).
  for (const name of names) {
    const owner = isOwnerLockName(name);
    if (owner === null || owners.get(owner) === true) continue;
    if (owners.get(owner) === false || !ownerAlive(dir, owner)) removeOwnerLock(dir, owner);
  }
  return rows;
}

