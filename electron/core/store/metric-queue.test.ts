import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';
import { readMetricSeries } from './metric-series.js';
import { MIGRATIONS } from './migrations.js';
import type { MetricPoint } from './run-data.js';
import { runColumns, runsPage } from './run-table-query.js';
import { TrackingStore } from './tracking-store.js';

let dir: string;
let server: TrackingStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-queue-'));
  server = TrackingStore.open(dir);
  // As the tracking server writes while its maintenance worker runs.
  server.runData.deferMetrics = true;
});
afterEach(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const wide = (step: number, keys = 1_000): MetricPoint[] =>
  Array.from({ length: keys }, (_, k) => ({ key: `layer_${String(k).padStart(4, '0')}/norm`, value: Math.sin(step * 7 + k), timestamp: 1_000 + step, step }));
const queued = (store: TrackingStore) => store.db.prepare('SELECT count(*) FROM metric_block_queue').pluck().get() as number;
const count = (store: TrackingStore, sql: string, ...args: unknown[]) => store.db.prepare(sql).pluck().get(...args) as number;

/** metric_blocks against the same summaries recomputed from metrics (migration 2's backfill). */
function expectBlocksInStep(store: TrackingStore): void {
  const columns = 'run_pk, key, level, block, count, round(sum, 6), min, max, first_step, last_step, first_timestamp, last_timestamp';
  const stored = store.db.prepare(`SELECT ${columns} FROM metric_blocks ORDER BY 1, 2, 3, 4`).raw().all();
  const recomputed = store.db
    .prepare(
      `SELECT run_pk, key, level, step >> level, count(*), round(sum(value), 6), min(value), max(value), min(step), max(step), min(timestamp), max(timestamp)
       FROM metrics, (SELECT 5 AS level UNION ALL SELECT 8 UNION ALL SELECT 11)
       WHERE is_nan = 0 AND value BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308
       GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
    )
    .raw()
    .all();
  expect(stored).toEqual(recomputed);
}

describe('the metric queue of the tracking server', () => {
  it('commits a log-batch of 1,000 distinct keys as a few pages of WAL, not a page per key', () => {
    const runId = server.createRun({ experimentId: '0', tags: [] }).info.run_id;
    // Histories long enough that each key's points fill a page of their own.
    for (let step = 0; step < 120; step++) server.logBatch(runId, { metrics: wide(step), params: [], tags: [] });
    server.runData.queue.fold();
    server.db.pragma('wal_checkpoint(TRUNCATE)');
    server.logBatch(runId, { metrics: wide(120), params: [], tags: [] });
    const frames = (statSync(join(dir, 'mldesk.db-wal')).size - 32) / (4096 + 24);
    // Storing the points at once wrote over 1,000 pages (a leaf of every key's history and more).
    expect(frames).toBeLessThan(40);
    expect(queued(server)).toBe(1);
  }, 60_000);

  it('hides nothing from any reader: histories, runs, search, the runs table and charts fold first', () => {
    const experimentId = server.experiments.create('queued', undefined, []);
    const runId = server.createRun({ experimentId, tags: [] }).info.run_id;
    const other = server.createRun({ experimentId, tags: [] }).info.run_id;
    const points: MetricPoint[] = [
      { key: 'loss', value: 1, timestamp: 5, step: 0 },
      { key: 'loss', value: NaN, timestamp: 6, step: 1 },
      { key: 'loss', value: Infinity, timestamp: 7, step: 2 },
      { key: 'loss', value: -Infinity, timestamp: 8, step: 3 },
      { key: 'loss', value: 0.25, timestamp: 9, step: 4 },
    ];
    server.logBatch(runId, { metrics: points, params: [], tags: [] });
    server.logBatch(other, { metrics: [{ key: 'loss', value: 3, timestamp: 1, step: 0 }], params: [], tags: [] });
    expect(queued(server)).toBe(2);

    const history = server.runData.metricHistory(runId, 'loss', undefined, undefined).metrics;
    expect(history.map((m) => m.value)).toEqual([1, 'NaN', 'Infinity', '-Infinity', 0.25]);
    // Only the run read was folded.
    expect(queued(server)).toBe(1);
    expect(server.runs.get(other).data.metrics).toEqual([{ key: 'loss', value: 3, timestamp: 1, step: 0 }]);
    expect(queued(server)).toBe(0);

    server.logBatch(runId, { metrics: [{ key: 'loss', value: 0.1, timestamp: 10, step: 5 }], params: [], tags: [] });
    const found = server.searchRuns({ experimentIds: [experimentId], filter: 'metrics.loss < 0.2', viewType: 'ACTIVE_ONLY', maxResults: 10, orderBy: [] });
    expect(found.runs.map((r) => r.info.run_id)).toEqual([runId]);
    server.logBatch(runId, { metrics: [{ key: 'loss', value: 5, timestamp: 11, step: 6 }], params: [], tags: [] });
    expect(JSON.parse(server.searchRunsJson({ experimentIds: [experimentId], viewType: 'ACTIVE_ONLY', maxResults: 10, orderBy: ['metrics.loss DESC'] }).toString("utf8")).runs[0].info.run_id).toBe(runId);
    server.logBatch(runId, { metrics: [{ key: 'acc', value: 0.5, timestamp: 12, step: 6 }], params: [], tags: [] });
    expect(runColumns(server.db, [experimentId]).metrics).toEqual(['acc', 'loss']);
    server.logBatch(runId, { metrics: [{ key: 'acc', value: 0.75, timestamp: 13, step: 7 }], params: [], tags: [] });
    const page = runsPage(server.db, { experimentIds: [experimentId], filter: 'metrics.acc > 0.6', offset: 0, limit: 10, columns: { params: [], metrics: ['acc'], tags: [] } });
    expect(page.rows.map((r) => r.metrics.acc)).toEqual([0.75]);
    server.logBatch(runId, { metrics: [{ key: 'acc', value: 0.8, timestamp: 14, step: 8 }], params: [], tags: [] });
    const series = readMetricSeries(server.db, { runPk: server.runs.row(runId).run_pk, runId, startTime: 0 }, 'acc', 'step', 100);
    expect(series.y).toEqual([0.5, 0.75, 0.8]);
    expect(queued(server)).toBe(0);
    expectBlocksInStep(server);
  });

  it('folds retries, repeated points and the same points written at once by another process once each', () => {
    const runId = server.createRun({ experimentId: '0', tags: [] }).info.run_id;
    const cli = TrackingStore.open(dir);
    try {
      for (let step = 0; step < 40; step++) server.logBatch(runId, { metrics: wide(step, 50), params: [], tags: [] });
      // A client retrying calls it saw fail, a batch repeating a point, and a CLI on the same data dir
      // storing some of the same points directly while the server's are still queued.
      server.logBatch(runId, { metrics: wide(7, 50), params: [], tags: [] });
      server.logBatch(runId, { metrics: [...wide(40, 50), ...wide(40, 50)], params: [], tags: [] });
      cli.logBatch(runId, { metrics: [...wide(39, 50), ...wide(41, 50)], params: [], tags: [] });
      expect(queued(server)).toBe(42);
      // The CLI reads first: it folds the server's rows, and sees every point.
      expect(cli.runData.metricHistory(runId, 'layer_0049/norm', undefined, undefined).metrics).toHaveLength(42);
      expect(queued(server)).toBe(0);
      expect(server.runData.queue.fold()).toBe(0);
      expect(count(server, 'SELECT count(*) FROM metrics')).toBe(42 * 50);
      expect(server.runs.get(runId).data.metrics.find((m) => m.key === 'layer_0000/norm')).toEqual({ key: 'layer_0000/norm', value: Math.sin(41 * 7), timestamp: 1_041, step: 41 });
      expectBlocksInStep(server);
    } finally {
      cli.close();
    }
  });

  it('are folded by the next store opened after a crash, and rows queued by schema 8 count in the blocks only', () => {
    const path = join(dir, 'v8.db');
    const old = new Database(path);
    for (const migration of MIGRATIONS.filter((m) => m.version <= 8)) old.exec(migration.sql);
    old.pragma('user_version = 8');
    old.prepare("INSERT INTO experiments (experiment_id, name, artifact_location, creation_time, last_update_time) VALUES (0, 'Default', 'a', 0, 0)").run();
    old.prepare("INSERT INTO runs (run_pk, run_uuid, experiment_id, name, status, artifact_uri) VALUES (1, 'r', 0, 'n', 'RUNNING', 'a')").run();
    // Version 8 stored the points at once and queued them for their blocks only.
    old.prepare("INSERT INTO metrics (run_pk, key, step, timestamp, value, is_nan) VALUES (1, 'loss', 0, 1, 2, 0), (1, 'loss', 1, 2, 4, 0)").run();
    old.prepare("INSERT INTO latest_metrics (run_pk, key, value, is_nan, step, timestamp) VALUES (1, 'loss', 4, 0, 1, 2)").run();
    old.prepare("INSERT INTO metric_block_queue (run_pk, points) VALUES (1, '[\"loss\",0,1,2,\"loss\",1,2,4]')").run();
    old.close();

    const db = openDatabase(path);
    try {
      db.prepare("INSERT INTO metric_block_queue (run_pk, points, stored) VALUES (1, '[\"loss\",2,3,\"NaN\",\"loss\",3,4,8]', 0)").run();
      const reader = { runPk: 1, runId: 'r', startTime: 0 };
      expect(readMetricSeries(db, reader, 'loss', 'step', 100).y).toEqual([2, 4, null, 8]);
      expect(db.prepare('SELECT count(*) FROM metric_block_queue').pluck().get()).toBe(0);
      expect(db.prepare("SELECT count, sum FROM metric_blocks WHERE level = 5").get()).toEqual({ count: 3, sum: 14 });
      expect(db.prepare('SELECT value, step FROM latest_metrics').get()).toEqual({ value: 8, step: 3 });
    } finally {
      db.close();
    }
  });
});
