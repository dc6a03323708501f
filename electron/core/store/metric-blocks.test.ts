import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteDatabase } from './database.js';
import { readMetricSeries } from './metric-series.js';
import type { MetricPoint } from './run-data.js';
import { TrackingStore } from './tracking-store.js';

let dir: string;
let store: TrackingStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-blocks-'));
  store = TrackingStore.open(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

type BlockRow = [string, number, number, number, number, number, number, number, number, number, number];

/** metric_blocks as stored, and as computed from scratch from the metrics table (migration 2's backfill). */
function storedAndRecomputed(db: SqliteDatabase, runPk: number): { stored: BlockRow[]; recomputed: BlockRow[] } {
  const columns = 'key, level, block, count, sum, min, max, first_step, last_step, first_timestamp, last_timestamp';
  const stored = db.prepare(`SELECT ${columns} FROM metric_blocks WHERE run_pk = ? ORDER BY key, level, block`).raw().all(runPk) as BlockRow[];
  const recomputed = db
    .prepare(
      `SELECT key, level, step >> level AS block, count(*), sum(value), min(value), max(value), min(step), max(step), min(timestamp), max(timestamp)
       FROM metrics, (SELECT 5 AS level UNION ALL SELECT 8 UNION ALL SELECT 11)
       WHERE run_pk = ? AND is_nan = 0 AND value BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308
       GROUP BY key, level, block ORDER BY key, level, block`,
    )
    .raw()
    .all(runPk) as BlockRow[];
  return { stored, recomputed };
}

function expectBlocksInStep(runPk: number): void {
  const { stored, recomputed } = storedAndRecomputed(store.db, runPk);
  expect(stored.length).toBe(recomputed.length);
  stored.forEach((row, i) => {
    const want = recomputed[i]!;
    // Sums are added in another order, so only they may differ, in the last bits.
    expect([...row.slice(0, 4), ...row.slice(5)]).toEqual([...want.slice(0, 4), ...want.slice(5)]);
    expect(row[4]).toBeCloseTo(want[4], 9);
  });
}

/** Points a wide model logs per step, a retried call, a batch repeating a point, NaN and infinities. */
function logAwkwardHistory(runId: string): void {
  const wide = (step: number): MetricPoint[] => Array.from({ length: 300 }, (_, k) => ({ key: `layer_${k}/norm`, value: Math.sin(step + k), timestamp: 1_000 + step, step }));
  for (let step = 0; step < 70; step++) store.logBatch(runId, { metrics: wide(step), params: [], tags: [] });
  store.logBatch(runId, { metrics: wide(33), params: [], tags: [] });
  const mixed: MetricPoint[] = [
    { key: 'loss', value: 1, timestamp: 5, step: 0 },
    { key: 'loss', value: 1, timestamp: 5, step: 0 },
    { key: 'loss', value: NaN, timestamp: 6, step: 1 },
    { key: 'loss', value: Infinity, timestamp: 7, step: 2 },
    { key: 'loss', value: -Infinity, timestamp: 8, step: 3 },
    { key: 'loss', value: 0.25, timestamp: 9, step: 4_000 },
    { key: 'layer_0/norm', value: 9, timestamp: 1_005, step: 5 },
  ];
  store.logBatch(runId, { metrics: mixed, params: [], tags: [] });
  store.logBatch(runId, { metrics: mixed.slice(0, 3), params: [], tags: [] });
  store.logBatch(runId, { metrics: [{ key: 'single', value: 2, timestamp: 1, step: 40 }], params: [], tags: [] }, { single: true });
  store.logBatch(runId, { metrics: [{ key: 'single', value: 2, timestamp: 1, step: 40 }], params: [], tags: [] }, { single: true });
}

describe('metric_blocks', () => {
  it('stay in step with the points stored, written at once: retries and repeated points counted once', () => {
    const run = store.createRun({ experimentId: '0', tags: [] });
    logAwkwardHistory(run.info.run_id);
    expectBlocksInStep(store.runs.row(run.info.run_id).run_pk);
  });

  it('deferred (as the tracking server writes them), are queued with the points and in step once folded', () => {
    store.runData.deferMetrics = true;
    const run = store.createRun({ experimentId: '0', tags: [] });
    const runPk = store.runs.row(run.info.run_id).run_pk;
    logAwkwardHistory(run.info.run_id);
    const queued = store.db.prepare('SELECT count(*) FROM metric_block_queue WHERE run_pk = ?').pluck().get(runPk) as number;
    expect(queued).toBeGreaterThan(70);
    expect(store.db.prepare('SELECT count(*) FROM metric_blocks WHERE run_pk = ?').pluck().get(runPk)).toBe(0);
    expect(store.runData.queue.fold()).toBe(queued);
    expect(store.db.prepare('SELECT count(*) FROM metric_block_queue').pluck().get()).toBe(0);
    expectBlocksInStep(runPk);
  });

  it('are folded for the run a chart reads before it reads them, so a chart never misses queued points', () => {
    const run = store.createRun({ experimentId: '0', startTime: 0, tags: [] });
    const row = store.runs.row(run.info.run_id);
    const points = Array.from({ length: 3_000 }, (_, i): MetricPoint => ({ key: 'loss', value: i % 100, timestamp: i, step: i }));
    store.logBatch(run.info.run_id, { metrics: points.slice(0, 1_000), params: [], tags: [] });
    store.runData.deferMetrics = true;
    store.logBatch(run.info.run_id, { metrics: points.slice(1_000, 2_000), params: [], tags: [] });
    store.logBatch(run.info.run_id, { metrics: points.slice(2_000), params: [], tags: [] });
    const other = store.createRun({ experimentId: '0', tags: [] });
    store.logBatch(other.info.run_id, { metrics: points.slice(0, 10), params: [], tags: [] });

    const series = readMetricSeries(store.db, { runPk: row.run_pk, runId: run.info.run_id, startTime: 0 }, 'loss', 'step', 50);
    expect(series.total).toBe(3_000);
    expect(series.sampled).toBe(true);
    expect(Math.max(...(series.x as number[]))).toBeGreaterThan(2_900);
    expectBlocksInStep(row.run_pk);
    // Only the run read was folded; the other one waits for the background fold.
    expect(store.db.prepare('SELECT count(*) FROM metric_block_queue').pluck().get()).toBe(1);
  });

  it('are all folded when the store closes, so the file is complete on its own', () => {
    store.runData.deferMetrics = true;
    const run = store.createRun({ experimentId: '0', tags: [] });
    logAwkwardHistory(run.info.run_id);
    const runPk = store.runs.row(run.info.run_id).run_pk;
    store.close();
    store = TrackingStore.open(dir);
    expect(store.db.prepare('SELECT count(*) FROM metric_block_queue').pluck().get()).toBe(0);
    expectBlocksInStep(runPk);
  });
});
