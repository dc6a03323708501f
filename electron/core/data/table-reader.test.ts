import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RawCell } from './cell-values.js';
import { DatasetFileError, detectFormat, readTable, type TableSink } from './table-reader.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string | Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'mldesk-reader-'));
  dirs.push(dir);
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function collector() {
  const columns: string[] = [];
  const rows: RawCell[][] = [];
  const sink: TableSink = { addColumn: (name) => columns.push(name), row: (cells) => rows.push([...cells]) };
  return { sink, columns, rows };
}

async function readError(path: string, format: 'csv' | 'jsonl'): Promise<DatasetFileError> {
  const error = await readTable(path, format, collector().sink).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatasetFileError);
  return error as DatasetFileError;
}

describe('readTable', () => {
  it('reads CSV with a BOM, CRLF line ends, quoted fields and blank lines, hashing the exact bytes', async () => {
    const content = '\ufeffname,note\r\n"Smith, J","said ""hi"""\r\n\r\nLee,\r\n';
    const { sink, columns, rows } = collector();
    const result = await readTable(file('a.csv', content), 'csv', sink);
    expect(columns).toEqual(['name', 'note']);
    expect(rows).toEqual([['Smith, J', 'said "hi"'], ['Lee', '']]);
    expect(result).toMatchObject({ rows: 2, bytes: Buffer.byteLength(content), columns: ['name', 'note'] });
    expect(result.sha256).toBe(createHash('sha256').update(content).digest('hex'));
  });

  it('reads JSON lines with CRLF and blank lines, keeping JSON types', async () => {
    const { sink, columns, rows } = collector();
    await readTable(file('a.jsonl', '{"a":1,"b":"x"}\r\n\r\n{"b":null,"a":true}\n'), 'jsonl', sink);
    expect(columns).toEqual(['a', 'b']);
    expect(rows).toEqual([[1, 'x'], [true, null]]);
  });

  it('names file, line and problem for a ragged CSV row', async () => {
    const path = file('ragged.csv', 'a,b,c\n1,2,3\n4,5,6\n7,8\n');
    const error = await readError(path, 'csv');
    expect(error.line).toBe(4);
    expect(error.message).toBe(`${path}: line 4: ragged row: it has 2 fields but the header has 3.`);
  });

  it('reports an unclosed quote as invalid CSV with a line', async () => {
    const error = await readError(file('quote.csv', 'a,b\n1,"2\n3,4\n'), 'csv');
    expect(error.message).toMatch(/line \d+: not valid CSV: Quote Not Closed/);
  });

  it('names the line of an invalid JSON line and of a line that is not an object', async () => {
    const path = file('bad.jsonl', '{"a":1}\n{"a":2}\n{"a":3,}\n');
    const error = await readError(path, 'jsonl');
    expect(error.line).toBe(3);
    expect(error.message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 3: invalid JSON: `));
    const notObject = await readError(file('arr.jsonl', '{"a":1}\n\n[1,2]\n'), 'jsonl');
    expect(notObject.line).toBe(3);
    expect(notObject.problem).toMatch(/expected a JSON object.*an array/);
  });

  it('refuses empty files, header-only files and files without a header', async () => {
    expect((await readError(file('empty.csv', ''), 'csv')).problem).toBe('the file is empty.');
    expect((await readError(file('blank.csv', '\n\n'), 'csv')).problem).toBe('the file is empty.');
    expect((await readError(file('empty.jsonl', '\n'), 'jsonl')).problem).toBe('the file is empty.');
    expect((await readError(file('header.csv', 'a,b\n'), 'csv')).problem).toBe('the file has no data rows.');
    const noHeader = await readError(file('nohead.csv', '1,2.5,3\n4,5,6\n'), 'csv');
    expect(noHeader.line).toBe(1);
    expect(noHeader.problem).toMatch(/^no header: the first row holds only numbers/);
    expect((await readError(file('dup.csv', 'a,b,a\n1,2,3\n'), 'csv')).problem).toMatch(/names column 'a' twice/);
    expect((await readError(file('blankname.csv', 'a,,c\n1,2,3\n'), 'csv')).problem).toMatch(/column 2 of the header has no name/);
  });

  it('stops at the first error a sink throws', async () => {
    const sink: TableSink = {
      addColumn: () => undefined,
      row: (_cells, rowNumber) => {
        if (rowNumber === 2) throw new Error('sink says no');
      },
    };
    await expect(readTable(file('x.csv', 'a\n1\n2\n3\n'), 'csv', sink)).rejects.toThrow('sink says no');
  });
});

describe('detectFormat', () => {
  it('knows .csv, .jsonl and .ndjson, takes an explicit format, and refuses anything else with the fix', () => {
    expect(detectFormat('/x/data.CSV')).toBe('csv');
    expect(detectFormat('/x/data.jsonl')).toBe('jsonl');
    expect(detectFormat('/x/data.ndjson')).toBe('jsonl');
    expect(detectFormat('/x/data.txt', 'csv')).toBe('csv');
    expect(() => detectFormat('/x/data.xlsx')).toThrow(/data\.xlsx: unknown format: cannot tell it from the extension \.xlsx.*--format/);
    expect(() => detectFormat('/x/data.csv', 'parquet')).toThrow(/unknown format 'parquet'/);
  });
});
