import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TrackingStore } from '../store/tracking-store.js';
import type { ModelSignature } from '../training/model-files.js';
import { ImportRefusedError, MAX_LISTED_PROBLEMS, parseModelVersion } from './prediction-import.js';
import type { ImportVersion } from './prediction-import-rows.js';
import { importPredictionsBody } from './prediction-import-sources.js';
import { predictionStats, recordFeedback, searchPredictions } from './prediction-records.js';

const signature: ModelSignature = {
  format: 'mldesk.signature',
  version: 1,
  template: 'mlp',
  inputs: [
    { name: 'x', type: 'numeric', imputedWith: 0, range: { min: 0, max: 1 } },
    { name: 'colour', type: 'categorical', imputedWith: 'red', categories: ['red', 'blue'] },
  ],
  ignoredColumns: [],
  output: { name: 'y', task: 'classification', kind: 'probabilities', classes: ['a', 'b'], positiveClass: 'b' },
  unknownCategory: 'error',
};
const version: ImportVersion = { name: 'm', version: 1, runId: null, signature };

let dir: string;
let store: TrackingStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-import-'));
  store = TrackingStore.open(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const count = () => (store.db.prepare('SELECT COUNT(*) FROM predictions').pluck().get() as number) + (store.db.prepare('SELECT COUNT(*) FROM prediction_feedback_history').pluck().get() as number);
const rows = (n: number, extra: (i: number) => Record<string, unknown> = () => ({})) =>
  Array.from({ length: n }, (_, i) => ({ id: `r${i}`, x: (i % 100) / 100, colour: i % 2 ? 'red' : 'blue', prediction: i % 3 ? 'a' : 'b', time: 1_700_000_000_000 + i, ...extra(i) }));
const refusal = (run: () => unknown): ImportRefusedError => {
  try {
    run();
  } catch (error) {
    if (error instanceof ImportRefusedError) return error;
    throw error;
  }
  throw new Error('expected the import to be refused');
};

describe('importing predictions', () => {
  it('stores rows and ground truth as the log and the feedback route keep them', () => {
    const result = importPredictionsBody(store.db, version, { kind: 'json', rows: rows(10, (i) => (i < 4 ? { label: 'b' } : {})) }, 100);
    expect(result).toEqual({ model: 'm', version: '1', imported: 10, skipped_duplicates: 0, labelled: 4 });
    const page = searchPredictions(store.db, { model: 'm', maxResults: 100 });
    expect(page.predictions).toHaveLength(10);
    const r0 = page.predictions.find((p) => p.request_id === 'r0')!;
    expect(r0).toMatchObject({ endpoint: 'import', latency_ms: 0, timestamp: 1_700_000_000_000, output: { label: 'b' }, feedback: { actual: 'b' } });
    expect(predictionStats(store.db, 'm').by_version[0]).toMatchObject({ count: 10, with_feedback: 4, accuracy: 0.5 });
    // Later ground truth for an imported row goes through the feedback route as for a served one.
    expect(recordFeedback(store.db, [{ request_id: 'r9', actual: 'a' }])).toEqual({ accepted: 1, replaced: 0 });
  });

  it('stores nothing when one row is bad, and lists the first problems with their index and field', () => {
    const bad = rows(50, (i) => (i === 30 ? { colour: 'green' } : i >= 40 ? { prediction: 'z' } : {}));
    const error = refusal(() => importPredictionsBody(store.db, version, { kind: 'json', rows: bad }, 100));
    expect(error.total).toBe(11);
    expect(error.problems[0]).toMatchObject({ index: 30, field: 'colour', message: expect.stringMatching(/^rows\[30\], field 'colour': unseen category "green"/) });
    expect(error.problems[1]).toMatchObject({ index: 40, field: 'prediction' });
    expect(count()).toBe(0);
    const many = refusal(() => importPredictionsBody(store.db, version, { kind: 'json', rows: rows(60, () => ({ x: 'high' })) }, 100));
    expect(many.problems).toHaveLength(MAX_LISTED_PROBLEMS);
    expect(many.total).toBe(60);
  });

  it('numbers CSV rows by line and refuses a body over the row limit', () => {
    const csv = 'id,x,colour,prediction\nc1,0.5,red,a\nc2,0.1,blue,b\n\nc3,nope,red,a\n';
    const error = refusal(() => importPredictionsBody(store.db, version, { kind: 'csv', text: csv }, 100));
    expect(error.problems).toEqual([{ line: 5, field: 'x', message: 'line 5, field \'x\': expected a number, got "nope"' }]);
    expect(() => importPredictionsBody(store.db, version, { kind: 'csv', text: csv }, 2)).toThrow('Too many rows: 3 in one request, the limit is 2.');
    expect(() => importPredictionsBody(store.db, version, { kind: 'json', rows: rows(3) }, 2)).toThrow(/Too many rows: 3/);
    expect(() => importPredictionsBody(store.db, version, { kind: 'csv', text: 'id,x,colour,prediction\n"c1,0.5,red,a\n' }, 100)).toThrow(/not valid CSV at line/);
    expect(() => importPredictionsBody(store.db, version, { kind: 'json', rows: [] }, 100)).toThrow('There are no rows to import.');
    expect(count()).toBe(0);
  });

  it('skips rows imported before, adds truth that came since, and refuses a changed row naming its id', () => {
    const first = rows(20);
    expect(importPredictionsBody(store.db, version, { kind: 'json', rows: first }, 100)).toMatchObject({ imported: 20, skipped_duplicates: 0 });
    const again = importPredictionsBody(store.db, version, { kind: 'json', rows: rows(25, (i) => (i < 5 ? { label: 'a' } : {})) }, 100);
    expect(again).toEqual({ model: 'm', version: '1', imported: 5, skipped_duplicates: 20, labelled: 5 });
    // The same truth again is not a new entry of the feedback history.
    expect(importPredictionsBody(store.db, version, { kind: 'json', rows: rows(25, (i) => (i < 5 ? { label: 'a' } : {})) }, 100)).toMatchObject({ imported: 0, skipped_duplicates: 25, labelled: 0 });
    const before = count();
    const changed = rows(25, (i) => (i === 7 ? { prediction: 'a', x: 0.99 } : i === 8 ? { time: 5 } : {}));
    const error = refusal(() => importPredictionsBody(store.db, version, { kind: 'json', rows: [...changed, { id: 'new', x: 0, colour: 'red', prediction: 'a' }] }, 100));
    expect(error.problems.map((p) => p.message)).toEqual([
      'rows[7], field \'id\': differs from the row logged under request id "r7" in features',
      'rows[8], field \'id\': differs from the row logged under request id "r8" in time (logged at 2023-11-14T22:13:20.008Z)',
    ]);
    expect(count()).toBe(before);
    expect(searchPredictions(store.db, { model: 'm', requestId: 'new' }).predictions).toHaveLength(0);
  });
});

describe('--model NAME/VERSION', () => {
  it('splits at the last slash and refuses anything else', () => {
    expect(parseModelVersion('team/churn/3')).toEqual({ model: 'team/churn', version: '3' });
    expect(() => parseModelVersion('churn')).toThrow("Invalid --model 'churn': use NAME/VERSION");
    expect(() => parseModelVersion('churn/latest')).toThrow(/NAME\/VERSION/);
  });
});
