/**
 * Predictions made elsewhere, put into the prediction log so monitoring treats them as served
 * ones. All or nothing: every row is checked first (ImportRun), and only a clean import is
 * stored, in one immediate transaction (commitImport). Rows are keyed by request id: a row the log
 * already holds unchanged is skipped (a file imported twice stores nothing twice), one it holds
 * differently refuses the import, naming the id.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MLDeskError, invalidParameter } from '../errors.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import type { SqliteDatabase } from '../store/database.js';
import type { TrackingStore } from '../store/tracking-store.js';
import type { ModelSignature } from '../training/model-files.js';
import { decodeRow } from './prediction-journal.js';
import { decodeImportLine, ImportFieldError, ImportRowChecker, type ImportVersion } from './prediction-import-rows.js';
import { modelDirOf } from './serving-target.js';

export interface ImportResult {
  model: string;
  version: string;
  /** Rows added to the prediction log. */
  imported: number;
  /** Rows the log already held exactly so (an earlier import of the same rows). */
  skipped_duplicates: number;
  /** Rows whose ground truth was stored by this import. */
  labelled: number;
}

/** One refused row: its line (files, CSV bodies) or index (a JSON body's `rows`), the field, and why. */
export interface ImportProblem {
  line?: number;
  index?: number;
  field: string;
  message: string;
}

/** Problems listed in an error; the rest are counted. */
export const MAX_LISTED_PROBLEMS = 20;

/** The import was refused, nothing stored: the first problems, and how many there were. */
export class ImportRefusedError extends MLDeskError {
  constructor(
    readonly problems: ImportProblem[],
    readonly total: number,
  ) {
    const more = total > problems.length ? `; the first ${problems.length} are listed` : '';
    super('INVALID_PARAMETER_VALUE', `${total} row problem${total === 1 ? '' : 's'}, nothing was imported${more}: ${problems.map((p) => p.message).join('; ')}`);
  }
}

/** The version named, with its signature (the model's own signature.json), or a 404 naming it. */
export async function importVersionOf(store: TrackingStore, registry: ModelRegistry, model: string, version: string): Promise<ImportVersion> {
  if (!/^[1-9]\d*$/.test(version)) throw invalidParameter(`Invalid value '${version}' for 'version': a model version is a positive integer.`);
  const found = registry.getVersion(model, version);
  let signature: ModelSignature;
  try {
    signature = JSON.parse(await readFile(join(modelDirOf(store, registry, found), 'signature.json'), 'utf8')) as ModelSignature;
  } catch (error) {
    if (error instanceof MLDeskError) throw error;
    throw invalidParameter(`Model version ${model}/${version} has no readable signature (${(error as Error).message}): predictions are checked against it, so none can be imported.`);
  }
  return { name: model, version: Number(version), runId: found.run_id ?? null, signature };
}

/** `NAME/VERSION` as the CLI takes it. */
export function parseModelVersion(text: string): { model: string; version: string } {
  const slash = text.lastIndexOf('/');
  const version = text.slice(slash + 1);
  if (slash <= 0 || !/^[1-9]\d*$/.test(version)) throw invalidParameter(`Invalid --model '${text}': use NAME/VERSION, e.g. churn/3.`);
  return { model: text.slice(0, slash), version };
}

/**
 * Checks the records of one import in order, handing each clean row (encoded) to `keep` while no
 * row has failed; afterwards `finish()` throws the listed problems, if any.
 */
export class ImportRun {
  readonly checker: ImportRowChecker;
  private readonly problems: ImportProblem[] = [];
  private total = 0;
  rows = 0;

  constructor(
    version: ImportVersion,
    /** Files and CSV bodies number rows by line (1-based, the header is line 1); JSON bodies by index in `rows`. */
    private readonly numbering: 'line' | 'index',
    private readonly keep: (line: string) => void,
    now = Date.now(),
  ) {
    this.checker = new ImportRowChecker(version, now);
  }

  get failed(): boolean {
    return this.total > 0;
  }

  where(position: number): string {
    return this.numbering === 'line' ? `line ${position}` : `rows[${position}]`;
  }

  problem(position: number, field: string, problem: string): void {
    this.total++;
    if (this.problems.length < MAX_LISTED_PROBLEMS) {
      const message = `${this.where(position)}, field '${field}': ${problem}`;
      this.problems.push({ ...(this.numbering === 'line' ? { line: position } : { index: position }), field, message });
    }
  }

  /** A problem of the input as a whole at `position` (unparseable CSV...), not of one field. */
  malformed(position: number, problem: string): void {
    this.total++;
    if (this.problems.length < MAX_LISTED_PROBLEMS) {
      this.problems.push({ ...(this.numbering === 'line' ? { line: position } : { index: position }), field: '', message: `${this.where(position)}: ${problem}` });
    }
  }

  /** Runs one row's check, turning a field problem into a listed one. */
  attempt(position: number, encode: () => string): void {
    this.rows++;
    let line: string;
    try {
      line = encode();
    } catch (error) {
      if (!(error instanceof ImportFieldError)) throw error;
      this.problem(position, error.field, error.problem);
      return;
    }
    if (!this.failed) this.keep(line);
  }

  /** The column roles of a CSV header (line 1), or null when it is refused. */
  csvHeader(header: string[]): ReturnType<ImportRowChecker['csvColumns']> | null {
    try {
      return this.checker.csvColumns(header);
    } catch (error) {
      if (!(error instanceof ImportFieldError)) throw error;
      this.problem(1, error.field, error.problem);
      return null;
    }
  }

