import { describe, expect, it } from 'vitest';
import type { ModelSignature } from '../training/model-files.js';
import { decodeRow } from './prediction-journal.js';
import { decodeImportLine, ImportFieldError, ImportRowChecker, type ImportVersion } from './prediction-import-rows.js';

const inputs: ModelSignature['inputs'] = [
  { name: 'tenure', type: 'integer', imputedWith: 12, range: { min: 0, max: 72 } },
  { name: 'plan', type: 'categorical', imputedWith: 'basic', categories: ['basic', 'premium'] },
  { name: 'paperless', type: 'boolean', imputedWith: 0 },
];
const signature = (task: 'classification' | 'regression'): ModelSignature => ({
  format: 'mldesk.signature',
  version: 1,
  template: 'mlp',
  inputs,
  ignoredColumns: ['customer_id'],
  output:
    task === 'classification'
      ? { name: 'churned', task, kind: 'probabilities', classes: ['no', 'yes'], positiveClass: 'yes' }
      : { name: 'ltv', task, kind: 'value' },
  unknownCategory: 'error',
});
const classifier: ImportVersion = { name: 'churn', version: 2, runId: 'run-1', signature: signature('classification') };
const regressor: ImportVersion = { name: 'ltv', version: 1, runId: null, signature: signature('regression') };
const NOW = Date.UTC(2026, 5, 1, 12);

function decoded(line: string) {
  const parts = decodeImportLine(line);
  const values = decodeRow(parts.logRow)!;
  return { ...parts, requestId: values[0], model: values[1], version: values[2], runId: values[3], inputs: JSON.parse(values[4]) as unknown, output: JSON.parse(values[5]) as unknown, label: values[6], value: values[7], latencyUs: values[8], endpoint: values[9], time: values[10] };
}

function problem(run: () => unknown): { field: string; problem: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof ImportFieldError) return { field: error.field, problem: error.problem };
    throw error;
  }
  throw new Error('expected an ImportFieldError');
}

describe('CSV header', () => {
  const checker = new ImportRowChecker(classifier, NOW);
  it('maps features, reserved columns, aliases, probabilities and the target column', () => {
    const roles = checker.csvColumns(['request_id', 'tenure', 'plan', 'paperless', 'prediction', 'probability.no', 'probability.yes', 'churned', 'timestamp', 'customer_id']);
    expect(roles.map((r) => r.kind)).toEqual(['id', 'feature', 'feature', 'feature', 'prediction', 'probability', 'probability', 'label', 'time', 'ignored']);
  });
  it('names the missing feature, the unknown column, the duplicate and the missing prediction', () => {
    expect(problem(() => checker.csvColumns(['tenure', 'plan', 'prediction']))).toEqual({ field: 'paperless', problem: expect.stringContaining("missing column: the header must name every feature of the model (missing 'paperless')") });
    expect(problem(() => checker.csvColumns(['tenure', 'plan', 'paperless', 'prediction', 'colour']))).toMatchObject({ field: 'colour', problem: expect.stringContaining('unknown column') });
    expect(problem(() => checker.csvColumns(['tenure', 'plan', 'paperless', 'prediction', 'label', 'actual']))).toEqual({ field: 'actual', problem: "says the same as column 'label'; keep one of them" });
    expect(problem(() => checker.csvColumns(['tenure', 'plan', 'paperless']))).toMatchObject({ field: 'prediction' });
    expect(problem(() => checker.csvColumns(['tenure', 'plan', 'paperless', 'prediction', 'probability.maybe']))).toMatchObject({ field: 'probability.maybe', problem: expect.stringContaining('unknown class') });
  });
  it('asks for input.NAME when a feature is called like a reserved column', () => {
    const timed = new ImportRowChecker({ ...classifier, signature: { ...classifier.signature, inputs: [...inputs, { name: 'time', type: 'numeric', imputedWith: 0 }] } }, NOW);
    expect(problem(() => timed.csvColumns(['tenure', 'plan', 'paperless', 'time', 'prediction']))).toMatchObject({ field: 'time', problem: expect.stringContaining("name the feature 'input.time' and the time 'timestamp'") });
    expect(timed.csvColumns(['tenure', 'plan', 'paperless', 'input.time', 'timestamp', 'prediction']).map((r) => r.kind)).toEqual(['feature', 'feature', 'feature', 'feature', 'time', 'prediction']);
  });
});

