import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sniffDelimiter } from './csv-delimiter.js';
import { readTable } from './table-reader.js';

describe('sniffDelimiter', () => {
  it('finds commas, semicolons, tabs and pipes', () => {
    expect(sniffDelimiter('a,b,target\n1,2,yes\n')).toBe(',');
    expect(sniffDelimiter('a;b;target\n1,5;2;yes\n3,25;4;no\n')).toBe(';');
    expect(sniffDelimiter('a\tb\ttarget\n1\t2\tyes\n')).toBe('\t');
    expect(sniffDelimiter('a|b|target\n1|2|yes\n')).toBe('|');
  });

  it('a comma wins ties and separators inside quotes do not count', () => {
    expect(sniffDelimiter('name,note\n"x","a;b;c"\n')).toBe(',');
    expect(sniffDelimiter('single\n1\n2\n')).toBe(',');
    expect(sniffDelimiter('')).toBe(',');
  });
});

describe('readTable with a sniffed separator', () => {
  it('reads a semicolon-separated file as its columns, not one column named a;b;target', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sniff-')), 'semi.csv');
    writeFileSync(path, 'a;b;target\n1;2;yes\n3;4;no\n');
    const rows: unknown[][] = [];
    const result = await readTable(path, 'csv', { addColumn() {}, row: (cells) => rows.push([...cells]) });
    expect(result.columns).toEqual(['a', 'b', 'target']);
    expect(rows).toEqual([
      ['1', '2', 'yes'],
      ['3', '4', 'no'],
    ]);
  });
});
