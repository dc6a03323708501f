/**
 * Reads a CSV straight into columns for drift: numeric columns as Float64Array (NaN = missing),
 * others as strings. `mldesk drift` is benchmarked against pandas.read_csv, and the generic
 * table reader (csv-parse, one string per cell, then a regex and Number() per cell) spends most
 * of its time creating strings; here numbers are parsed from the bytes and only text cells become
 * strings. Cells are read as cell-values.ts reads them (trimmed; empty, NA, N/A, null, none, nan
 * are missing; plain decimal or scientific notation; digit strings past 2^53 are text), and a
 * numeric column that meets text becomes a text column (its numbers keyed as String(v), as
 * categories are everywhere in monitoring).
 */
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { normalizeCell, readNumber } from '../data/cell-values.js';
import { readSample, sniffDelimiter } from '../data/csv-delimiter.js';
import { DatasetFileError } from '../data/table-reader.js';

export type ColumnData = Float64Array | (string | null)[];

export interface ColumnarTable {
  rows: number;
  names: string[];
  columns: ColumnData[];
  /** Per column: the first text cell that made a column text, for error messages. */
  firstText: ({ line: number; value: string } | null)[];
}

const CHUNK = 8 << 20;
const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;
/** Powers of ten exact in a double: Clinger's fast path multiplies or divides by one of these. */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

const decoder = new TextDecoder('utf-8');

/**
 * Reads a plain decimal starting at byte s (stopping at the first byte that cannot continue it),
 * writes it to out[index] and returns the index after it; returns -1 when it is not one the fast
 * path reads exactly (≤ 15 significant digits, decimal exponent within ±22: one correctly rounded
 * operation, so the double is Number(text)'s). The caller checks that a delimiter or line end
 * follows, else falls back to the string path. Scanning and parsing in one pass, and writing the
 * double rather than returning it (a returned double is boxed), is what makes this path fast.
 */
function scanNumberInto(buf: Uint8Array, s: number, limit: number, out: Float64Array, index: number): number {
  let i = s;
  let negative = false;
  const first = buf[i]!;
  if (first === 0x2d || first === 0x2b) {
    negative = first === 0x2d;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  let seenDigit = false;
  let seenPoint = false;
  for (; i < limit; i++) {
    const c = buf[i]!;
    if (c >= 0x30 && c <= 0x39) {
      seenDigit = true;
      if (mantissa === 0 && c === 0x30) {
        if (seenPoint) scale--;
        continue;
      }
      if (++digits > 15) return -1;
      mantissa = mantissa * 10 + (c - 0x30);
      if (seenPoint) scale--;
    } else if (c === 0x2e && !seenPoint) {
      seenPoint = true;
    } else break;
  }
  if (!seenDigit) return -1;
  if (i < limit && (buf[i] === 0x65 || buf[i] === 0x45)) {
    i++;
    let expNegative = false;
    if (i < limit && (buf[i] === 0x2d || buf[i] === 0x2b)) {
      expNegative = buf[i] === 0x2d;
      i++;
    }
    let exponent = 0;
    const start = i;
    for (; i < limit; i++) {
      const d = buf[i]!;
      if (d < 0x30 || d > 0x39) break;
      if (exponent > 1000) return -1;
      exponent = exponent * 10 + (d - 0x30);
    }
    if (i === start) return -1;
    scale += expNegative ? -exponent : exponent;
  }
  let value: number;
  if (mantissa === 0) value = 0;
  else if (scale >= 0 && scale <= 22) value = mantissa * POW10[scale]!;
  else if (scale < 0 && scale >= -22) value = mantissa / POW10[-scale]!;
  else return -1;
  out[index] = negative ? -value : value;
  return i;
}

export class ColumnBuilder {
  numbers: Float64Array | null = new Float64Array(1024);
  texts: (string | null)[] | null = null;
  firstText: { line: number; value: string } | null = null;

  /** Room for `rows` numbers, so the reader can write cells without a bounds check per cell. */
  reserve(rows: number): void {
    if (this.numbers && this.numbers.length < rows) {
      const grown = new Float64Array(rows);
      grown.set(this.numbers);
      this.numbers = grown;
    }
  }

  push(row: number, value: number | string | null, line: number): void {
    if (this.numbers) {
      if (typeof value === 'string') {
        this.toText(row);
        this.firstText = { line, value };
      } else {
        if (row >= this.numbers.length) {
          const grown = new Float64Array(this.numbers.length * 2);
          grown.set(this.numbers);
          this.numbers = grown;
        }
        this.numbers[row] = value === null ? Number.NaN : value;
        return;
      }
    }
    this.texts![row] = value === null ? null : typeof value === 'number' ? String(value) : value;
  }

  private toText(rows: number): void {
    const texts = new Array<string | null>(rows);
    for (let r = 0; r < rows; r++) {
      const v = this.numbers![r]!;
      texts[r] = Number.isNaN(v) ? null : String(v);
    }
    this.texts = texts;
    this.numbers = null;
  }

  finish(rows: number): ColumnData {
    if (this.numbers) return this.numbers.subarray(0, rows);
    this.texts!.length = rows;
    return this.texts!;
  }
}

/** A text cell (quoted, or not a plain number) read as cell-values.ts reads cells. */
function textCell(text: string): number | string | null {
  const cell = normalizeCell(text);
  if (cell === null) return null;
  const n = readNumber(cell);
  return n === undefined ? (cell as string) : n;
}

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB;
}