describe('rows', () => {
  const checker = new ImportRowChecker(classifier, NOW);
  const header = ['id', 'tenure', 'plan', 'paperless', 'prediction', 'probability.no', 'probability.yes', 'label', 'time'];
  const roles = checker.csvColumns(header);
  const csv = (cells: Record<string, string>, line = 2) => checker.csvRecord(roles, header.map((name) => cells[name] ?? ''), line);
  const good = { id: 'a-1', tenure: '5', plan: 'basic', paperless: 'true', prediction: 'yes', 'probability.no': '0.3', 'probability.yes': '0.7', label: 'no', time: '2026-05-01T10:00:00Z' };

  it('encodes a CSV row as the model server logs one, endpoint import and latency 0', () => {
    const row = decoded(csv(good, 7));
    expect(row).toMatchObject({ requestId: 'a-1', model: 'churn', version: 2, runId: 'run-1', label: 'yes', value: null, latencyUs: 0, endpoint: 'import', time: Date.UTC(2026, 4, 1, 10), truth: 'no', truthTime: NOW, position: 7 });
    expect(row.inputs).toEqual({ tenure: 5, plan: 'basic', paperless: true });
    expect(decodeImportLine(csv(good)).logRow.split('\t')[5]).toBe('{"label":"yes","probabilities":{"no":0.3,"yes":0.7}}');
  });

  it('encodes JSON rows, the server answer shape and regressions', () => {
    const row = decoded(checker.jsonRecord({ tenure: 5, plan: 'premium', paperless: false, prediction: { label: 'no', probabilities: { yes: 0.1, no: 0.9 } }, time: NOW - 5 }, 0));
    expect(row.output).toEqual({ label: 'no', probabilities: { no: 0.9, yes: 0.1 } });
    expect(row.time).toBe(NOW - 5);
    expect(decoded(checker.jsonRecord({ tenure: null, plan: 'basic', paperless: true, prediction: 'no' }, 0)).output).toEqual({ label: 'no' });
    const ltv = new ImportRowChecker(regressor, NOW);
    const value = decoded(ltv.jsonRecord({ tenure: 1, plan: 'basic', paperless: true, prediction: 12.5, label: 11 }, 3));
    expect(value).toMatchObject({ label: null, value: null, truth: 11 });
    expect(value.output).toEqual({ value: 12.5 });
  });

  it('names the field of each problem', () => {
    expect(problem(() => csv({ ...good, tenure: 'abc' }))).toEqual({ field: 'tenure', problem: 'expected a number, got "abc"' });
    expect(problem(() => csv({ ...good, plan: 'gold' }))).toMatchObject({ field: 'plan', problem: expect.stringContaining('unseen category "gold"') });
    expect(problem(() => csv({ ...good, paperless: 'maybe' }))).toMatchObject({ field: 'paperless' });
    expect(problem(() => csv({ ...good, prediction: 'perhaps' }))).toEqual({ field: 'prediction', problem: '"perhaps" is not one of the model\'s classes "no", "yes"' });
    expect(problem(() => csv({ ...good, prediction: '' }))).toMatchObject({ field: 'prediction', problem: expect.stringContaining('missing value') });
    expect(problem(() => csv({ ...good, label: 'maybe' }))).toMatchObject({ field: 'label' });
    expect(problem(() => csv({ ...good, time: 'yesterday' }))).toMatchObject({ field: 'time', problem: expect.stringContaining('ISO 8601') });
    expect(problem(() => csv({ ...good, time: '2031-01-01T00:00:00Z' }))).toMatchObject({ field: 'time', problem: expect.stringContaining('in the future') });
    expect(problem(() => csv({ ...good, 'probability.yes': '0.9' }))).toMatchObject({ field: 'probability.no', problem: 'the class probabilities sum to 1.2, not 1' });
    expect(problem(() => csv({ ...good, 'probability.yes': '' }))).toMatchObject({ field: 'probability.yes', problem: expect.stringContaining('every class or for none') });
    expect(problem(() => csv({ ...good, id: 'a\tb' }))).toMatchObject({ field: 'id' });
    expect(problem(() => checker.jsonRecord({ tenure: 1, plan: 'basic', prediction: 'no' }, 0))).toMatchObject({ field: 'paperless', problem: expect.stringContaining('missing feature') });
    expect(problem(() => checker.jsonRecord({ tenure: 1, plan: 'basic', paperless: true, prediction: 'no', extra: 1 }, 0))).toMatchObject({ field: 'extra', problem: expect.stringContaining('unknown column') });
    expect(problem(() => checker.jsonRecord([1, 2], 0))).toMatchObject({ field: 'row' });
    expect(problem(() => checker.jsonRecord({ tenure: 1, plan: 'basic', paperless: true, prediction: 'no', label: 'no', label_time: NOW - 10, time: NOW }, 0))).toMatchObject({ field: 'label_time' });
    const ltv = new ImportRowChecker(regressor, NOW);
    expect(problem(() => ltv.jsonRecord({ tenure: 1, plan: 'basic', paperless: true, prediction: 'high' }, 0))).toMatchObject({ field: 'prediction', problem: expect.stringContaining('finite number') });
  });

  it('reads ISO times without a zone as UTC, and ms since the epoch', () => {
    expect(decoded(csv({ ...good, time: '2026-05-01 10:00:00' })).time).toBe(Date.UTC(2026, 4, 1, 10));
    expect(decoded(csv({ ...good, time: '2026-05-01' })).time).toBe(Date.UTC(2026, 4, 1));
    expect(decoded(csv({ ...good, time: '2026-05-01T12:00:00+02:00' })).time).toBe(Date.UTC(2026, 4, 1, 10));
    expect(decoded(csv({ ...good, time: String(NOW - 1) })).time).toBe(NOW - 1);
    expect(decoded(csv({ ...good, time: '' })).time).toBe(NOW);
  });

  it('derives the same UUIDv7 for the same row at the same line, another for another line', () => {
    const first = decoded(csv({ ...good, id: '' }, 5)).requestId;
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(decoded(new ImportRowChecker(classifier, NOW + 1000).csvRecord(roles, header.map((n) => ({ ...good, id: '' } as Record<string, string>)[n] ?? ''), 5)).requestId).toBe(first);
    expect(decoded(csv({ ...good, id: '' }, 6)).requestId).not.toBe(first);
    // The id's time part is the row's time, so ids sort as the rows' times do.
    expect(parseInt(first.replace(/-/g, '').slice(0, 12), 16)).toBe(Date.UTC(2026, 4, 1, 10));
  });
});
