import { describe, expect, it } from 'vitest';
import { resolveHyperparameters, parseParamOverrides, hyperparameterParams } from './hyperparams.js';
import { fitPreprocessing, ID_COLUMN_REASON, looksLikeIdColumn } from './preprocessing.js';
import type { TrainingTable } from './table.js';

/** 40 customers: an id counting up, a few-valued integer feature, and the label. */
function customers(rows = 40): TrainingTable {
  return {
    columns: [
      { name: 'customer_id', type: 'integer' },
      { name: 'support_calls', type: 'integer' },
      { name: 'churned', type: 'categorical' },
    ],
    rows: Array.from({ length: rows }, (_, i) => [1000 + i * 7, i % 5, i % 3 === 0 ? 'yes' : 'no']),
  };
}
const all = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('id-like integer columns', () => {
  it('an integer column whose values are all distinct is left out of the features, with the reason', () => {
    const prep = fitPreprocessing(customers(), 'churned', 'classification', all(40));
    expect(prep.features.map((f) => f.name)).toEqual(['support_calls']);
    expect(prep.ignoredColumns).toEqual([{ name: 'customer_id', reason: ID_COLUMN_REASON }]);
  });

  it('keepIdColumns uses it as a feature after all', () => {
    const prep = fitPreprocessing(customers(), 'churned', 'classification', all(40), { keepIdColumns: true });
    expect(prep.features.map((f) => f.name)).toEqual(['customer_id', 'support_calls']);
    expect(prep.ignoredColumns).toEqual([]);
  });

  it('repeated values, missing cells aside, and tiny tables are not ids', () => {
    const table = customers();
    expect(looksLikeIdColumn(table, 1)).toBe(false);
    table.rows[3]![0] = null;
    expect(looksLikeIdColumn(table, 0)).toBe(true);
    table.rows[4]![0] = table.rows[5]![0]!;
    expect(looksLikeIdColumn(table, 0)).toBe(false);
    expect(looksLikeIdColumn(customers(10), 0)).toBe(false);
  });

  it('keep_id_columns is a hyperparameter: logged as a param, false by default, settable with --param', () => {
    const hp = resolveHyperparameters({}, 1);
    expect(hp.keepIdColumns).toBe(false);
    expect(hyperparameterParams(hp)).toContainEqual({ key: 'keep_id_columns', value: 'false' });
    expect(parseParamOverrides(['keep_id_columns=true'])).toEqual({ keepIdColumns: true });
    expect(() => parseParamOverrides(['keep_id_columns=maybe'])).toThrow(/keep_id_columns.*true or false/);
  });
});
