import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../training/prng.js';
import { readColumnarCsv } from './columnar-csv.js';

const dir = mkdtempSync(join(tmpdir(), 'columnar-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
function file(text: string | Buffer): string {
  const path = join(dir, `t${counter++}.csv`);
  writeFileSync(path, text);
  return path;
}

describe('readColumnarCsv', () => {
  it('parses every number exactly as Number() does, fast path or not', () => {
    const random = new SeededRandom(7);
    const texts: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const kind = i % 6;
      const x = (random.next() - 0.5) * 10 ** (random.int(30) - 15);
      texts.push(
        kind === 0 ? x.toFixed(random.int(10)) : kind === 1 ? x.toExponential(random.int(16)) : kind === 2 ? String(x) : kind === 3 ? String(random.int(1e9)) : kind === 4 ? `0.${'0'.repeat(random.int(5))}${random.int(1000)}` : x.toPrecision(1 + random.int(17)),
      );
    }
    const table = readColumnarCsv(file(`v\n${texts.join('\n')}\n`));
    const column = table.columns[0] as Float64Array;
    expect(column).toBeInstanceOf(Float64Array);
    texts.forEach((t, i) => expect(Object.is(column[i], Number(t)), `${t}: ${column[i]} vs ${Number(t)}`).toBe(true));
  });

  it('reads quotes, CRLF, a BOM, blank lines, missing spellings and text columns like the table reader', () => {
    const text = '\uFEFFid,x,"label, quoted",flag\r\n1, 2.5 ,"a ""b""",true\r\n\r\n2,NA,plain,false\r\n3,,"multi\nline",TRUE\r\n4,null,7,false';
    const table = readColumnarCsv(file(text));
    expect(table.names).toEqual(['id', 'x', 'label, quoted', 'flag']);
    expect(table.rows).toBe(4);
    expect(Array.from(table.columns[0] as Float64Array)).toEqual([1, 2, 3, 4]);
    expect(Array.from(table.columns[1] as Float64Array)).toEqual([2.5, Number.NaN, Number.NaN, Number.NaN]);
    expect(table.columns[2]).toEqual(['a "b"', 'plain', 'multi\nline', '7']);
    expect(table.columns[3]).toEqual(['true', 'false', 'TRUE', 'false']);
    expect(table.firstText[2]).toEqual({ line: 2, value: 'a "b"' });
  });

  it('turns a numeric column that meets text into a text column keyed like String(v); long digit strings stay text', () => {
    const table = readColumnarCsv(file('code,big\n1.0,12345678901234567890\n2,1\nx7,2\n'));
    expect(table.columns[0]).toEqual(['1', '2', 'x7']);
    expect(table.firstText[0]).toEqual({ line: 4, value: 'x7' });
    expect(table.columns[1]).toEqual(['12345678901234567890', '1', '2']);
  });

  it('sniffs semicolon and tab separated files', () => {
    expect(readColumnarCsv(file('a;b\n1,5;x\n2,5;y\n')).columns[0]).toEqual(['1,5', '2,5']);
    const tabs = readColumnarCsv(file('a\tb\n 1\t2 \n3\t4\n'));
    expect(Array.from(tabs.columns[1] as Float64Array)).toEqual([2, 4]);
  });

  it('reads files larger than its read buffer, and records that straddle buffer ends', () => {
    const rows = 20_000;
    const lines = ['a,b,c'];
    for (let i = 0; i < rows; i++) lines.push(`${i},${(i * 0.37).toFixed(3)},"q${i % 7}${i === 5000 ? `\n${'long '.repeat(400)}""x""` : ''}"`);
    // A 1 KiB buffer: records cut at every refill, one (row 5000) longer than the buffer itself.
    const table = readColumnarCsv(file(lines.join('\r\n')), 'big.csv', { chunkBytes: 1024 });
    expect((table.columns[2] as string[])[5000]).toBe(`q2\n${'long '.repeat(400)}"x"`);
    expect(table.rows).toBe(rows);
    expect((table.columns[0] as Float64Array)[rows - 1]).toBe(rows - 1);
    expect((table.columns[1] as Float64Array)[12_345]).toBe(Number((12_345 * 0.37).toFixed(3)));
    expect((table.columns[2] as string[])[rows - 1]).toBe(`q${(rows - 1) % 7}`);
  });

  it('refuses empty files, headerless files, duplicate names and ragged rows, naming file and line', () => {
    expect(() => readColumnarCsv(file(''), 'empty.csv')).toThrow(/empty\.csv: the file is empty/);
    expect(() => readColumnarCsv(file('a,b\n'), 'head.csv')).toThrow(/head\.csv: the file has no data rows/);
    expect(() => readColumnarCsv(file('1,2\n3,4\n'), 'n.csv')).toThrow(/n\.csv: line 1: no header/);
    expect(() => readColumnarCsv(file('a,a\n1,2\n'), 'd.csv')).toThrow(/d\.csv: line 1: the header names column 'a' twice/);
    expect(() => readColumnarCsv(file('a,b\n1,2\n3\n'), 'r.csv')).toThrow(/r\.csv: line 3: ragged row: it has 1 field but the header has 2/);
    expect(() => readColumnarCsv(file('a,b\n1,"2\n'), 'q.csv')).toThrow(/q\.csv: line 2: not valid CSV: a quoted field is not closed/);
  });
});
