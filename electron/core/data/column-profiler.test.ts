import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mean, quantile, sampleStandardDeviation } from 'simple-statistics';
import { afterEach, describe, expect, it } from 'vitest';
import type { ColumnStats, NumericStats } from '../../../shared/datasets.js';
import { CATEGORICAL_MAX_DISTINCT, ColumnProfiler, DISTINCT_TRACK_LIMIT, profileTable, TOP_CATEGORIES } from './column-profiler.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mldesk-profile-'));
  dirs.push(dir);
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function profileOf(values: Array<string | number | boolean | null>) {
  const column = new ColumnProfiler('c');
  for (const value of values) column.add(value);
  return column.finish();
}

function numeric(stats: ColumnStats): NumericStats {
  if (stats.kind !== 'numeric') throw new Error(`expected numeric stats, got ${stats.kind}`);
  return stats;
}

describe('type inference', () => {
  it('picks the narrowest type every non-null cell reads as', () => {
    expect(profileOf(['1', '2', '-3', '+4']).schema.type).toBe('integer');
    expect(profileOf(['1', '2.5', '1e3', '.5']).schema.type).toBe('numeric');
    expect(profileOf(['true', 'FALSE', 'True']).schema.type).toBe('boolean');
    expect(profileOf([true, false, null]).schema.type).toBe('boolean');
    // 0/1 are numbers; yes/no are words: neither is boolean.
    expect(profileOf(['0', '1', '1', '0']).schema.type).toBe('integer');
    expect(profileOf(['yes', 'no', 'yes', 'no']).schema.type).toBe('categorical');
    // Hex, infinities and thousands separators are not numbers here.
    expect(profileOf(['0x10', '0x11', '0x10', '0x11']).schema.type).toBe('categorical');
    expect(profileOf(['1,000', '2,000', '1,000', '2,000']).schema.type).toBe('categorical');
    // Integers past 2^53 would lose digits: they stay strings (usually identifiers).
    expect(profileOf(['12345678901234567890', '12345678901234567891']).schema.type).toBe('text');
  });

  it('treats empty cells and NA/N/A/null/None/NaN (any case) as null, and an all-null column as text', () => {
    const profile = profileOf(['1', '', '  ', 'NA', 'n/a', 'NULL', 'None', 'nan', null, '2']);
    expect(profile.schema).toEqual({ name: 'c', type: 'integer', nullCount: 8 });
    expect(profile.stats.count).toBe(2);
    expect(profileOf([null, '', 'NA']).schema.type).toBe('text');
  });

  it('decides categorical vs text by distinct ratio (<= 0.5) and cardinality (<= 1000)', () => {
    // 3 distinct over 150 cells: categorical.
    const species = Array.from({ length: 150 }, (_, i) => ['setosa', 'versicolor', 'virginica'][i % 3]!);
    expect(profileOf(species).schema.type).toBe('categorical');
    // 10 distinct over 20 cells is ratio 0.5 (categorical); over 19 cells it is above 0.5 (text).
    const tenOf20 = Array.from({ length: 20 }, (_, i) => `v${i % 10}`);
    expect(profileOf(tenOf20).schema.type).toBe('categorical');
    expect(profileOf(tenOf20.slice(0, 19)).schema.type).toBe('text');
    // Low ratio but more than CATEGORICAL_MAX_DISTINCT values: text.
    const many = Array.from({ length: 10 * (CATEGORICAL_MAX_DISTINCT + 1) }, (_, i) => `code${i % (CATEGORICAL_MAX_DISTINCT + 1)}`);
    expect(profileOf(many).schema.type).toBe('text');
    const atLimit = Array.from({ length: 10 * CATEGORICAL_MAX_DISTINCT }, (_, i) => `code${i % CATEGORICAL_MAX_DISTINCT}`);
    expect(profileOf(atLimit).schema.type).toBe('categorical');
  });

  it('counts categories exactly when a column turns non-numeric after numbers (second pass)', async () => {
    const rows = ['zip', '02134', '02134', '10001', 'SW1A', '02134', 'SW1A'];
    const table = await profileTable(file('zips.csv', `${rows.join('\n')}\n`), 'csv');
    const [zip] = table.profile;
    expect(zip!.schema.type).toBe('categorical');
    expect(zip!.schema.categories).toEqual(['02134', '10001', 'SW1A']);
    expect(zip!.stats).toMatchObject({ kind: 'categories', distinct: 3, top: [{ value: '02134', count: 3 }, { value: 'SW1A', count: 2 }, { value: '10001', count: 1 }] });
  });
});

