/**
 * Turns a scoring request body into rows (one object per record) and checks every row against the
 * model's signature before anything is scored. Accepted shapes: MLflow's scoring server
 * (`dataframe_split`, `dataframe_records`, `instances`, `inputs`, or CSV with a header row) and
 * TF Serving's REST API (`instances` as rows, `inputs` as columns).
 */
import { parse } from 'csv-parse/sync';
import { MLDeskError, invalidParameter } from '../errors.js';
import type { ModelSignature, SignatureInput } from '../training/model-files.js';
import type { CellValue } from '../training/table.js';

export type Row = Record<string, CellValue>;

const MLFLOW_KEYS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;
const TF_SERVING_KEYS = ['instances', 'inputs'] as const;

const describe = (value: unknown): string => (value === undefined ? 'nothing' : JSON.stringify(value));
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function exactlyOneKey(body: unknown, keys: readonly string[]): string {
  if (!isObject(body)) throw invalidParameter(`The request body must be a JSON object with exactly one of ${keys.map((k) => `'${k}'`).join(', ')}.`);
  const present = keys.filter((k) => k in body);
  if (present.length !== 1) {
    const found = present.length === 0 ? 'none was given' : `got ${present.map((k) => `'${k}'`).join(' and ')}`;
    throw invalidParameter(`The request body must hold exactly one of ${keys.map((k) => `'${k}'`).join(', ')}: ${found}.`);
  }
  return present[0]!;
}

function recordsOf(value: unknown, key: string): Row[] {
  if (!Array.isArray(value)) throw invalidParameter(`'${key}' must be a list of records ({feature: value}), got ${describe(value)}.`);
  if (value.length === 0) throw invalidParameter(`'${key}' holds no rows.`);
  return value.map((row, i) => {
    if (!isObject(row)) throw invalidParameter(`row ${i}: '${key}' must hold records ({feature: value}), got ${describe(row)}.`);
    return row as Row;
  });
}

function columnsOf(value: unknown, key: string): Row[] {
  if (!isObject(value)) throw invalidParameter(`'${key}' must be an object of columns ({feature: [values...]}), got ${describe(value)}.`);
  const entries = Object.entries(value);
  if (entries.length === 0) throw invalidParameter(`'${key}' holds no columns.`);
  let length: number | undefined;
  for (const [name, column] of entries) {
    if (!Array.isArray(column)) throw invalidParameter(`'${key}' column '${name}' must be a list of values, got ${describe(column)}.`);
    if (length !== undefined && column.length !== length) {
      throw invalidParameter(`'${key}' columns differ in length: '${entries[0]![0]}' has ${length} values, '${name}' has ${column.length}.`);
    }
    length = column.length;
  }
  if (!length) throw invalidParameter(`'${key}' holds no rows.`);
  return Array.from({ length }, (_, i) => Object.fromEntries(entries.map(([name, column]) => [name, (column as CellValue[])[i] as CellValue])));
}

function splitOf(value: unknown): Row[] {
  if (!isObject(value)) throw invalidParameter(`'dataframe_split' must be an object {columns, data}, got ${describe(value)}.`);
  const { columns, data } = value;
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string')) {
    throw invalidParameter(`'dataframe_split.columns' must be a list of column names, got ${describe(columns)}.`);
  }
  if (!Array.isArray(data) || data.length === 0) throw invalidParameter(`'dataframe_split.data' must be a non-empty list of rows, got ${describe(data)}.`);
  return data.map((row, i) => {
    if (!Array.isArray(row) || row.length !== columns.length) {
      throw invalidParameter(`row ${i}: 'dataframe_split.data' rows must be lists of ${columns.length} values (one per column), got ${describe(row)}.`);
    }
    return Object.fromEntries(columns.map((c, j) => [c, row[j] as CellValue]));
  });
}

/** Rows of an MLflow /invocations JSON body. */
export function mlflowJsonRows(body: unknown): Row[] {
  const key = exactlyOneKey(body, MLFLOW_KEYS);
  const value = (body as Record<string, unknown>)[key];
  if (key === 'dataframe_split') return splitOf(value);
  if (key === 'inputs') return isObject(value) ? columnsOf(value, key) : recordsOf(value, key);
  return recordsOf(value, key);
}

