/**
 * Feature preprocessing fitted on the training split only (validation rows must not leak into the
 * statistics) and saved beside the model as preprocessing.json, so inference encodes inputs
 * exactly as training did. Numeric and integer columns: median imputation, then standardisation.
 * Categorical and boolean columns: most-frequent imputation, then one-hot over the categories seen
 * in training. An unknown category at inference becomes all zeros ("none of the known categories")
 * by default, or an error with `unknownCategory: 'error'`.
 */
import { ID_COLUMN_MIN_ROWS } from '../../../shared/datasets.js';
import { invalidParameter } from '../errors.js';
import { columnIndex, type CellValue, type ColumnType, type Task, type TrainingTable } from './table.js';

export interface NumericFeature {
  name: string;
  type: 'numeric' | 'integer';
  median: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  missingInTraining: number;
}

export interface CategoricalFeature {
  name: string;
  type: 'categorical' | 'boolean';
  categories: string[];
  mostFrequent: string;
  missingInTraining: number;
}

export type FeatureSpec = NumericFeature | CategoricalFeature;

export const isNumeric = (f: FeatureSpec): f is NumericFeature => f.type === 'numeric' || f.type === 'integer';

export interface TargetSpec {
  name: string;
  type: ColumnType;
  task: Task;
  /** Class labels as strings, in output order; binary: the second one is the positive class. */
  classes?: string[];
  /** Regression targets are standardised for training; predictions are mapped back. */
  mean?: number;
  std?: number;
}

export interface Preprocessing {
  format: 'mldesk.tabular-preprocessing';
  version: 1;
  features: FeatureSpec[];
  ignoredColumns: { name: string; reason: string }[];
  target: TargetSpec;
  unknownCategory: 'zeros' | 'error';
  /** Width of the encoded input vector. */
  inputWidth: number;
}

export type UnknownCategory = Preprocessing['unknownCategory'];

const key = (value: CellValue): string => String(value);

function median(sorted: number[]): number {
  if (sorted.length === 0) return 0;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function fitNumeric(name: string, type: 'numeric' | 'integer', values: CellValue[]): NumericFeature {
  const present = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  const med = median(present);
  // Statistics after imputation: they describe the values the network is fed.
  const n = values.length;
  const filled = n - present.length;
  const mean = (present.reduce((sum, v) => sum + v, 0) + filled * med) / Math.max(n, 1);
  const variance = (present.reduce((sum, v) => sum + (v - mean) ** 2, 0) + filled * (med - mean) ** 2) / Math.max(n, 1);
  const std = Math.sqrt(variance);
  return { name, type, median: med, mean, std: std > 1e-12 ? std : 1, min: present[0] ?? 0, max: present.at(-1) ?? 0, missingInTraining: filled };
}

function fitCategorical(name: string, type: 'categorical' | 'boolean', values: CellValue[]): CategoricalFeature {
  const counts = new Map<string, number>();
  let missing = 0;
  for (const value of values) {
    if (value === null) missing++;
    else counts.set(key(value), (counts.get(key(value)) ?? 0) + 1);
  }
  const categories = type === 'boolean' ? ['false', 'true'] : [...counts.keys()].sort();
  // Ties go to the first in sorted order so the choice does not depend on row order.
  let mostFrequent = categories[0] ?? '';
  for (const category of categories) if ((counts.get(category) ?? 0) > (counts.get(mostFrequent) ?? 0)) mostFrequent = category;
  return { name, type, categories, mostFrequent, missingInTraining: missing };
}

/** Fewer filled rows than this and distinct integers are as likely a real feature (ages of 12 people) as an id. */
export const MIN_ROWS_FOR_ID = ID_COLUMN_MIN_ROWS;
export const ID_COLUMN_REASON = 'every value is a distinct integer: a row or customer id, not a feature';
export const TEXT_COLUMN_REASON = 'free text (too many distinct values to one-hot encode)';

/**
 * An integer column whose filled values are all different (a row number, a customer id): used as
 * a feature, a network memorises it and the model scores by id. Checked on every row, not the
 * training split, so the answer does not depend on the seed.
 */
export function looksLikeIdColumn(table: TrainingTable, index: number): boolean {
  if (table.columns[index]!.type !== 'integer') return false;
  const seen = new Set<number>();
  for (const row of table.rows) {
    const value = row[index];
    if (value === null || value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || seen.has(value)) return false;
    seen.add(value);
  }
  return seen.size >= MIN_ROWS_FOR_ID;
}

export interface PreprocessingOptions {
  /** Use integer columns that look like ids as features anyway (`keep_id_columns`). */
  keepIdColumns?: boolean;
}

/** Fits preprocessing on the rows in `trainRows`; the target spec uses every labelled row for classes. */
export function fitPreprocessing(table: TrainingTable, target: string, task: Task, trainRows: ArrayLike<number>, options: PreprocessingOptions = {}): Preprocessing {
  const targetIndex = columnIndex(table, target, 'target');
  const features: FeatureSpec[] = [];
  const ignoredColumns: Preprocessing['ignoredColumns'] = [];
  table.columns.forEach((column, index) => {
    if (index === targetIndex) return;
    if (column.type === 'text') {
      ignoredColumns.push({ name: column.name, reason: TEXT_COLUMN_REASON });
      return;
    }
    if (!options.keepIdColumns && looksLikeIdColumn(table, index)) {
      ignoredColumns.push({ name: column.name, reason: ID_COLUMN_REASON });
      return;
    }
    const values = Array.from(trainRows, (row) => table.rows[row]![index] ?? null);
    features.push(column.type === 'numeric' || column.type === 'integer' ? fitNumeric(column.name, column.type, values) : fitCategorical(column.name, column.type, values));
  });
  if (features.length === 0) {
    const ignored = ignoredColumns.map((c) => `${c.name}: ${c.reason}`).join('; ');
    throw invalidParameter(`No usable feature columns besides the target '${target}'${ignored ? ` (left out: ${ignored})` : ''}.`);
  }
  const targetType = table.columns[targetIndex]!.type;
  const targetSpec: TargetSpec = { name: target, type: targetType, task };
  if (task === 'classification') {
    const labels = new Set<string>();
    for (const row of table.rows) if (row[targetIndex] !== null) labels.add(key(row[targetIndex]!));
    const numeric = targetType === 'integer' || targetType === 'numeric';
    targetSpec.classes = targetType === 'boolean' ? ['false', 'true'] : [...labels].sort(numeric ? (a, b) => Number(a) - Number(b) : undefined);
    if (targetSpec.classes.length < 2) throw invalidParameter(`The target '${target}' has a single class (${targetSpec.classes[0] ?? 'none'}); classification needs at least two.`);
  } else {
    const stats = fitNumeric(target, 'numeric', Array.from(trainRows, (row) => table.rows[row]![targetIndex] ?? null));
    targetSpec.mean = stats.mean;
    targetSpec.std = stats.std;
  }
  const inputWidth = features.reduce((width, f) => width + (isNumeric(f) ? 1 : f.categories.length), 0);
  return { format: 'mldesk.tabular-preprocessing', version: 1, features, ignoredColumns, target: targetSpec, unknownCategory: 'zeros', inputWidth };
}

/** Encodes n rows, reading cell (row, feature) through `cell`, into a row-major Float32Array. */
function encode(prep: Preprocessing, n: number, cell: (row: number, feature: number) => CellValue | undefined, unknown: UnknownCategory): Float32Array {
  const out = new Float32Array(n * prep.inputWidth);
  const lookups = categoryLookups(prep);
  const features = prep.features;
  for (let r = 0; r < n; r++) {
    let offset = r * prep.inputWidth;
    for (let fi = 0; fi < features.length; fi++) {
      const f = features[fi]!;
      const value = cell(r, fi) ?? null;
      if (isNumeric(f)) {
        if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) {
          throw invalidParameter(`Feature '${f.name}' of row ${r} must be a number, got ${JSON.stringify(value)}.`);
        }
        out[offset++] = ((value ?? f.median) - f.mean) / f.std;
        continue;
      }
      const category = value === null ? f.mostFrequent : key(value);
      const position = lookups[fi]!.get(category);
      if (position !== undefined) out[offset + position] = 1;
      else if (unknown === 'error') {
        throw invalidParameter(`Feature '${f.name}' of row ${r} has the category '${category}', unseen in training (known: ${f.categories.join(', ')}).`);
      }
      offset += f.categories.length;
    }
  }
  return out;
}