describe('statistics', () => {
  it('numeric: hand-computed min/max/mean/sample std/quantiles/histogram', () => {
    const stats = numeric(profileOf(['5', '1', '4', '2', '3', 'NA']).stats);
    expect(stats).toMatchObject({ kind: 'numeric', count: 5, min: 1, max: 5, mean: 3 });
    expect(stats.std).toBeCloseTo(Math.sqrt(2.5), 12); // sum of squared deviations 10, over n - 1 = 4
    // R type 7: position (n - 1) p = 4p; p25 → 2, p05 → 1 + 0.2 × (2 - 1) = 1.2, p99 → 4.96.
    expect(stats.quantiles.p50).toBe(3);
    expect(stats.quantiles.p25).toBe(2);
    expect(stats.quantiles.p05).toBeCloseTo(1.2, 12);
    expect(stats.quantiles.p99).toBeCloseTo(4.96, 12);
    expect(stats.histogram.edges).toHaveLength(21);
    expect(stats.histogram.edges[0]).toBe(1);
    expect(stats.histogram.edges[20]).toBe(5);
    expect(stats.histogram.edges[5]).toBeCloseTo(2, 12);
    expect(stats.histogram.counts.reduce((a, b) => a + b, 0)).toBe(5);
    // 1 → bin 0, 2 → bin 5 (its lower edge), 3 → bin 10, 4 → bin 15, 5 → last bin (includes max).
    expect(stats.histogram.counts.map((count, bin) => (count ? bin : -1)).filter((bin) => bin >= 0)).toEqual([0, 5, 10, 15, 19]);
  });

  it('numeric: agrees with simple-statistics on a larger sample', () => {
    const values = Array.from({ length: 1001 }, (_, i) => Math.sin(i) * 100 + (i % 7));
    const stats = numeric(profileOf(values.map((v) => v.toString())).stats);
    expect(stats.mean).toBeCloseTo(mean(values), 9);
    expect(stats.std).toBeCloseTo(sampleStandardDeviation(values), 9);
    expect(stats.quantiles.p01).toBeCloseTo(quantile(values, 0.01), 9);
    expect(stats.quantiles.p95).toBeCloseTo(quantile(values, 0.95), 9);
    expect(stats.min).toBe(Math.min(...values));
    expect(stats.max).toBe(Math.max(...values));
  });

  it('numeric: a constant column gets one bin and std 0', () => {
    const stats = numeric(profileOf(['7', '7', '7']).stats);
    expect(stats).toMatchObject({ std: 0, histogram: { edges: [7, 7], counts: [3] } });
  });

  it('integer: says whether every filled value differs (an id), numeric columns do not', () => {
    expect(numeric(profileOf(['30', '10', null, '20']).stats).allDistinct).toBe(true);
    expect(numeric(profileOf(['30', '10', '30']).stats).allDistinct).toBe(false);
    expect(numeric(profileOf(['1.5', '2.5']).stats).allDistinct).toBeUndefined();
  });

  it('categorical: top 50 by count then value, the rest as otherCount, all categories in the schema', () => {
    const values: string[] = [];
    // 60 categories: c00 appears 60 times, c01 59 times, ... c59 once. 1830 cells, ratio 0.03.
    for (let k = 0; k < 60; k++) for (let n = 0; n < 60 - k; n++) values.push(`c${String(k).padStart(2, '0')}`);
    const { schema, stats } = profileOf(values);
    expect(schema.type).toBe('categorical');
    expect(schema.categories).toHaveLength(60);
    if (stats.kind !== 'categories') throw new Error('expected categories');
    expect(stats.top).toHaveLength(TOP_CATEGORIES);
    expect(stats.top[0]).toEqual({ value: 'c00', count: 60 });
    expect(stats.top[49]).toEqual({ value: 'c49', count: 11 });
    expect(stats.otherCount).toBe(10 + 9 + 8 + 7 + 6 + 5 + 4 + 3 + 2 + 1);
    expect(stats.distinct).toBe(60);
  });

  it('boolean: true/false frequencies in canonical spelling', () => {
    const { stats } = profileOf(['True', 'true', 'FALSE', null]);
    expect(stats).toEqual({ name: 'c', kind: 'categories', count: 3, distinct: 2, top: [{ value: 'true', count: 2 }, { value: 'false', count: 1 }], otherCount: 0 });
  });

  it('text: distinct count and min/max length; a lower bound past the tracking limit', () => {
    const { schema, stats } = profileOf(['alpha', 'be', 'gamma ray', 'be', 'delta']);
    expect(schema.type).toBe('text');
    expect(stats).toEqual({ name: 'c', kind: 'text', count: 5, distinct: 4, distinctExact: true, minLength: 2, maxLength: 9 });
    const column = new ColumnProfiler('id');
    for (let i = 0; i < DISTINCT_TRACK_LIMIT + 10; i++) column.add(`id-${i}`);
    expect(column.finish().stats).toMatchObject({ kind: 'text', distinct: DISTINCT_TRACK_LIMIT, distinctExact: false });
  });
});

describe('profileTable', () => {
  it('profiles JSON lines: columns appear as keys do, earlier rows count as nulls, nested values are text', async () => {
    const lines = [
      { a: 1, b: 'x' },
      { a: 2.5, b: 'y', c: true },
      { a: null, b: 'x', c: false, d: { nested: 1 } },
      { b: 'x', c: true },
    ];
    const table = await profileTable(file('t.jsonl', lines.map((line) => JSON.stringify(line)).join('\n')), 'jsonl');
    expect(table.rows).toBe(4);
    expect(table.profile.map((column) => column.schema)).toEqual([
      { name: 'a', type: 'numeric', nullCount: 2 },
      { name: 'b', type: 'categorical', nullCount: 0, categories: ['x', 'y'] },
      { name: 'c', type: 'boolean', nullCount: 1 },
      { name: 'd', type: 'text', nullCount: 3 },
    ]);
  });
});
