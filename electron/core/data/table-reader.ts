import { parse, type CsvError } from 'csv-parse';
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import type { DatasetFormat } from '../../../shared/datasets.js';
import { MLDeskError } from '../errors.js';
import { hashingTap } from './blob-store.js';
import { readSample, sniffDelimiter, type Delimiter } from './csv-delimiter.js';
import type { RawCell } from './cell-values.js';

/**
 * Streams a CSV or JSON-lines file into a TableSink, hashing the very bytes it parses, so the
 * profile, the validation report or the typed rows always belong to the hash that is returned.
 */

/** Bad input: names the file, the line when there is one, and the problem. */
export class DatasetFileError extends MLDeskError {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly problem: string,
  ) {
    super('INVALID_PARAMETER_VALUE', line === undefined ? `${file}: ${problem}` : `${file}: line ${line}: ${problem}`);
    this.name = 'DatasetFileError';
  }
}

export interface TableSink {
  /** A column appears: CSV announces all of them from the header, JSON lines as keys first show up. */
  addColumn(name: string): void;
  /** One data row, aligned with the columns announced so far; rowNumber counts data rows from 1. */
  row(cells: readonly RawCell[], rowNumber: number): void;
}

export interface TableReadResult {
  sha256: string;
  bytes: number;
  rows: number;
  columns: string[];
}

const EXTENSIONS: Record<string, DatasetFormat> = { '.csv': 'csv', '.jsonl': 'jsonl', '.ndjson': 'jsonl' };

/** The format from an explicit choice or the file extension; anything else is refused with the fix. */
export function detectFormat(path: string, explicit?: string): DatasetFormat {
  if (explicit !== undefined) {
    if (explicit === 'csv' || explicit === 'jsonl') return explicit;
    throw new DatasetFileError(path, undefined, `unknown format '${explicit}'; supported formats are csv and jsonl.`);
  }
  const format = EXTENSIONS[extname(path).toLowerCase()];
  if (format) return format;
  const ext = extname(path) || '(none)';
  throw new DatasetFileError(
    path,
    undefined,
    `unknown format: cannot tell it from the extension ${ext}. Supported: .csv (comma-separated with a header row) and ` +
      '.jsonl/.ndjson (one JSON object per line); pass the format explicitly (--format csv|jsonl) for other names.',
  );
}

/**
 * Reads `path` as `format`, feeding `sink`. `label` is the name errors use (the user's file name,
 * not a staging copy). Rejects with a DatasetFileError for empty files, missing or malformed
 * headers, ragged rows and invalid JSON lines; anything the sink throws ends the read too.
 */
export async function readTable(path: string, format: DatasetFormat, sink: TableSink, label = path): Promise<TableReadResult> {
  const { tap, digest } = hashingTap();
  const columns: string[] = [];
  const trackingSink: TableSink = {
    addColumn(name) {
      columns.push(name);
      sink.addColumn(name);
    },
    row: (cells, rowNumber) => sink.row(cells, rowNumber),
  };
  // 1 MiB reads: the parser's per-chunk overhead dominates with the 64 KiB default.
  const source = createReadStream(path, { highWaterMark: 1 << 20 });
  const rows = format === 'csv' ? await readCsv(source, tap, trackingSink, label, sniffDelimiter(readSample(path))) : await readJsonLines(source, tap, trackingSink, label);
  const { sha256, bytes } = digest();
  if (bytes === 0 || (rows === 0 && columns.length === 0)) throw new DatasetFileError(label, undefined, 'the file is empty.');
  if (rows === 0) throw new DatasetFileError(label, undefined, 'the file has no data rows.');
  return { sha256, bytes, rows, columns };
}

async function readCsv(source: NodeJS.ReadableStream, tap: Transform, sink: TableSink, label: string, delimiter: Delimiter): Promise<number> {
  // Blank lines are skipped (hand-edited files end with several); csv-parse itself refuses rows
  // whose field count differs from the header's, with the line number.
  // The separator is sniffed from the first lines: `;` and tab separated exports are common.
  const parser = parse({ bom: true, skip_empty_lines: true, delimiter });
  let rows = 0;
  let width: number | undefined;
  const consumer = new Writable({
    objectMode: true,
    highWaterMark: 1024,
    write(record: string[], _encoding, callback) {
      try {
        if (width === undefined) {
          const names = checkHeader(record, label);
          width = names.length;
          names.forEach((name) => sink.addColumn(name));
        } else {
          rows += 1;
          sink.row(record, rows);
        }
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  try {
    await pipeline(source, tap, parser, consumer);
  } catch (error) {
    throw csvProblem(error, label, width);
  }
  return rows;
}

function checkHeader(record: string[], label: string): string[] {
  const names = record.map((name) => name.trim());
  const blank = names.findIndex((name) => name === '');
  if (blank !== -1) throw new DatasetFileError(label, 1, `column ${blank + 1} of the header has no name; every column needs a name in the first row.`);
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new DatasetFileError(label, 1, `the header names column '${name}' twice; column names must be unique.`);
    seen.add(name);
  }
  if (names.every((name) => /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(name))) {
    throw new DatasetFileError(label, 1, 'no header: the first row holds only numbers, so it looks like data. Add a first row naming the columns.');
  }
  return names;
}

function csvProblem(error: unknown, label: string, width: number | undefined): unknown {
  if (error instanceof DatasetFileError || !isCsvError(error)) return error;
  if (error.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
    const count = Array.isArray(error.record) ? error.record.length : undefined;
    const got = count === undefined ? 'a different number of fields' : `${count} field${count === 1 ? '' : 's'}`;
    return new DatasetFileError(label, error.lines, `ragged row: it has ${got} but the header has ${width ?? 'another number'}.`);
  }
  const line = typeof error.lines === 'number' ? error.lines : undefined;
  return new DatasetFileError(label, line, `not valid CSV: ${error.message}`);
}

function isCsvError(error: unknown): error is CsvError & { lines?: number; record?: unknown } {
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('CSV_');
}

async function readJsonLines(source: NodeJS.ReadableStream, tap: Transform, sink: TableSink, label: string): Promise<number> {
  const decoder = new StringDecoder('utf8');
  const indexOf = new Map<string, number>();
  let pending = '';
  let line = 0;
  let rows = 0;

  const handleLine = (text: string) => {
    line += 1;
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new DatasetFileError(label, line, `invalid JSON: ${(error as Error).message}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new DatasetFileError(label, line, `expected a JSON object ({"column": value, ...}), found ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}.`);
    }
    const cells: RawCell[] = new Array<RawCell>(indexOf.size).fill(null);
    for (const [key, cell] of Object.entries(value)) {
      let index = indexOf.get(key);
      if (index === undefined) {
        index = indexOf.size;
        indexOf.set(key, index);
        sink.addColumn(key);
      }
      cells[index] = jsonCell(cell);
    }
    rows += 1;
    // New keys take the next indexes, so cells is exactly as long as the column list here.
    sink.row(cells, rows);
  };

  const consumer = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      try {
        const parts = (pending + decoder.write(chunk)).split('\n');
        pending = parts.pop() ?? '';
        for (const part of parts) handleLine(part.endsWith('\r') ? part.slice(0, -1) : part);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    final(callback) {
      try {
        const rest = pending + decoder.end();
        if (rest !== '') handleLine(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  await pipeline(source, tap, consumer);
  return rows;
}

/** Nested objects and arrays are kept as their JSON text: a text column, not a lost value. */
function jsonCell(value: unknown): RawCell {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}
