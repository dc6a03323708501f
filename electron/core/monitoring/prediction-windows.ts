/**
 * Reading a model version's prediction log as windows: rows come in prediction_pk order, in keyset
 * chunks (no long read transaction, bounded memory), and are gathered column by column (one array
 * per feature) as the drift tests want them. Windows are by count (`size` consecutive predictions)
 * or by UTC hour/day of created_time.
 */
import type { PredictionOutput } from '../../../shared/app-api/predictions.js';
import type { WindowSpec } from '../../../shared/monitoring.js';
import type { SqliteDatabase } from '../store/database.js';
import type { ColumnValues, MonitoredValue } from './drift.js';
import { numericValue } from './reference-profile.js';
import type { WindowPrediction } from './window-quality.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Rows read per query: enough that the per-query cost vanishes, few enough that their strings die young (20,000 doubled the GC time). */
const CHUNK_ROWS = 2_000;

export const bucketLength = (spec: WindowSpec): number | null => (spec.by === 'hour' ? HOUR_MS : spec.by === 'day' ? DAY_MS : null);

/** [pk, created_time, inputs_json, output_json, predicted_label, predicted_value, actual_label, actual_value, label_time] */
type RawRow = [number, number, string, string, string | null, number | null, string | null, number | null, number | null];

const SELECT = `SELECT p.prediction_pk, p.created_time, p.inputs_json, p.output_json, p.predicted_label, p.predicted_value,
    f.actual_label, f.actual_value, f.created_time
  FROM predictions p LEFT JOIN prediction_feedback f ON f.prediction_pk = p.prediction_pk
  WHERE p.model_name = ? AND p.model_version = ?`;

/** A numeric column's values as doubles (NaN for missing), grown by doubling: no boxed number per cell. */
class NumberColumn {
  private data: Float64Array;
  length = 0;

  constructor(capacity: number) {
    this.data = new Float64Array(Math.max(16, capacity));
  }

  push(value: MonitoredValue | undefined): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = typeof value === 'number' ? value : numericValue(value);
  }

  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** One window's rows, column by column. */
export class WindowRows {
  firstPk = 0;
  lastPk = 0;
  minTime = Number.POSITIVE_INFINITY;
  maxTime = Number.NEGATIVE_INFINITY;
  rows = 0;
  labelled = 0;
  private readonly columns: Array<NumberColumn | MonitoredValue[]>;
  /** The predicted class or value of each row. */
  readonly predictions: MonitoredValue[] = [];
  readonly quality: WindowPrediction[] = [];
  /** Hour/day windows: the bucket's start; count windows: unused. */
  bucketStart = 0;

  /**
   * `numeric[j]`: feature j is numeric in the reference, so its cells are kept as doubles (a
   * million-row window of 30 features would otherwise box 30 million numbers).
   */
  constructor(
    readonly features: readonly string[],
    numeric: readonly boolean[] = [],
    capacity = 1024,
  ) {
    this.columns = features.map((_, j) => (numeric[j] ? new NumberColumn(capacity) : []));
  }

  /** Per feature (in `features` order), the logged values: doubles with NaN, or cells with null, for missing. */
  get values(): ColumnValues[] {
    return this.columns.map((column) => (column instanceof NumberColumn ? column.values() : column));
  }

  add(row: RawRow): void {
    const [pk, time, inputsJson, outputJson, label, value, actualLabel, actualValue, labelTime] = row;
    if (this.rows === 0) this.firstPk = pk;
    this.lastPk = pk;
    if (time < this.minTime) this.minTime = time;
    if (time > this.maxTime) this.maxTime = time;
    this.rows++;
    const inputs = JSON.parse(inputsJson) as Record<string, MonitoredValue | undefined>;
    for (let j = 0; j < this.features.length; j++) this.columns[j]!.push(inputs[this.features[j]!] ?? null);
    this.predictions.push(label ?? value);
    const actual = actualLabel ?? actualValue;
    if (actual !== null) this.labelled++;
    // Written by the log's writer (or the import, which validates it): trusted as it is.
    this.quality.push({ output: JSON.parse(outputJson) as PredictionOutput, actual, time, labelTime });
  }
}

/** The version's rows after `afterPk` (and made at or after `since`, ms), in prediction_pk order, chunk by chunk. */
export function* rowsAfter(db: SqliteDatabase, model: string, version: number, afterPk: number, since?: number): Generator<RawRow> {
  // The time filter runs in SQLite: rows outside it never become JS strings.
  const statement = db.prepare(`${SELECT} AND p.prediction_pk > ? AND p.created_time >= ? ORDER BY p.prediction_pk LIMIT ${CHUNK_ROWS}`).raw();
  let after = afterPk;
  for (;;) {
    const chunk = statement.all(model, version, after, since ?? Number.MIN_SAFE_INTEGER) as RawRow[];
    for (const row of chunk) yield row;
    if (chunk.length < CHUNK_ROWS) return;
    after = chunk[chunk.length - 1]![0];
  }
}

/** The version's last `count` rows, oldest first. */
export function lastRows(db: SqliteDatabase, model: string, version: number, count: number): RawRow[] {
  const rows = db.prepare(`${SELECT} ORDER BY p.prediction_pk DESC LIMIT ?`).raw().all(model, version, count) as RawRow[];
  return rows.reverse();
}

/** The version's rows made at or after `since` (ms). */
export function rowsSince(db: SqliteDatabase, model: string, version: number, since: number): Generator<RawRow> {
  return rowsAfter(db, model, version, 0, since);
}

export interface WindowCut {
  rows: WindowRows;
  /** Bounds: a count window's first and last prediction times; an hour/day window's bucket [from, to). */
  from: number;
  to: number;
  complete: boolean;
}

/**
 * Cuts rows into windows. Count windows close at `size` rows; hour/day windows close when a row of
 * a later bucket arrives and their end is `grace` ms past (rows reach the log a little after they
 * are scored). Rows before `notBefore` (late rows of a bucket already stored) are skipped. The last,
 * still open window comes last with complete = false (if it has rows).
 */
export function* cutWindows(
  rows: Iterable<RawRow>,
  features: readonly string[],
  spec: WindowSpec,
  options: { now: number; notBefore?: number; grace?: number; numeric?: readonly boolean[] },
): Generator<WindowCut> {
  const length = bucketLength(spec);
  const grace = options.grace ?? 60_000;
  const notBefore = options.notBefore ?? Number.NEGATIVE_INFINITY;
  const fresh = () => new WindowRows(features, options.numeric, spec.by === 'count' ? spec.size : 1024);
  let current = fresh();
  const cut = (window: WindowRows, complete: boolean): WindowCut =>
    length === null
      ? { rows: window, from: window.minTime, to: window.maxTime, complete }
      : { rows: window, from: window.bucketStart, to: window.bucketStart + length, complete };
  for (const row of rows) {
    if (length === null) {
      current.add(row);
      if (spec.by === 'count' && current.rows >= spec.size) {
        yield cut(current, true);
        current = fresh();
      }
      continue;
    }
    const time = row[1];
    if (time < notBefore) continue;
    const bucket = Math.floor(time / length) * length;
    if (current.rows > 0 && bucket > current.bucketStart) {
      yield cut(current, current.bucketStart + length + grace <= options.now);
      current = fresh();
    }
    if (current.rows === 0) current.bucketStart = bucket;
    current.add(row);
  }
  if (current.rows > 0) {
    yield cut(current, length !== null && current.bucketStart + length + grace <= options.now);
  }
}
