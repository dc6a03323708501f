/**
 * CSV as RFC 4180 writes it: fields separated by commas, records ended by CRLF, a field holding a
 * comma, a double quote, CR or LF enclosed in double quotes with its quotes doubled.
 *
 * Spreadsheet formula injection: a text cell starting with `=`, `+`, `-`, `@`, a tab or a CR is
 * run as a formula by Excel, LibreOffice and Google Sheets when the file is opened (a param value
 * `=HYPERLINK(...)` logged by anyone who can reach the tracking API would be). Such cells get a
 * leading `'`, the usual guard (OWASP "CSV Injection"), which spreadsheets show as plain text. A
 * cell that is a plain number (`-0.5`, `+3e-4`) cannot be a formula and is left as it is, so
 * negative metrics and params stay numbers.
 */

const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export type CsvValue = string | number | boolean | null | undefined;

/** One field: empty for null/undefined, numbers as JavaScript prints them, text guarded and quoted as needed. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, CRLF included. */
export function csvRow(values: readonly CsvValue[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

/** Milliseconds since the epoch as an ISO 8601 UTC time, which every spreadsheet reads as a date. */
export function csvTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '' : new Date(ms).toISOString();
}
