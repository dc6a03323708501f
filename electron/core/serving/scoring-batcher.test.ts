import { mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrackingStore } from '../store/tracking-store.js';
import { loadBackend } from '../training/backend.js';
import { loadModelDir } from '../training/model-files.js';
import { irisModelFiles } from '../training/test-tables.js';
import type { ServedModel } from './model-router.js';
import { decodeRow, journalDirOf } from './prediction-journal.js';
import { PredictionLog } from './prediction-log.js';
import { predictionEncoder, ScoringBatcher, type Scored } from './scoring-batcher.js';

let dir: string;
let store: TrackingStore;
let served: ServedModel;

/** A real iris classifier, trained here and loaded from its model files as the server loads it. */
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-batcher-'));
  store = TrackingStore.open(dir);
  const { tf, info } = await loadBackend('wasm');
  const modelDir = join(dir, 'model');
  mkdirSync(modelDir, { recursive: true });
  for (const file of await irisModelFiles(tf, 2)) writeFileSync(join(modelDir, file.path), file.bytes);
  const model = await loadModelDir(tf, modelDir);
  served = { name: 'iris', version: '3', modelVersion: { name: 'iris', version: '3', run_id: 'run-1' } as ServedModel['modelVersion'], model, backend: info };
}, 60_000);

afterAll(() => {
  served.model.dispose();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const ROW = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };
const submit = (batcher: ScoringBatcher, rows: number, endpoint = 'tfserving') =>
  new Promise<{ error: Error | null; scored?: Scored }>((resolve) =>
    batcher.submit(served, { rows: Array.from({ length: rows }, () => ({ ...ROW })), endpoint, started: performance.now() }, (error, scored) => resolve({ error, scored })),
  );

describe('ScoringBatcher', () => {
  it('scores the requests of one turn in one model call and journals their rows in one write before answering', async () => {
    const log = new PredictionLog(store.db, { intervalMs: 3_600_000 });
    const batches: number[] = [];
    const batcher = new ScoringBatcher({ log, onBatch: (rows) => batches.push(rows) });
    const answers = await Promise.all([submit(batcher, 1), submit(batcher, 2, 'invocations'), submit(batcher, 1)]);
    expect(batches).toEqual([4]);
    expect(answers.map((a) => a.error)).toEqual([null, null, null]);
    // By the time the callbacks ran, every row was in the journal, each with its own id, endpoint and the answered output.
    const [journal] = readdirSync(journalDirOf(store.db.name));
    const lines = readFileSync(join(journalDirOf(store.db.name), journal!), 'utf8').trimEnd().split('\n').map((line) => decodeRow(line)!);
    expect(lines).toHaveLength(4);
    const answered = answers.flatMap((a) => a.scored!.requestIds.map((id, i) => [id, a.scored!.outputs[i]]));
    expect(lines.map((l) => [l[0], l[5]])).toEqual(answered);
    expect(lines.map((l) => [l[1], l[2], l[3], l[9]])).toEqual([
      ['iris', 3, 'run-1', 'tfserving'],
      ['iris', 3, 'run-1', 'invocations'],
      ['iris', 3, 'run-1', 'invocations'],
      ['iris', 3, 'run-1', 'tfserving'],
    ]);
    const output = JSON.parse(answers[0]!.scored!.outputs[0]!) as { label: string; probabilities: Record<string, number> };
    expect(Object.keys(output.probabilities).sort()).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(lines[0]![6]).toBe(output.label);
    expect(JSON.parse(lines[0]![4])).toEqual(ROW);
    await log.close();
  });

  it('when the journal write fails, every request of the batch gets the error and none an answer', async () => {
    const log = new PredictionLog(store.db, { intervalMs: 3_600_000 });
    writeFileSync(join(dir, 'read-only'), '');
    (log as unknown as { fd: number }).fd = openSync(join(dir, 'read-only'), 'r');
    const batcher = new ScoringBatcher({ log });
    const answers = await Promise.all([submit(batcher, 1), submit(batcher, 2)]);
    for (const answer of answers) {
      expect(answer.scored).toBeUndefined();
      expect(answer.error?.message).toMatch(/could not be logged, so it is not returned/);
    }
    expect(log.counters).toMatchObject({ failed: 3, journaled: 0 });
    await log.close();
  });
});

describe('predictionEncoder', () => {
  it('writes what JSON.stringify writes for the prediction object, for classifiers and regression', () => {
    const classes = ['setosa', 'ver"si\\color', '__proto__', 'émoji 🌸'];
    const encode = predictionEncoder(classes);
    const cases: number[][] = [
      [0.1, 0.2, 0.3, 0.4],
      [Math.fround(0.012345678), Math.fround(0.91234565), 1e-7, -0],
      [NaN, Infinity, -Infinity, 1],
    ];
    for (const probabilities of cases) {
      for (const label of classes) {
        const object = { label, probabilities: Object.fromEntries(classes.map((c, i) => [c, probabilities[i]!])) };
        const text = encode({ label, probabilities });
        expect(text).toBe(JSON.stringify(object));
        // Valid JSON whose class keys are plain properties (not a prototype).
        expect(Object.keys((JSON.parse(text) as typeof object).probabilities)).toEqual(classes);
      }
    }
    const regression = predictionEncoder(undefined);
    for (const value of [1.5, -2e-9, 0, NaN, 123456789.123]) expect(regression({ value })).toBe(JSON.stringify({ value }));
  });
});