/**
 * Reads `path` (a CSV with a header row; the delimiter is sniffed as the table reader does).
 * `label` names the file in errors. Throws DatasetFileError for empty files, bad headers and
 * ragged rows, with the line.
 */
export function readColumnarCsv(path: string, label = path, options: { chunkBytes?: number } = {}): ColumnarTable {
  const delimiter = sniffDelimiter(readSample(path)).charCodeAt(0);
  const fd = openSync(path, 'r');
  try {
    let buf = new Uint8Array(options.chunkBytes ?? CHUNK);
    let len = 0;
    let eof = false;
    /** File offset of buf[0]. */
    let base = 0;
    let dataStart = 0;
    const fileBytes = fstatSync(fd).size;
    const fill = (keepFrom: number): number => {
      // Moves the unread tail to the front and reads more behind it; returns the shift applied.
      const tail = len - keepFrom;
      if (keepFrom === 0 && len === buf.length) {
        const grown = new Uint8Array(buf.length * 2);
        grown.set(buf);
        buf = grown;
      } else buf.copyWithin(0, keepFrom, len);
      len = tail;
      const read = readSync(fd, buf, len, buf.length - len, null);
      if (read === 0) eof = true;
      len += read;
      base += keepFrom;
      return keepFrom;
    };
    fill(0);
    let pos = 0;
    if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;

    let names: string[] | null = null;
    let builders: ColumnBuilder[] = [];
    let width = 0;
    let capacity = 0;
    let rows = 0;
    let line = 1;
    const header: string[] = [];

    /**
     * One record from `pos`; false when the buffer ended first (then refill and retry). Data cells
     * go straight into the columns at index `rows` (no boxed doubles in between); a record that is
     * retried or turns out blank is simply overwritten by the next one, as `rows` only moves on
     * once a record is complete.
     */
    const record = (): boolean => {
      header.length = 0;
      if (names && rows >= capacity) {
        // After the first 1,024 rows, room for the whole file at their bytes per row (+5%): one
        // allocation per column instead of a doubling series of copies.
        const consumed = base + pos - dataStart;
        const estimate = capacity > 0 && consumed > 0 ? Math.ceil(((fileBytes - dataStart) * rows * 1.05) / consumed) : 0;
        capacity = Math.max(1024, capacity * 2, estimate);
        for (const b of builders) b.reserve(capacity);
      }
      let i = pos;
      let newlines = 0;
      let fields = 0;
      let blank = true;
      for (;;) {
        while (i < len && isBlank(buf[i]!) && buf[i] !== delimiter) i++;
        if (i >= len && !eof) return false;
        let value: number | string | null = null;
        let written = false;
        if (buf[i] === QUOTE) {
          let j = i + 1;
          let text = '';
          let from = j;
          for (;;) {
            if (j >= len) {
              if (!eof) return false;
              throw new DatasetFileError(label, line, 'not valid CSV: a quoted field is not closed.');
            }
            if (buf[j] === QUOTE) {
              if (j + 1 >= len && !eof) return false;
              if (j + 1 < len && buf[j + 1] === QUOTE) {
                text += decoder.decode(buf.subarray(from, j + 1));
                j += 2;
                from = j;
                continue;
              }
              break;
            }
            if (buf[j] === LF) newlines++;
            j++;
          }
          text += decoder.decode(buf.subarray(from, j));
          i = j + 1;
          while (i < len && isBlank(buf[i]!) && buf[i] !== delimiter) i++;
          value = names ? textCell(text) : text;
          blank = false;
        } else {
          const numbers = names !== null && fields < width ? builders[fields]!.numbers : null;
          if (numbers !== null) {
            const end = scanNumberInto(buf, i, len, numbers, rows);
            if (end >= 0 && end < len && (buf[end] === delimiter || buf[end] === LF || buf[end] === CR)) {
              i = end;
              written = true;
              blank = false;
            } else if (end === len && eof) {
              i = end;
              written = true;
              blank = false;
            }
          }
          if (!written) {
            const start = i;
            while (i < len && buf[i] !== delimiter && buf[i] !== LF && buf[i] !== CR) i++;
            if (i >= len && !eof) return false;
            let end = i;
            while (end > start && isBlank(buf[end - 1]!)) end--;
            if (end === start) value = names ? null : '';
            else {
              blank = false;
              value = names ? textCell(decoder.decode(buf.subarray(start, end))) : decoder.decode(buf.subarray(start, end));
            }
          }
        }
        if (!names) header.push(value as string);
        else if (fields < width && !written) builders[fields]!.push(rows, value, line);
        fields++;
        if (i < len && buf[i] === delimiter) {
          i++;
          blank = false;
          continue;
        }
        if (i < len && buf[i] !== LF && buf[i] !== CR) {
          throw new DatasetFileError(label, line + newlines, 'not valid CSV: text after a closing quote.');
        }
        if (i < len && buf[i] === CR) {
          if (i + 1 >= len && !eof) return false;
          i++;
        }
        if (i < len && buf[i] === LF) i++;
        newlines++;
        break;
      }
      pos = i;
      if (!blank) {
        if (!names) {
          names = checkHeader(header, label);
          dataStart = base + i;
          width = names.length;
          builders = names.map(() => new ColumnBuilder());
        } else {
          if (fields !== width) throw new DatasetFileError(label, line, `ragged row: it has ${fields} field${fields === 1 ? '' : 's'} but the header has ${width}.`);
          rows++;
        }
      }
      line += newlines;
      return true;
    };

    for (;;) {
      if (pos >= len) {
        if (eof) break;
        pos -= fill(pos);
      } else if (!record()) {
        // The record runs past the bytes read so far: keep it and read on (growing the buffer if it alone fills it).
        pos -= fill(pos);
      }
    }
    if (!names) throw new DatasetFileError(label, undefined, 'the file is empty.');
    if (rows === 0) throw new DatasetFileError(label, undefined, 'the file has no data rows.');
    const columnNames: string[] = names;
    return { rows, names: columnNames, columns: builders.map((b) => b.finish(rows)), firstText: builders.map((b) => b.firstText) };
  } finally {
    closeSync(fd);
  }
}

function checkHeader(record: string[], label: string): string[] {
  const names = record.map((name) => (name ?? '').trim());
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

type WorkerReply = { ok: true; table: ColumnarTable } | { ok: false; file: string; line: number | undefined; problem: string } | { ok: false; message: string };

/**
 * readColumnarCsv on a worker thread (the compiled worker beside this module); where there is none
 * (running from sources), on this thread. `sortNumeric` has the worker sort each numeric column
 * too (missing values last): rows no longer line up across columns, which per-column drift does
 * not need, and the sorting is done off the main thread.
 */
export function readColumnarCsvInWorker(path: string, label = path, sortNumeric = false): Promise<ColumnarTable> {
  const script = new URL('./columnar-csv-worker.js', import.meta.url);
  if (script.protocol !== 'file:' || !existsSync(fileURLToPath(script))) return Promise.resolve().then(() => readColumnarCsv(path, label));
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: { path, label, sortNumeric } });
    worker.once('message', (reply: WorkerReply) => {
      void worker.terminate();
      if (reply.ok) resolve(reply.table);
      else if ('problem' in reply) reject(new DatasetFileError(reply.file, reply.line, reply.problem));
      else reject(new Error(reply.message));
    });
    worker.once('error', reject);
  });
}
