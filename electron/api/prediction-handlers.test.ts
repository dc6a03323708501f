import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PredictionRecord, PredictionStats } from '../../shared/app-api/predictions.js';
import { encodeRow, journalDirOf } from '../core/serving/prediction-journal.js';
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

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-prediction-handlers-'));
  store = TrackingStore.open(dir);
  handlers = createAppHandlers(createServices({ store }));
  // 30 predictions of v1 ten minutes ago, 20 of v2 in the last minute, as a model server logs them.
  const log = new PredictionLog(store.db);
  const row = (i: number, version: number, time: number) => {
    const label = i % 3 ? 'versicolor' : 'setosa';
    return encodeRow({
      requestId: `req-${i}`,
      modelName: 'iris',
      modelVersion: version,
      runId: null,
      inputsJson: JSON.stringify({ petal_length: i / 10 }),
      outputJson: JSON.stringify({ label, probabilities: { setosa: 0.2, versicolor: 0.8 } }),
      predictedLabel: label,
      predictedValue: null,
      latencyUs: version === 1 ? 2000 : 1000,
      endpoint: 'tfserving',
      time,
    });
  };
  log.write([...Array.from({ length: 30 }, (_, i) => row(i, 1, NOW - 600_000 + i)), ...Array.from({ length: 20 }, (_, i) => row(30 + i, 2, NOW - 30_000 + i))]);
  await log.close();
  recordFeedback(store.db, [{ request_id: 'req-31', actual: 'setosa' }], NOW);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call<T>(name: string, input: unknown): Promise<T> {
  const result = await dispatch(handlers, name, input);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

describe('predictions.page', () => {
  it('pages newest first with filters and the ground truth joined', async () => {
    const first = await call<{ predictions: PredictionRecord[]; nextPageToken?: string }>('predictions.page', { model: 'iris', limit: 25 });
    expect(first.predictions.map((p) => p.requestId).slice(0, 3)).toEqual(['req-49', 'req-48', 'req-47']);
    const second = await call<{ predictions: PredictionRecord[]; nextPageToken?: string }>('predictions.page', { model: 'iris', limit: 25, pageToken: first.nextPageToken });
    expect(second.predictions.at(-1)!.requestId).toBe('req-0');
    expect(second.nextPageToken).toBeUndefined();
    const v1 = await call<{ predictions: PredictionRecord[] }>('predictions.page', { model: 'iris', version: '1', limit: 100 });
    expect(v1.predictions).toHaveLength(30);
    expect(v1.predictions[0]).toMatchObject({ modelVersion: '1', latencyMs: 2, endpoint: 'tfserving', inputs: { petal_length: 2.9 }, feedback: null });
    const judged = await call<{ predictions: PredictionRecord[] }>('predictions.page', { model: 'iris', feedback: 'with', limit: 10 });
    expect(judged.predictions.map((p) => [p.requestId, p.feedback?.actual])).toEqual([['req-31', 'setosa']]);
    const setosa = await call<{ predictions: PredictionRecord[] }>('predictions.page', { model: 'iris', label: 'setosa', since: NOW - 60_000, limit: 100 });
    expect(setosa.predictions.map((p) => p.requestId)).toEqual(['req-48', 'req-45', 'req-42', 'req-39', 'req-36', 'req-33', 'req-30']);
  });

  it('names the field that is wrong', async () => {
    const result = await dispatch(handlers, 'predictions.page', { model: 'iris', limit: 5000 });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/limit/);
    const version = await dispatch(handlers, 'predictions.page', { model: 'iris', version: 'one', limit: 5 });
    if (!version.ok) expect(version.error.message).toMatch(/version.*must be a version number/);
    expect(version.ok).toBe(false);
  });
});

describe('a model server that died', () => {
  it('leaves a journal that the log views replay: its answered rows show up, once', async () => {
    // What a killed server (pid 999999, not running) left: two answered rows and a torn write.
    const journalDir = journalDirOf(store.db.name);
    mkdirSync(journalDir, { recursive: true });
    const line = (id: string) =>
      encodeRow({ requestId: id, modelName: 'iris', modelVersion: 2, runId: null, inputsJson: '{"petal_length":1}', outputJson: '{"label":"setosa","probabilities":{"setosa":1}}', predictedLabel: 'setosa', predictedValue: null, latencyUs: 900, endpoint: 'invocations', time: NOW });
    writeFileSync(join(journalDir, '999999-01900000-0000-7000-8000-000000000009.journal'), `${line('dead-1')}\n${line('dead-2')}\n${line('dead-3').slice(0, 30)}`);
    const page = await call<{ predictions: PredictionRecord[] }>('predictions.page', { model: 'iris', limit: 3 });
    expect(page.predictions.map((p) => p.requestId).slice(0, 2).sort()).toEqual(['dead-1', 'dead-2']);
    expect(readdirSync(journalDir)).toEqual([]);
    expect((await call<PredictionStats>('predictions.stats', { model: 'iris' })).total).toBe(52);
  });
});

describe('predictions.stats', () => {
  it('summarises per version and buckets the volume over time, quiet periods included', async () => {
    const stats = await call<PredictionStats>('predictions.stats', { model: 'iris' });
    expect(stats).toMatchObject({ total: 50, withFeedback: 1 });
    expect(stats.byVersion).toEqual([
      { version: '1', count: 30, withFeedback: 0, meanLatencyMs: 2, accuracy: null, mae: null },
      // req-31 predicted versicolor (31 % 3 != 0), the truth was setosa.
      { version: '2', count: 20, withFeedback: 1, meanLatencyMs: 1, accuracy: 0, mae: null },
    ]);
    const { bucketMs, buckets } = stats.volume;
    expect(buckets.length).toBeLessThanOrEqual(60);
    expect(bucketMs).toBe(30_000);
    const sum = (version: string) => buckets.reduce((total, b) => total + (b.counts[version] ?? 0), 0);
    expect([sum('1'), sum('2')]).toEqual([30, 20]);
    expect(buckets.filter((b) => Object.keys(b.counts).length === 0).length).toBeGreaterThan(10);
    const recent = await call<PredictionStats>('predictions.stats', { model: 'iris', since: NOW - 60_000 });
    expect(recent.byVersion.map((v) => v.version)).toEqual(['2']);
    expect((await call<PredictionStats>('predictions.stats', { model: 'nothing' })).total).toBe(0);
  });
});
