/**
 * Where imported predictions come from: a CSV or JSON-lines file (`mldesk monitor import`) or a
 * REST body (`POST /api/2.0/mldesk/predictions/log-batch`). A file is read twice in effect: its
 * rows are checked as they stream in and written, encoded, to a spool file beside the database,
 * and only when every row passed is the spool moved into the log in one transaction. Memory stays
 * bounded whatever the file's size, and the database is locked only for the inserts.
 */
import { parse as parseCsvStream, type CsvError } from 'csv-parse';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { randomUUID } from 'node:crypto';
import { closeSync, createReadStream, mkdirSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { extname, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { invalidParameter } from '../errors.js';
import { readSample, sniffDelimiter } from '../data/csv-delimiter.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import type { SqliteDatabase } from '../store/database.js';
import type { TrackingStore } from '../store/tracking-store.js';
import { commitImport, importVersionOf, ImportRun, type ImportResult } from './prediction-import.js';
import type { ImportVersion } from './prediction-import-rows.js';

export type ImportFormat = 'csv' | 'jsonl';

const EXTENSIONS: Record<string, ImportFormat> = { '.csv': 'csv', '.tsv': 'csv', '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.json': 'jsonl' };

export function importFormatOf(path: string, explicit?: string): ImportFormat {
  if (explicit !== undefined) {
    if (explicit === 'csv' || explicit === 'jsonl') return explicit;
    throw invalidParameter(`Unknown format '${explicit}': use csv or jsonl.`);
  }
  const format = EXTENSIONS[extname(path).toLowerCase()];
  if (!format) throw invalidParameter(`Cannot tell the format of ${path} from its extension: name it .csv or .jsonl, or pass --format csv|jsonl.`);
  return format;
}

const csvErrorLine = (error: unknown): number => (typeof (error as { lines?: unknown }).lines === 'number' ? (error as { lines: number }).lines : 1);
const isCsvError = (error: unknown): error is CsvError => typeof (error as { code?: unknown }).code === 'string' && (error as { code: string }).code.startsWith('CSV_');

/** Encoded rows written to the spool in batches of this many characters. */
const SPOOL_FLUSH_CHARS = 1 << 20;

/** A file of checked, encoded rows, one a line, removed when the import ends either way. */
class Spool {
  private readonly fd: number;
  private buffer: string[] = [];
  private chars = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'wx+');
  }

  add(line: string): void {
    this.buffer.push(line);
    this.chars += line.length + 1;
    if (this.chars >= SPOOL_FLUSH_CHARS) this.flush();
  }

  flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.fd, `${this.buffer.join('\n')}\n`);
    this.buffer = [];
    this.chars = 0;
  }

  /** The spooled lines, read back a few MB at a time (each read starts after the last whole line). */
  *lines(): Generator<string> {
    this.flush();
    let chunk = Buffer.allocUnsafe(4 << 20);
    let position = 0;
    for (;;) {
      const read = readSync(this.fd, chunk, 0, chunk.length, position);
      if (read === 0) return;
      const end = chunk.subarray(0, read).lastIndexOf(0x0a);
      if (end < 0) {
        if (read < chunk.length) throw new Error(`The import spool ${this.path} ends in a cut row.`);
        // A row longer than the buffer (a huge text feature): read it whole with a bigger one.
        chunk = Buffer.allocUnsafe(chunk.length * 2);
        continue;
      }
      yield* chunk.toString('utf8', 0, end).split('\n');
      position += end + 1;
    }
  }

  remove(): void {
    closeSync(this.fd);
    rmSync(this.path, { force: true });
  }
}

