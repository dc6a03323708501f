import { describe, expect, it } from 'vitest';
import type { ModelSignature } from '../training/model-files.js';
import { checkRows, csvRows, mlflowJsonRows, tfServingRows } from './request-rows.js';

const signature: ModelSignature = {
  format: 'mldesk.signature',
  version: 1,
  template: 'mlp',
  inputs: [
    { name: 'x', type: 'numeric', imputedWith: 0, range: { min: 0, max: 1 } },
    { name: 'colour', type: 'categorical', imputedWith: 'red', categories: ['red', 'blue'] },
    { name: 'flag', type: 'boolean', imputedWith: 0 },
  ],
  ignoredColumns: ['id'],
  output: { name: 'y', task: 'classification', kind: 'probabilities', classes: ['a', 'b'], positiveClass: 'b' },
  unknownCategory: 'error',
};

const row = { x: 0.5, colour: 'red', flag: true };

describe('request bodies', () => {
  it('reads every MLflow and TF Serving shape into the same rows', () => {
    const rows = [row, { x: 1, colour: 'blue', flag: false }];
    const columns = { x: [0.5, 1], colour: ['red', 'blue'], flag: [true, false] };
    expect(mlflowJsonRows({ dataframe_records: rows })).toEqual(rows);
    expect(mlflowJsonRows({ dataframe_split: { columns: ['x', 'colour', 'flag'], data: [[0.5, 'red', true], [1, 'blue', false]] } })).toEqual(rows);
    expect(mlflowJsonRows({ instances: rows })).toEqual(rows);
    expect(mlflowJsonRows({ inputs: columns })).toEqual(rows);
    expect(tfServingRows({ instances: rows })).toEqual(rows);
    expect(tfServingRows({ inputs: columns })).toEqual(rows);
  });

  it('names the problem with malformed bodies', () => {
    expect(() => mlflowJsonRows({})).toThrow(/exactly one of .*none was given/);
    expect(() => mlflowJsonRows({ instances: [row], dataframe_records: [row] })).toThrow(/got 'dataframe_records' and 'instances'/);
    expect(() => mlflowJsonRows([row])).toThrow(/must be a JSON object/);
    expect(() => tfServingRows({ dataframe_records: [row] })).toThrow(/exactly one of 'instances', 'inputs'/);
    expect(() => tfServingRows({ inputs: { x: [1, 2], colour: ['red'] } })).toThrow(/differ in length/);
    expect(() => mlflowJsonRows({ dataframe_split: { columns: ['x'], data: [[1, 2]] } })).toThrow(/^row 0: /);
    expect(() => tfServingRows({ instances: [] })).toThrow(/no rows/);
  });
});

describe('checkRows', () => {
  it('passes valid rows, keeps null as a missing value and allows ignored columns', () => {
    expect(checkRows(signature, [{ ...row, id: 7 }, { x: null, colour: null, flag: null }])).toEqual([row, { x: null, colour: null, flag: null }]);
  });

  it('names row and field for a missing or unknown feature, a wrong type and an unseen category', () => {
    expect(() => checkRows(signature, [row, { x: 1, colour: 'red' }])).toThrow(/^row 1, field 'flag': missing feature/);
    expect(() => checkRows(signature, [row, row, { ...row, size: 3 }])).toThrow(/^row 2, field 'size': unknown feature/);
    expect(() => checkRows(signature, [row, row, { ...row, x: 'abc' }])).toThrow("row 2, field 'x': expected a number, got \"abc\"");
    expect(() => checkRows(signature, [{ ...row, colour: 'green' }])).toThrow(/^row 0, field 'colour': unseen category "green"/);
    expect(() => checkRows(signature, [{ ...row, flag: 'yes' }])).toThrow(/^row 0, field 'flag': expected true or false/);
    expect(() => checkRows(signature, [{ ...row, colour: { a: 1 } }])).toThrow(/^row 0, field 'colour': expected a string/);
  });

  it('converts CSV text by the signature types; an empty cell is missing', () => {
    const { rows } = csvRows('x,colour,flag\n0.5,red,true\n,blue,FALSE\n');
    expect(checkRows(signature, rows, { fromText: true })).toEqual([row, { x: null, colour: 'blue', flag: false }]);
    expect(() => checkRows(signature, csvRows('x,colour,flag\n1,red,true\nabc,red,true\n').rows, { fromText: true })).toThrow(/^row 1, field 'x': expected a number/);
    expect(() => csvRows('x,colour,flag\n')).toThrow(/no rows/);
  });
});
