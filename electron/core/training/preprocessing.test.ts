import { describe, expect, it } from 'vitest';
import { encodeRecords, encodeTableRows, encodeTarget, fitPreprocessing, labelledRows, type CategoricalFeature, type NumericFeature } from './preprocessing.js';
import { inferColumnType, inferTask, typedTable, type TrainingTable } from './table.js';

const table: TrainingTable = {
  columns: [
    { name: 'size', type: 'numeric' },
    { name: 'color', type: 'categorical' },
    { name: 'fresh', type: 'boolean' },
    { name: 'note', type: 'text' },
    { name: 'label', type: 'categorical' },
  ],
  rows: [
    [1, 'red', true, 'a', 'yes'],
    [3, 'blue', false, 'b', 'no'],
    [null, 'red', null, 'c', 'yes'],
    [5, null, true, 'd', 'no'],
    [100, 'green', false, 'e', 'yes'],
    [7, 'red', true, 'f', null],
  ],
};

describe('fitPreprocessing', () => {
  // Rows 0-3 are the training split; row 4 (size 100, green) is validation and must not count.
  const prep = fitPreprocessing(table, 'label', 'classification', [0, 1, 2, 3]);
  const size = prep.features[0] as NumericFeature;
  const color = prep.features[1] as CategoricalFeature;

  it('fits statistics on the training rows only and records the imputation', () => {
    expect(size.median).toBe(3);
    expect(size.missingInTraining).toBe(1);
    // Imputed values [1, 3, 3, 5]: mean 3, population std sqrt(2).
    expect(size.mean).toBe(3);
    expect(size.std).toBeCloseTo(Math.SQRT2, 12);
    expect([size.min, size.max]).toEqual([1, 5]);
    expect(color.categories).toEqual(['blue', 'red']);
    expect(color.mostFrequent).toBe('red');
    expect(prep.ignoredColumns.map((c) => c.name)).toEqual(['note']);
    expect(prep.target.classes).toEqual(['no', 'yes']);
    expect(prep.inputWidth).toBe(1 + 2 + 2);
  });

  it('standardises, one-hot encodes and imputes', () => {
    const x = encodeTableRows(prep, table, [2, 3]);
    // Row 2: size missing → median 3 → 0; red; fresh missing → most frequent 'true'.
    // Row 3: size 5 → sqrt(2); color missing → red; fresh true.
    expect(Array.from(x).map((v) => Number(v.toFixed(5)))).toEqual([0, 0, 1, 0, 1, Number(Math.SQRT2.toFixed(5)), 0, 1, 0, 1]);
    expect(Array.from(encodeTarget(prep, table, [0, 1]))).toEqual([1, 0]);
  });

  it('encodes an unseen category as all zeros by default, or refuses it on request', () => {
    const x = encodeRecords(prep, [{ size: 3, color: 'green', fresh: false }]);
    expect(Array.from(x)).toEqual([0, 0, 0, 1, 0]);
    expect(() => encodeRecords(prep, [{ size: 3, color: 'green', fresh: false }], 'error')).toThrow(/color.*'green'.*unseen in training.*blue, red/);
    expect(() => encodeRecords(prep, [{ size: 'big', color: 'red', fresh: false }])).toThrow(/size.*must be a number/);
  });

  it('skips rows without a label and standardises a regression target', () => {
    expect(Array.from(labelledRows(table, 'label'))).toEqual([0, 1, 2, 3, 4]);
    const reg = fitPreprocessing(table, 'size', 'regression', [0, 1, 3]);
    expect(reg.target.mean).toBe(3);
    expect(Array.from(encodeTarget(reg, table, [0, 1, 3])).map((v) => Number(v.toFixed(4)))).toEqual([-1.2247, 0, 1.2247]);
  });

  it('refuses a target with a single class', () => {
    const single: TrainingTable = { columns: [{ name: 'x', type: 'numeric' }, { name: 'y', type: 'categorical' }], rows: [[1, 'a'], [2, 'a']] };
    expect(() => fitPreprocessing(single, 'y', 'classification', [0, 1])).toThrow(/single class/);
  });
});

describe('column types and task inference', () => {
  it('infers column types from text', () => {
    expect(inferColumnType(['1', '2', '', '3'])).toBe('integer');
    expect(inferColumnType(['1.5', '2', 'NA'])).toBe('numeric');
    expect(inferColumnType(['true', 'False'])).toBe('boolean');
    expect(inferColumnType(['a', 'b', 'a', 'b', 'a'])).toBe('categorical');
    expect(inferColumnType(Array.from({ length: 100 }, (_, i) => `id-${i}`))).toBe('text');
  });

  it('classifies labels and few-valued integers, regresses on the rest', () => {
    const t = typedTable(['a', 'b', 'c', 'd'], Array.from({ length: 30 }, (_, i) => [String(i % 2), String(i * 1.5), `k${i % 3}`, String(i)]));
    expect(inferTask(t, 'a')).toBe('classification');
    expect(inferTask(t, 'b')).toBe('regression');
    expect(inferTask(t, 'c')).toBe('classification');
    expect(inferTask(t, 'd')).toBe('regression');
    expect(() => inferTask(t, 'nope')).toThrow(/'nope' is not a column.*a, b, c, d/);
  });
});
