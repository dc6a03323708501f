import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OperationOutput } from '../../shared/app-api/operations.js';
import { encodeRow } from '../core/serving/prediction-journal.js';
import { PredictionLog } from '../core/serving/prediction-log.js';
import { recordFeedback } from '../core/serving/prediction-records.js';
import { createServices } from '../core/services.js';
import { TrackingStore } from '../core/store/tracking-store.js';
import { createAppHandlers, type AppHandlers } from './app-handlers.js';
import { dispatch } from './dispatch.js';

let dir: string;
let store: TrackingStore;
let handlers: AppHandlers;
const NOW = Date.now();
const HOUR = 3_600_000;

async function call<K extends 'predictions.quality' | 'predictions.get'>(name: K, input: unknown): Promise<OperationOutput<K>> {
  const result = await dispatch(handlers, name, input);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as OperationOutput<K>;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-prediction-quality-'));
  store = TrackingStore.open(dir);
  const services = createServices({ store });
  handlers = createAppHandlers(services);
  // v1 was trained by a run that reached 0.9 on its validation split.
  const experimentId = store.experiments.create('churn', undefined, []);
  const runId = store.createRun({ experimentId, runName: 'mlp', tags: [] }).info.run_id;
  store.logBatch(runId, { metrics: [{ key: 'val_accuracy', value: 0.9, timestamp: 1, step: 0 }], params: [], tags: [] });
  services.registry.createModel('churn');
  services.registry.createVersion('churn', { source: `runs:/${runId}/model`, runId });
  // 40 predictions over two hours: "yes" for even rows, "no" for odd ones.
  const log = new PredictionLog(store.db);
  log.write(
    Array.from({ length: 40 }, (_, i) =>
      encodeRow({
        requestId: `req-${i}`,
        modelName: 'churn',
        modelVersion: 1,
        runId,
        inputsJson: JSON.stringify({ tenure: i }),
        outputJson: JSON.stringify({ label: i % 2 ? 'no' : 'yes', probabilities: { no: i % 2 ? 0.7 : 0.3, yes: i % 2 ? 0.3 : 0.7 } }),
        predictedLabel: i % 2 ? 'no' : 'yes',
        predictedValue: null,
        latencyUs: 1500,
        endpoint: 'tfserving',
        time: NOW - 2 * HOUR + i * 180_000,
      }),
    ),
  );
  await log.close();
  // Truth: all right in the first hour; in the second, every "yes" was really "no".
  recordFeedback(
    store.db,
    Array.from({ length: 40 }, (_, i) => ({ request_id: `req-${i}`, actual: i < 20 ? (i % 2 ? 'no' : 'yes') : 'no' })),
    NOW,
  );
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('predictions.quality', () => {
  it('gives the confusion matrix, accuracy over time and the validation figure of the version', async () => {
    const quality = await call('predictions.quality', { model: 'churn' });
    expect(quality.labelled).toBe(40);
    expect(quality.classes).toEqual(['no', 'yes']);
    // Rows are the truth: 30 real "no" (20 predicted no, 10 predicted yes), 10 real "yes" all right.
    expect(quality.matrix).toEqual([
      [20, 10],
      [0, 10],
    ]);
    const points = quality.trend.points;
    expect(points.length).toBeGreaterThan(2);
    expect(points[0]!.accuracy).toBe(1);
    // Buckets fall where the clock puts them: judge the second hour by its worst bucket and the whole by the weighted mean.
    expect(Math.min(...points.map((p) => p.accuracy!))).toBeLessThanOrEqual(0.5);
    expect(points.reduce((sum, p) => sum + p.count, 0)).toBe(40);
    expect(points.reduce((sum, p) => sum + p.accuracy! * p.count, 0) / 40).toBeCloseTo(0.75);
    expect(quality.validation).toEqual([{ version: '1', metric: 'val_accuracy', value: 0.9 }]);
  });

  it('narrows to a time window', async () => {
    const lastHour = await call('predictions.quality', { model: 'churn', since: NOW - HOUR });
    expect(lastHour.labelled).toBe(20);
    expect(lastHour.matrix).toEqual([
      [10, 10],
      [0, 0],
    ]);
  });
});

describe('predictions.quality of a model with more classes than its labels show', () => {
  it('gives every class the model answers a row and a column', async () => {
    const log = new PredictionLog(store.db);
    log.write(
      ['a', 'b'].map((label, i) =>
        encodeRow({
          requestId: `tri-${i}`,
          modelName: 'tri',
          modelVersion: 1,
          runId: null,
          inputsJson: '{}',
          outputJson: JSON.stringify({ label, probabilities: { a: 0.5, b: 0.3, c: 0.2 } }),
          predictedLabel: label,
          predictedValue: null,
          latencyUs: 1000,
          endpoint: 'tfserving',
          time: NOW - i,
        }),
      ),
    );
    await log.close();
    recordFeedback(store.db, [{ request_id: 'tri-0', actual: 'a' }, { request_id: 'tri-1', actual: 'a' }], NOW);
    const quality = await call('predictions.quality', { model: 'tri' });
    expect(quality.classes).toEqual(['a', 'b', 'c']);
    expect(quality.matrix).toEqual([
      [1, 1, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });
});

describe('predictions.get', () => {
  it('returns the prediction in full with every ground truth sent for it, oldest first', async () => {
    recordFeedback(store.db, [{ request_id: 'req-3', actual: 'yes' }], NOW + 1000);
    const detail = await call('predictions.get', { model: 'churn', requestId: 'req-3' });
    expect(detail.prediction.inputs).toEqual({ tenure: 3 });
    expect(detail.prediction.output).toEqual({ label: 'no', probabilities: { no: 0.7, yes: 0.3 } });
    expect(detail.prediction.feedback).toEqual({ actual: 'yes', timestamp: NOW + 1000 });
    expect(detail.feedbackHistory).toEqual([
      { actual: 'no', timestamp: NOW },
      { actual: 'yes', timestamp: NOW + 1000 },
    ]);
  });

  it('answers not found for a request id of another model', async () => {
    const result = await dispatch(handlers, 'predictions.get', { model: 'other', requestId: 'req-3' });
    expect(result).toMatchObject({ ok: false, error: { code: 'RESOURCE_DOES_NOT_EXIST' } });
  });
});
