import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationReportSchema } from '../../../shared/datasets.js';
import { DatasetStore } from './dataset-store.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** 20 rows: num 1.5..20.5, int 1..20, cat a/b/c, flag, txt all distinct, sparse with 2 nulls (10%). */
function referenceCsv(): string {
  const lines = ['num,int,cat,flag,txt,sparse'];
  for (let i = 1; i <= 20; i++) {
    lines.push([`${i}.5`, i, 'abc'[i % 3], i % 2 === 0, `word${i}`, i <= 2 ? '' : i].join(','));
  }
  return `${lines.join('\n')}\n`;
}

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'mldesk-validate-'));
  const store = DatasetStore.open(join(dir, 'data'));
  cleanups.push(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const write = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const { version } = await store.importFile(write('ref.csv', referenceCsv()), { name: 'ref' });
  return { store, write, version };
}

describe('validateFile', () => {
  it('passes the file a version was imported from, and the same data as JSON lines', async () => {
    const { store, write } = await setup();
    const report = await store.validateFile(write('same.csv', referenceCsv()), 'ref');
    expect(report).toMatchObject({ against: 'ref@1', format: 'csv', rows: 20, passed: true, problems: [] });
    expect(report.checkedColumns).toEqual(['num', 'int', 'cat', 'flag', 'txt', 'sparse']);
    const jsonl = Array.from({ length: 20 }, (_, k) => {
      const i = k + 1;
      return JSON.stringify({ num: i + 0.5, int: i, cat: 'abc'[i % 3], flag: i % 2 === 0, txt: `word${i}`, sparse: i <= 2 ? null : i });
    }).join('\n');
    expect((await store.validateFile(write('same.jsonl', jsonl), 'ref@1')).passed).toBe(true);
  });

  it('reports each kind of problem with counts, example rows and values', async () => {
    const { store, write } = await setup();
    const rows = [
      'num,int,cat,flag,sparse,extra',
      'abc,2.5,d,maybe,5,x', // row 1: wrong types in num, int, flag; unseen category d
      '25,-3,e,true,,x', // row 2: num and int out of range; unseen e; a null in sparse
      '1.5,1,d,false,,x', // row 3: unseen d again
      '2.5,2,a,true,,x',
      '3.5,3,b,false,,x',
      '4.5,4,c,true,5,x',
    ];
    const report = await store.validateFile(write('new.csv', `${rows.join('\n')}\n`), 'ref');
    expect(ValidationReportSchema.parse(report)).toEqual(report);
    expect(report.passed).toBe(false);
    expect(report.checkedColumns).toEqual(['num', 'int', 'cat', 'flag', 'sparse']);
    const brief = report.problems.map(({ column, kind, count, rows: at, values }) => ({ column, kind, count, rows: at, values }));
    expect(brief).toEqual([
      { column: 'num', kind: 'wrong_type', count: 1, rows: [1], values: ['abc'] },
      { column: 'num', kind: 'out_of_range', count: 1, rows: [2], values: ['25'] },
      { column: 'int', kind: 'wrong_type', count: 1, rows: [1], values: ['2.5'] },
      { column: 'int', kind: 'out_of_range', count: 1, rows: [2], values: ['-3'] },
      { column: 'cat', kind: 'unseen_category', count: 3, rows: [1, 2, 3], values: ['d', 'e'] },
      { column: 'flag', kind: 'wrong_type', count: 1, rows: [1], values: ['maybe'] },
      { column: 'txt', kind: 'missing_column', count: undefined, rows: undefined, values: undefined },
      { column: 'sparse', kind: 'null_rate', count: 4, rows: undefined, values: undefined },
      { column: 'extra', kind: 'extra_column', count: undefined, rows: undefined, values: undefined },
    ]);
    const nullRate = report.problems.find((p) => p.kind === 'null_rate')!;
    // Reference 2/20 = 10%: the limit is max(2 x 10%, 10% + 5%) = 20%; the file has 4/6.
    expect(nullRate.referenceRate).toBeCloseTo(0.1, 12);
    expect(nullRate.limit).toBeCloseTo(0.2, 12);
    expect(nullRate.rate).toBeCloseTo(4 / 6, 12);
    expect(nullRate.message).toBe('null rate 66.7% (4 nulls in 6 rows) is above the limit 20.0% (ref@1: 10.0%).');
    expect(report.problems.find((p) => p.kind === 'out_of_range' && p.column === 'num')!.message).toBe(
      '1 value outside the range ref@1 had [1.5, 20.5], e.g. 25 in row 2.',
    );
  });

  it('keeps at most 5 example rows while counting them all', async () => {
    const { store, write } = await setup();
    const lines = ['num,int,cat,flag,txt,sparse'];
    for (let i = 1; i <= 8; i++) lines.push(`1.5,1,a,true,w,${i === 1 ? '' : 3}`.replace('a,', i % 2 ? 'zz,' : 'yy,'));
    const report = await store.validateFile(write('many.csv', `${lines.join('\n')}\n`), 'ref');
    expect(report.problems).toEqual([expect.objectContaining({ column: 'cat', kind: 'unseen_category', count: 8, rows: [1, 2, 3, 4, 5], values: ['zz', 'yy'] })]);
  });

  it('allows a column with no nulls up to 5% nulls (the margin), not more', async () => {
    const { store, write } = await setup();
    const withNulls = (nulls: number) => {
      const lines = ['num,int,cat,flag,txt,sparse'];
      for (let i = 1; i <= 20; i++) lines.push(`${i <= nulls ? '' : '2.5'},3,a,true,w,5`);
      return `${lines.join('\n')}\n`;
    };
    expect((await store.validateFile(write('one.csv', withNulls(1)), 'ref')).passed).toBe(true);
    const two = await store.validateFile(write('two.csv', withNulls(2)), 'ref');
    expect(two.problems.map((p) => `${p.column}:${p.kind}`)).toEqual(['num:null_rate']);
    expect(two.problems[0]!.limit).toBeCloseTo(0.05, 12);
  });

  it('counts JSON-lines columns that show up late as null in the rows before', async () => {
    const { store, write } = await setup();
    const base = { num: 2.5, int: 3, cat: 'a', flag: true, txt: 'w' };
    const lines = [base, base, base, { ...base, sparse: 4 }].map((row) => JSON.stringify(row)).join('\n');
    const report = await store.validateFile(write('late.jsonl', lines), 'ref');
    expect(report.problems).toEqual([expect.objectContaining({ column: 'sparse', kind: 'null_rate', count: 3, rate: 0.75 })]);
  });

  it('refuses a file it cannot read with the same errors as import', async () => {
    const { store, write } = await setup();
    const path = write('ragged.csv', 'num,int\n1,2\n3\n');
    await expect(store.validateFile(path, 'ref')).rejects.toThrow(`${path}: line 3: ragged row`);
    await expect(store.validateFile(path, 'nope')).rejects.toThrow(/No dataset named 'nope'/);
  });
});
