/**
 * Training-data overlap of a quality test: a row is its feature values and its label, in the model
 * signature's order, written canonically and hashed. Two rows are "the same" when those agree,
 * whatever else the files hold (id columns the model ignores, column order, number spelling), so
 * a test set cut from the training file and renumbered is still caught.
 */
import { createHash } from 'node:crypto';
import type { TypedCell } from '../data/cell-values.js';

const NUMBER_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** One cell as the hash sees it: numbers as numbers (also when a CSV typed them as text), trimmed text, null for missing. */
export function canonicalCell(cell: TypedCell | undefined): number | boolean | string | null {
  if (cell === undefined || cell === null) return null;
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : String(cell);
  if (typeof cell === 'boolean') return cell;
  const text = cell.trim();
  if (NUMBER_TEXT.test(text)) return Number(text);
  return text;
}

/** 128 bits of SHA-256 over the canonical JSON of the row: collisions are out of reach at any table size. */
export function rowHash(cells: readonly (TypedCell | undefined)[]): string {
  return createHash('sha256').update(JSON.stringify(cells.map(canonicalCell))).digest('base64').slice(0, 22);
}

export interface HashableTable {
  columns: readonly { name: string }[];
  rows: readonly (readonly TypedCell[])[];
}

/** Hashes of every row over `columns` (features then label, by name); a column the table lacks reads as missing. */
export function tableRowHashes(table: HashableTable, columns: readonly string[]): string[] {
  const positions = columns.map((name) => table.columns.findIndex((c) => c.name === name));
  return table.rows.map((row) => rowHash(positions.map((p) => (p < 0 ? null : row[p]))));
}

/** How many of `evaluated` (each row counted, duplicates too) are also among `training`. */
export function countOverlap(evaluated: readonly string[], training: Iterable<string>): number {
  const seen = new Set(training);
  let overlap = 0;
  for (const hash of evaluated) if (seen.has(hash)) overlap++;
  return overlap;
}

export function overlapWarning(overlap: number, rows: number, trainingRef: string): string | null {
  if (overlap === 0 || rows === 0) return null;
  const share = (100 * overlap) / rows;
  // Never "100%" for a part nor "0.0%" for some: the share is what a reader acts on.
  const percent = overlap === rows ? '100' : share < 0.1 ? '<0.1' : Math.min(99.9, share).toFixed(1);
  return `${overlap.toLocaleString('en-US')} of ${rows.toLocaleString('en-US')} evaluated rows (${percent}%) are also rows of the training data ${trainingRef}: the figures on them overstate how the model does on new data.`;
}
