/**
 * What training reads: a table of typed columns. The dataset module's `readRows(version)` gives
 * rows per its inferred schema with the same column types, so a dataset version becomes a
 * TrainingTable with a thin adapter (a CSV file given to training is imported as a version first).
 */
import { invalidParameter } from '../errors.js';

export type ColumnType = 'numeric' | 'integer' | 'boolean' | 'categorical' | 'text';
export type CellValue = number | string | boolean | null;

export interface TrainingColumn {
  name: string;
  type: ColumnType;
}

export interface TrainingTable {
  columns: TrainingColumn[];
  rows: CellValue[][];
}

export type Task = 'classification' | 'regression';

/** At most this many distinct integer values make an integer target a class label. */
export const MAX_INTEGER_CLASSES = 10;

export function columnIndex(table: TrainingTable, name: string, role = 'column'): number {
  const index = table.columns.findIndex((column) => column.name === name);
  if (index < 0) {
    const names = table.columns.map((column) => column.name);
    throw invalidParameter(`The ${role} '${name}' is not a column of the data (columns: ${names.join(', ')}).`);
  }
  return index;
}

/**
 * Classification when the target holds labels: categorical or boolean values, or integers with
 * only a few distinct values (0/1 flags, ratings). Everything else numeric is regression.
 */
export function inferTask(table: TrainingTable, target: string): Task {
  const index = columnIndex(table, target, 'target');
  const type = table.columns[index]!.type;
  if (type === 'categorical' || type === 'boolean') return 'classification';
  if (type === 'text') {
    throw invalidParameter(`The target '${target}' holds free text (too many distinct values to be classes); pick another column or convert it to categories.`);
  }
  if (type === 'integer') {
    const distinct = new Set<CellValue>();
    for (const row of table.rows) {
      const value = row[index];
      if (value === null || value === undefined) continue;
      distinct.add(value);
      if (distinct.size > MAX_INTEGER_CLASSES) return 'regression';
    }
    return 'classification';
  }
  return 'regression';
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
const BOOLEAN = /^(true|false)$/i;

/** Cells that mean "no value" in CSV files written by spreadsheets, pandas and R. */
export function isMissing(text: string): boolean {
  const t = text.trim();
  return t === '' || t === 'NA' || t === 'N/A' || t === 'NaN' || t === 'nan' || t === 'null' || t === 'NULL';
}

/**
 * The type of a column of raw strings. Categorical when there are few distinct values (at most 50,
 * and at most half of the filled cells, so an ID column is text); free text is ignored as a feature.
 */
export function inferColumnType(values: string[]): ColumnType {
  const present = values.filter((value) => !isMissing(value)).map((value) => value.trim());
  if (present.length === 0) return 'text';
  if (present.every((value) => NUMBER.test(value))) return present.every((value) => INTEGER.test(value)) ? 'integer' : 'numeric';
  if (present.every((value) => BOOLEAN.test(value))) return 'boolean';
  const distinct = new Set(present).size;
  return distinct <= 50 && (distinct <= present.length / 2 || present.length <= 20) ? 'categorical' : 'text';
}

export function parseCell(text: string, type: ColumnType): CellValue {
  if (isMissing(text)) return null;
  const t = text.trim();
  switch (type) {
    case 'numeric':
    case 'integer':
      return Number(t);
    case 'boolean':
      return t.toLowerCase() === 'true';
    default:
      return t;
  }
}

/** A table from raw string columns, typing each column by inference. */
export function typedTable(header: string[], records: string[][]): TrainingTable {
  const columns = header.map((name, index) => ({ name, type: inferColumnType(records.map((record) => record[index] ?? '')) }));
  const rows = records.map((record) => columns.map((column, index) => parseCell(record[index] ?? '', column.type)));
  return { columns, rows };
}