async function readCsvFile(path: string, run: ImportRun): Promise<void> {
  const parser = parseCsvStream({ bom: true, skip_empty_lines: true, delimiter: sniffDelimiter(readSample(path)), info: true, relax_column_count: true });
  const source = createReadStream(path, { highWaterMark: 1 << 20 });
  source.on('error', (error) => parser.destroy(error));
  source.pipe(parser);
  let roles: ReturnType<ImportRun['csvHeader']> | undefined;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (roles === undefined) {
        roles = run.csvHeader(record);
        if (roles === null) return;
      } else {
        run.csvRecord(roles!, record, info.lines);
      }
    }
  } catch (error) {
    if (!isCsvError(error)) throw error;
    run.malformed(csvErrorLine(error), `not valid CSV: ${error.message}`);
  } finally {
    source.destroy();
  }
}

async function readJsonLinesFile(path: string, run: ImportRun): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let line = 0;
  const take = (text: string) => {
    line++;
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      run.rows++;
      run.malformed(line, `invalid JSON: ${(error as Error).message}`);
      return;
    }
    run.jsonRecord(value, line);
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const parts = (pending + decoder.write(chunk)).split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) take(part);
  }
  const rest = pending + decoder.end();
  if (rest !== '') take(rest);
}

/** Checks every row of a file against the version, then stores them all, or nothing (ImportRefusedError). */
export async function importPredictionsFile(
  store: TrackingStore,
  registry: ModelRegistry,
  path: string,
  target: { model: string; version: string; format?: string },
): Promise<ImportResult> {
  const format = importFormatOf(path, target.format);
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat?.isFile()) throw invalidParameter(`Cannot import ${path}: ${stat ? 'not a file' : 'no such file'}.`);
  const version = await importVersionOf(store, registry, target.model, target.version);
  const dir = join(store.dataDir, 'import-spool');
  mkdirSync(dir, { recursive: true });
  const spool = new Spool(join(dir, `${process.pid}-${randomUUID()}.rows`));
  try {
    const run = new ImportRun(version, 'line', (line) => spool.add(line));
    await (format === 'csv' ? readCsvFile(path, run) : readJsonLinesFile(path, run));
    run.finish();
    return commitImport(store.db, spool.lines(), version, 'line');
  } finally {
    spool.remove();
  }
}

/** A REST body's rows: JSON objects (`rows`), or CSV text with a header line. */
export type ImportBody = { kind: 'json'; rows: unknown[] } | { kind: 'csv'; text: string };

/** A body holding more rows than one request may store. */
export const tooManyRows = (count: number, limit: number) =>
  invalidParameter(`Too many rows: ${count} in one request, the limit is ${limit.toLocaleString('en-US')}. Split them over several requests, or import the file with \`mldesk monitor import\`.`);

/** importPredictionsFile for a body already in memory (its size bounded by the route), of at most `maxRows` rows. */
export function importPredictionsBody(db: SqliteDatabase, version: ImportVersion, body: ImportBody, maxRows: number): ImportResult {
  const lines: string[] = [];
  const numbering = body.kind === 'json' ? 'index' : 'line';
  const run = new ImportRun(version, numbering, (line) => lines.push(line));
  if (body.kind === 'json') {
    if (body.rows.length > maxRows) throw tooManyRows(body.rows.length, maxRows);
    body.rows.forEach((record, i) => run.jsonRecord(record, i));
  } else {
    let records: { record: string[]; info: { lines: number } }[];
    try {
      records = parseCsvSync(body.text, { bom: true, skip_empty_lines: true, info: true, relax_column_count: true, delimiter: sniffDelimiter(body.text.slice(0, 64 * 1024)) }) as unknown as typeof records;
    } catch (error) {
      if (!isCsvError(error)) throw error;
      throw invalidParameter(`The CSV body is not valid CSV at line ${csvErrorLine(error)}: ${error.message}`);
    }
    if (records.length - 1 > maxRows) throw tooManyRows(records.length - 1, maxRows);
    const roles = records.length ? run.csvHeader(records[0]!.record) : null;
    if (roles) for (const { record, info } of records.slice(1)) run.csvRecord(roles, record, info.lines);
  }
  run.finish();
  return commitImport(db, lines, version, numbering);
}
