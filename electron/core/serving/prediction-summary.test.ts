import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TrackingStore } from '../store/tracking-store.js';
import { predictionQuality } from './prediction-quality.js';
import { predictionStats, predictionVolume, STATS_COUNTS_SQL, STATS_LABELLED_SQL } from './prediction-records.js';

let dir: string;
let store: TrackingStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-predsummary-'));
  store = TrackingStore.open(dir);
  const insert = store.db.prepare(
    `INSERT INTO predictions (request_id, model_name, model_version, inputs_json, output_json, predicted_label, predicted_value, latency_us, endpoint, created_time)
     VALUES (?, ?, ?, '{}', '{}', ?, ?, ?, '/invocations', ?)`,
  );
  const feedback = store.db.prepare('INSERT INTO prediction_feedback (prediction_pk, actual_label, actual_value, created_time) VALUES (?, ?, ?, 0)');
  store.db.transaction(() => {
    // Classifier 'c': v1 rows 0-9 (every other one labelled, 3 of 5 right), v2 rows 10-14 unlabelled.
    for (let i = 0; i < 15; i++) {
      const pk = Number(insert.run(`c-${i}`, 'c', i < 10 ? 1 : 2, i % 2 ? 'yes' : 'no', null, 1000 * (i + 1), 60_000 * i).lastInsertRowid);
      if (i < 10 && i % 2 === 0) feedback.run(pk, i < 6 ? 'no' : 'yes', null);
    }
    // Regressor 'r', labelled throughout: its ground truth must not leak into 'c'.
    for (let i = 0; i < 4; i++) {
      const pk = Number(insert.run(`r-${i}`, 'r', 1, null, i, 500, 60_000 * i).lastInsertRowid);
      feedback.run(pk, null, i + 2);
    }
  })();
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('prediction log summaries', () => {
  it('count, time and latency per version, with ground truth joined only for the model asked', () => {
    const stats = predictionStats(store.db, 'c');
    expect(stats).toMatchObject({ total: 15, with_feedback: 5, first_timestamp: 0, last_timestamp: 14 * 60_000 });
    expect(stats.by_version).toEqual([
      { version: '1', count: 10, with_feedback: 5, mean_latency_ms: 5.5, accuracy: 0.6, mae: null },
      { version: '2', count: 5, with_feedback: 0, mean_latency_ms: 13, accuracy: null, mae: null },
    ]);
    expect(predictionStats(store.db, 'r').by_version).toEqual([{ version: '1', count: 4, with_feedback: 4, mean_latency_ms: 0.5, accuracy: null, mae: 2 }]);
    // `since` cuts both the counts and the labelled rows.
    expect(predictionStats(store.db, 'c', 6 * 60_000)).toMatchObject({ total: 9, with_feedback: 2 });
  });

  it('requests over time and the confusion matrix agree with the rows', () => {
    const volume = predictionVolume(store.db, 'c', 0, 14 * 60_000);
    expect(volume.buckets.reduce((sum, b) => sum + Object.values(b.counts).reduce((a, c) => a + c, 0), 0)).toBe(15);
    const quality = predictionQuality(store.db, { model: 'c' });
    expect(quality.labelled).toBe(5);
    expect(quality.classes).toEqual(['no', 'yes']);
    // actual × predicted: rows 0,2,4 are 'no' predicted 'no'; 6,8 are 'yes' predicted 'no'.
    expect(quality.matrix).toEqual([
      [3, 0],
      [2, 0],
    ]);
  });

  it('reads the counts from an index, never the rows with their inputs and outputs', () => {
    const plan = (sql: string) =>
      (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('c', 0) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
    expect(plan(STATS_COUNTS_SQL)).toMatch(/COVERING INDEX predictions_by_model_version/);
    expect(plan(STATS_LABELLED_SQL)).toMatch(/^SCAN f\b/);
  });
});
