import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openDatabase } from './database.js';
import { readMetricSeries } from './metric-series.js';
import { MIGRATIONS } from './migrations.js';
import type { MetricPoint } from './run-data.js';
import { TrackingStore } from './tracking-store.js';

let dir: string;
let store: TrackingStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-series-'));
  store = TrackingStore.open(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function runWith(points: MetricPoint[]) {
  const runId = store.createRun({ experimentId: '0', startTime: 1_000, tags: [] }).info.run_id;
  for (let i = 0; i < points.length; i += 1000) store.logBatch(runId, { metrics: points.slice(i, i + 1000), params: [], tags: [] });
  const row = store.runs.row(runId);
  return { runPk: row.run_pk, runId, startTime: row.start_time };
}

const series = (n: number, value: (i: number) => number, key = 'loss'): MetricPoint[] =>
  Array.from({ length: n }, (_, i) => ({ key, step: i, timestamp: 1_000 + i * 10, value: value(i) }));

describe('readMetricSeries', () => {
  it('returns a short history whole, with NaN and infinities as gaps', () => {
    const run = runWith([
      { key: 'loss', step: 0, timestamp: 1_000, value: 1 },
      { key: 'loss', step: 1, timestamp: 2_000, value: NaN },
      { key: 'loss', step: 2, timestamp: 3_000, value: Infinity },
      { key: 'loss', step: 3, timestamp: 4_000, value: 0.5 },
    ]);
    const s = readMetricSeries(store.db, run, 'loss', 'step', 100);
    expect(s).toMatchObject({ sampled: false, total: 4, x: [0, 1, 2, 3], y: [1, null, null, 0.5] });
    expect(readMetricSeries(store.db, run, 'loss', 'relative', 100).x).toEqual([0, 1, 2, 3]);
    expect(readMetricSeries(store.db, run, 'loss', 'wall', 100).x).toEqual([1_000, 2_000, 3_000, 4_000]);
  });

  it('never returns more points than asked, and keeps a one-point spike in the bucket max', () => {
    const run = runWith(series(200_000, (i) => (i === 123_457 ? 1000 : Math.sin(i / 5000))));
    const s = readMetricSeries(store.db, run, 'loss', 'step', 800);
    expect(s.sampled).toBe(true);
    expect(s.total).toBe(200_000);
    expect(s.x.length).toBeLessThanOrEqual(800);
    expect(s.x.length).toBeGreaterThan(700);
    expect(Math.max(...(s.yMax as number[]))).toBe(1000);
    expect(Math.min(...(s.yMin as number[]))).toBeCloseTo(-1, 3);
    // Buckets are in x order and each mean lies within its min and max.
    for (let i = 1; i < s.x.length; i++) expect(s.x[i]!).toBeGreaterThan(s.x[i - 1]!);
    s.y.forEach((y, i) => {
      expect(y!).toBeGreaterThanOrEqual((s.yMin![i] as number) - 1e-9);
      expect(y!).toBeLessThanOrEqual((s.yMax![i] as number) + 1e-9);
    });
  });

  it('gives the same bucket means from block summaries as from the raw points', () => {
    const values = (i: number) => (i % 7) * 0.5 + i / 1000;
    const run = runWith(series(40_000, values));
    const s = readMetricSeries(store.db, run, 'loss', 'step', 500);
    // 40,000 steps / 500 points = 80 steps per bucket: served from 32-step blocks, which align with
    // bucket edges only approximately, so compare the overall mean, which must be exact.
    const meanOfBuckets = s.y.reduce<number>((acc, y) => acc + y!, 0) / s.y.length;
    const exact = Array.from({ length: 40_000 }, (_, i) => values(i)).reduce((a, b) => a + b, 0) / 40_000;
    expect(Math.abs(meanOfBuckets - exact)).toBeLessThan(0.01);
  });

  it('backfills block summaries for histories logged before the blocks existed', () => {
    const path = join(dir, 'old.db');
    const old = new Database(path);
    old.exec(MIGRATIONS[0]!.sql);
    old.pragma('user_version = 1');
    old.prepare("INSERT INTO experiments (experiment_id, name, artifact_location, creation_time, last_update_time) VALUES (0, 'Default', 'a', 0, 0)").run();
    old.prepare("INSERT INTO runs (run_pk, run_uuid, experiment_id, name, status, artifact_uri) VALUES (1, 'r', 0, 'n', 'FINISHED', 'a')").run();
    const insert = old.prepare("INSERT INTO metrics (run_pk, key, step, timestamp, value, is_nan) VALUES (1, 'loss', ?, ?, ?, 0)");
    old.transaction(() => {
      for (let i = 0; i < 5_000; i++) insert.run(i, i, i % 10);
    })();
    old.close();
    const migrated = openDatabase(path);
    const blocks = migrated.prepare('SELECT level, count(*) AS n, sum(count) AS points, max(max) AS top FROM metric_blocks GROUP BY level ORDER BY level').all();
    expect(blocks).toEqual([
      { level: 5, n: Math.ceil(5_000 / 32), points: 5_000, top: 9 },
      { level: 8, n: Math.ceil(5_000 / 256), points: 5_000, top: 9 },
      { level: 11, n: Math.ceil(5_000 / 2048), points: 5_000, top: 9 },
    ]);
    const s = readMetricSeries(migrated, { runPk: 1, runId: 'r', startTime: 0 }, 'loss', 'step', 100);
    expect(s.sampled).toBe(true);
    expect(s.total).toBe(5_000);
    migrated.close();
  });

  it('keeps a long history of NaN and infinities within maxPoints, its few finite points bucketed', () => {
    const run = runWith(series(5_000, (i) => (i === 10 ? 1 : i === 4_000 ? 3 : i % 2 ? NaN : Infinity)));
    const s = readMetricSeries(store.db, run, 'loss', 'step', 100);
    expect(s.x.length).toBeLessThanOrEqual(100);
    expect(s).toMatchObject({ sampled: true, total: 2, x: [10, 4_000], y: [1, 3], yMin: [1, 3], yMax: [1, 3] });
    const onlyNaN = runWith(series(3_000, () => NaN, 'nan'));
    expect(readMetricSeries(store.db, onlyNaN, 'nan', 'wall', 50)).toMatchObject({ sampled: true, total: 0, x: [], y: [] });
    // Exactly maxPoints points still come back whole.
    expect(readMetricSeries(store.db, onlyNaN, 'nan', 'step', 3_000)).toMatchObject({ sampled: false, total: 3_000 });
  });

  it('does not count a point logged twice (a client retry) twice', () => {
    const points = series(3_000, (i) => i);
    const run = runWith(points);
    store.logBatch(run.runId, { metrics: points.slice(0, 1000), params: [], tags: [] });
    const s = readMetricSeries(store.db, run, 'loss', 'step', 100);
    expect(s.total).toBe(3_000);
    const blockTotal = store.db.prepare('SELECT sum(count) AS n FROM metric_blocks WHERE run_pk = ? AND level = 5').get(run.runPk) as { n: number };
    expect(blockTotal.n).toBe(3_000);
  });
});