/** Rows of a TF Serving :predict body: `instances` (rows) or `inputs` (columns). */
export function tfServingRows(body: unknown): Row[] {
  const key = exactlyOneKey(body, TF_SERVING_KEYS);
  const value = (body as Record<string, unknown>)[key];
  return key === 'instances' ? recordsOf(value, key) : columnsOf(value, key);
}

/**
 * Rows of a CSV body with a header row. Cells stay text here; checkRows() converts them by the
 * signature's types (an empty cell is a missing value).
 */
export function csvRows(text: string): { rows: Record<string, string>[] } {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  } catch (error) {
    throw invalidParameter(`The CSV body could not be parsed: ${(error as Error).message}`);
  }
  if (records.length === 0) throw invalidParameter('The CSV body holds no rows (the first line must be the header).');
  return { rows: records };
}

/** A row's field that does not fit the signature: `field` and `problem` let callers name the row their own way. */
export class RowFieldError extends MLDeskError {
  constructor(
    readonly row: number,
    readonly field: string,
    readonly problem: string,
  ) {
    super('INVALID_PARAMETER_VALUE', `row ${row}, field '${field}': ${problem}`);
  }
}

function fieldError(row: number, field: string, message: string): never {
  throw new RowFieldError(row, field, message);
}

function checkValue(input: SignatureInput, value: unknown, row: number, fromText: boolean): CellValue {
  if (value === null || (fromText && value === '')) return null; // missing values are imputed
  switch (input.type) {
    case 'numeric':
    case 'integer': {
      const number = fromText && typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof number !== 'number' || !Number.isFinite(number)) fieldError(row, input.name, `expected a number, got ${describe(value)}`);
      return number;
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      if (fromText && typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
      return fieldError(row, input.name, `expected true or false, got ${describe(value)}`);
    }
    default: {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        fieldError(row, input.name, `expected a string, got ${describe(value)}`);
      }
      if (input.categories && !input.categories.includes(String(value))) {
        const shown = input.categories.slice(0, 20).map((c) => JSON.stringify(c)).join(', ');
        fieldError(row, input.name, `unseen category ${describe(value)} (expected one of ${shown}${input.categories.length > 20 ? ', ...' : ''})`);
      }
      return typeof value === 'string' ? value : String(value);
    }
  }
}

const fieldSetsBySignature = new WeakMap<ModelSignature, { known: Set<string>; ignored: Set<string> }>();
/** The feature names a signature takes and the ones it lets through unused, built once per signature. */
function fieldSets(signature: ModelSignature): { known: Set<string>; ignored: Set<string> } {
  let sets = fieldSetsBySignature.get(signature);
  if (!sets) {
    sets = { known: new Set(signature.inputs.map((i) => i.name)), ignored: new Set([...signature.ignoredColumns, signature.output.name]) };
    fieldSetsBySignature.set(signature, sets);
  }
  return sets;
}

/**
 * Checks every row against the signature and returns the rows as the model takes them. The first
 * problem (a missing or unknown feature, a wrong type, an unseen category) throws, naming the row
 * and the field, so nothing is scored. Columns the model ignored in training (ids...) and the target
 * column (labelled rows) are allowed and dropped.
 */
export function checkRows(signature: ModelSignature, rows: Record<string, unknown>[], options: { fromText?: boolean } = {}): Row[] {
  return rows.map((row, r) => checkRow(signature, row, r, options.fromText ?? false));
}

/** checkRows for one row (numbered `r` in the error it throws, a RowFieldError). */
export function checkRow(signature: ModelSignature, row: Record<string, unknown>, r: number, fromText: boolean): Row {
  const { known, ignored } = fieldSets(signature);
  for (const field of Object.keys(row)) {
    if (!known.has(field) && !ignored.has(field)) {
      fieldError(r, field, `unknown feature (the model takes ${signature.inputs.map((i) => `'${i.name}'`).join(', ')})`);
    }
  }
  const out: Row = {};
  for (const input of signature.inputs) {
    if (!(input.name in row)) fieldError(r, input.name, 'missing feature (send null for a missing value)');
    out[input.name] = checkValue(input, row[input.name], r, fromText);
  }
  return out;
}
