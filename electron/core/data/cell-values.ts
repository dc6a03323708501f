import type { ColumnType } from '../../../shared/datasets.js';

/**
 * How one cell is read, whatever the file format. Import (type inference), validation and
 * readRows all go through these functions, so a value that counted as an integer when a version
 * was profiled reads back as that same integer for training.
 */

/** A cell as a reader yields it: CSV gives strings, JSON lines gives JSON scalars. */
export type RawCell = string | number | boolean | null;

/** A cell read per its column's type (what readRows hands to training). */
export type TypedCell = number | boolean | string | null;

/**
 * Spellings of "no value" that pandas, R and spreadsheets write into CSV (matched trimmed and
 * case-insensitively). An empty cell is null too. 'NaN' is here because pandas writes missing
 * floats that way, and a NaN cannot take part in min/max/mean anyway.
 */
const NULL_TOKENS = new Set(['na', 'n/a', 'null', 'none', 'nan']);

const INTEGER_TEXT = /^[+-]?\d+$/;
/** Plain decimal or scientific notation; no hex, binary, 'Infinity' or thousands separators. */
const DECIMAL_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A cell with surrounding whitespace trimmed and null tokens turned into null. Every other
 * function here takes normalised cells.
 */
export function normalizeCell(cell: RawCell | undefined): RawCell {
  if (cell === undefined || cell === null) return null;
  if (typeof cell !== 'string') return cell;
  const text = cell.trim();
  if (text === '') return null;
  if (text.length <= 4 && NULL_TOKENS.has(text.toLowerCase())) return null;
  return text;
}

/**
 * A finite number, or undefined when the cell is not numeric. Digit strings past 2^53 are not
 * numbers here either: they are identifiers far more often than quantities, and as floats they
 * would silently lose digits.
 */
export function readNumber(cell: RawCell): number | undefined {
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : undefined;
  if (typeof cell !== 'string' || !DECIMAL_TEXT.test(cell)) return undefined;
  const value = Number(cell);
  if (!Number.isFinite(value)) return undefined;
  return Number.isSafeInteger(value) || !INTEGER_TEXT.test(cell) ? value : undefined;
}

/** A whole number written without a decimal point (or a JSON integer within 2^53), or undefined. */
export function readInteger(cell: RawCell): number | undefined {
  if (typeof cell === 'number') return Number.isSafeInteger(cell) ? cell : undefined;
  if (typeof cell !== 'string' || !INTEGER_TEXT.test(cell)) return undefined;
  const value = Number(cell);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** JSON booleans and the words true/false in any case; 0/1 and yes/no are left as what they look like. */
export function readBoolean(cell: RawCell): boolean | undefined {
  if (typeof cell === 'boolean') return cell;
  if (typeof cell !== 'string' || cell.length < 4 || cell.length > 5) return undefined;
  const lower = cell.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
}

/** The string form every non-null cell has as a category or text value. */
export function cellText(cell: Exclude<RawCell, null>): string {
  return typeof cell === 'string' ? cell : String(cell);
}

/** A normalised cell read as `type`: null stays null; undefined means it cannot be read as that type. */
export function readAs(type: ColumnType, cell: RawCell): TypedCell | undefined {
  if (cell === null) return null;
  switch (type) {
    case 'numeric':
      return readNumber(cell);
    case 'integer':
      return readInteger(cell);
    case 'boolean':
      return readBoolean(cell);
    case 'categorical':
    case 'text':
      return cellText(cell);
  }
}