  csvRecord(roles: ReturnType<ImportRowChecker['csvColumns']>, cells: string[], line: number): void {
    if (cells.length !== roles.length) {
      this.rows++;
      this.malformed(line, `ragged row: ${cells.length} field${cells.length === 1 ? '' : 's'} where the header has ${roles.length}`);
      return;
    }
    this.attempt(line, () => this.checker.csvRecord(roles, cells, line));
  }

  jsonRecord(record: unknown, position: number): void {
    this.attempt(position, () => this.checker.jsonRecord(record, position));
  }

  /** Throws the problems seen, if any; also refuses an import without rows. */
  finish(): void {
    if (this.total > 0) throw new ImportRefusedError(this.problems, this.total);
    if (this.rows === 0) throw invalidParameter('There are no rows to import.');
  }
}

interface StoredRow {
  prediction_pk: number;
  model_name: string;
  model_version: number;
  inputs_json: string;
  output_json: string;
  created_time: number;
}

/**
 * Stores checked rows (ImportRun's encoded lines) in one immediate transaction, with their ground
 * truth (prediction_feedback, and its history as recordFeedback keeps it). A request id the log
 * holds with other content refuses everything, naming up to MAX_LISTED_PROBLEMS ids.
 */
export function commitImport(db: SqliteDatabase, lines: Iterable<string>, version: ImportVersion, numbering: 'line' | 'index'): ImportResult {
  const insert = db.prepare(
    `INSERT OR IGNORE INTO predictions (request_id, model_name, model_version, run_id, inputs_json, output_json, predicted_label, predicted_value, latency_us, endpoint, created_time)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const stored = db.prepare('SELECT prediction_pk, model_name, model_version, inputs_json, output_json, created_time FROM predictions WHERE request_id = ?');
  const feedbackOf = db.prepare('SELECT actual_label, actual_value FROM prediction_feedback WHERE prediction_pk = ?');
  const upsert = db.prepare(
    `INSERT INTO prediction_feedback (prediction_pk, actual_label, actual_value, created_time) VALUES (?, ?, ?, ?)
     ON CONFLICT (prediction_pk) DO UPDATE SET actual_label = excluded.actual_label, actual_value = excluded.actual_value, created_time = excluded.created_time`,
  );
  const remember = db.prepare('INSERT INTO prediction_feedback_history (prediction_pk, actual_label, actual_value, created_time) VALUES (?, ?, ?, ?)');
  const where = (position: number) => (numbering === 'line' ? `line ${position}` : `rows[${position}]`);
  return db
    .transaction((): ImportResult => {
      const result: ImportResult = { model: version.name, version: String(version.version), imported: 0, skipped_duplicates: 0, labelled: 0 };
      const conflicts: ImportProblem[] = [];
      let conflicting = 0;
      for (const line of lines) {
        const parsed = decodeImportLine(line);
        const values = decodeRow(parsed.logRow);
        if (!values) throw new MLDeskError('INTERNAL_ERROR', `A checked import row could not be read back (${where(parsed.position)}).`);
        let pk: number;
        const inserted = insert.run(...values);
        const fresh = inserted.changes === 1;
        if (fresh) {
          pk = Number(inserted.lastInsertRowid);
          result.imported++;
        } else {
          const row = stored.get(values[0]) as StoredRow;
          const differs = differences(row, values);
          if (differs.length > 0) {
            conflicting++;
            if (conflicts.length < MAX_LISTED_PROBLEMS) {
              const message = `${where(parsed.position)}, field 'id': differs from the row logged under request id ${JSON.stringify(values[0])} in ${differs.join(', ')}`;
              conflicts.push({ ...(numbering === 'line' ? { line: parsed.position } : { index: parsed.position }), field: 'id', message });
            }
            continue;
          }
          pk = row.prediction_pk;
          result.skipped_duplicates++;
        }
        if (parsed.truth === null || conflicting > 0) continue;
        const label = typeof parsed.truth === 'string' ? parsed.truth : null;
        const value = typeof parsed.truth === 'number' ? parsed.truth : null;
        // A row inserted just now has no truth yet: only a logged one needs the look-up.
        const current = fresh ? undefined : (feedbackOf.get(pk) as { actual_label: string | null; actual_value: number | null } | undefined);
        if (current && current.actual_label === label && current.actual_value === value) continue;
        upsert.run(pk, label, value, parsed.truthTime);
        remember.run(pk, label, value, parsed.truthTime);
        result.labelled++;
      }
      if (conflicting > 0) throw new ImportRefusedError(conflicts, conflicting);
      return result;
    })
    .immediate();
}

/** What a stored row with the same request id says differently, in words. */
function differences(row: StoredRow, values: NonNullable<ReturnType<typeof decodeRow>>): string[] {
  const differs: string[] = [];
  if (row.model_name !== values[1] || row.model_version !== values[2]) differs.push(`model version (logged for ${row.model_name}/${row.model_version})`);
  if (row.created_time !== values[10]) differs.push(`time (logged at ${new Date(row.created_time).toISOString()})`);
  if (row.inputs_json !== values[4]) differs.push('features');
  if (row.output_json !== values[5]) differs.push('prediction');
  return differs;
}