/** Each categorical feature's category → one-hot position, built once per preprocessing (the server encodes every batch). */
const lookupCache = new WeakMap<Preprocessing, (Map<string, number> | null)[]>();
function categoryLookups(prep: Preprocessing): (Map<string, number> | null)[] {
  let lookups = lookupCache.get(prep);
  if (!lookups) lookupCache.set(prep, (lookups = prep.features.map((f) => (isNumeric(f) ? null : new Map(f.categories.map((c, i) => [c, i]))))));
  return lookups;
}

/** Encodes table rows picked by index (training and validation splits). */
export function encodeTableRows(prep: Preprocessing, table: TrainingTable, rows: ArrayLike<number>): Float32Array {
  const columns = prep.features.map((f) => columnIndex(table, f.name, 'feature'));
  return encode(prep, rows.length, (r, fi) => table.rows[rows[r]!]![columns[fi]!], prep.unknownCategory);
}

/** Encodes records keyed by feature name (inference); a missing key counts as a missing value. */
export function encodeRecords(prep: Preprocessing, records: Record<string, CellValue>[], unknown: UnknownCategory = prep.unknownCategory): Float32Array {
  const names = prep.features.map((f) => f.name);
  return encode(prep, records.length, (r, fi) => records[r]![names[fi]!], unknown);
}

/** Target values of the given rows: class indices (classification) or standardised values. */
export function encodeTarget(prep: Preprocessing, table: TrainingTable, rows: ArrayLike<number>): Float32Array {
  const index = columnIndex(table, prep.target.name, 'target');
  const out = new Float32Array(rows.length);
  const classes = new Map(prep.target.classes?.map((c, i) => [c, i]));
  for (let r = 0; r < rows.length; r++) {
    const value = table.rows[rows[r]!]![index]!;
    if (prep.target.task === 'classification') out[r] = classes.get(key(value))!;
    else out[r] = ((value as number) - prep.target.mean!) / prep.target.std!;
  }
  return out;
}

/** Indices of the rows whose target is filled in: rows without a label cannot be trained on. */
export function labelledRows(table: TrainingTable, target: string): Int32Array {
  const index = columnIndex(table, target, 'target');
  const rows: number[] = [];
  table.rows.forEach((row, i) => {
    if (row[index] !== null && row[index] !== undefined) rows.push(i);
  });
  return Int32Array.from(rows);
}
