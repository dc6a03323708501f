/**
 * The tracking server's write path: block summaries folded after the request on a worker thread,
 * and WAL checkpoints run there too. Nothing may be lost or counted twice on the way, through a
 * SIGKILL included, and the WAL must stay bounded without the request-time checkpoints.
 */
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createExperiment, createRun, logBatch, type WireMetric } from './mlflow-fixtures.js';
import { BASE_TIME, cleanupTempDirs, makeTempDir, startServer, stopAllServers } from './server-process.js';

afterAll(async () => {
  await stopAllServers();
  await cleanupTempDirs();
});

const KEYS = 1_000;
const wideStep = (step: number): WireMetric[] =>
  Array.from({ length: KEYS }, (_, k) => ({ key: `layer_${k}/norm`, value: Math.sin(step * 7 + k), timestamp: BASE_TIME + step, step }));

type Row = Array<string | number>;

/** metric_blocks against the same summaries computed from scratch from metrics; the queue's length. */
function blocksState(dataDir: string): { stored: Row[]; recomputed: Row[]; queued: number } {
  const db = new Database(join(dataDir, 'mldesk.db'), { readonly: true });
  try {
    const columns = 'run_pk, key, level, block, count, round(sum, 6), min, max, first_step, last_step, first_timestamp, last_timestamp';
    const stored = db.prepare(`SELECT ${columns} FROM metric_blocks ORDER BY 1, 2, 3, 4`).raw().all() as Row[];
    const recomputed = db
      .prepare(
        `SELECT run_pk, key, level, step >> level, count(*), round(sum(value), 6), min(value), max(value), min(step), max(step), min(timestamp), max(timestamp)
         FROM metrics, (SELECT 5 AS level UNION ALL SELECT 8 UNION ALL SELECT 11)
         WHERE is_nan = 0 AND value BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308
         GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
      )
      .raw()
      .all() as Row[];
    const queued = db.prepare('SELECT count(*) FROM metric_block_queue').pluck().get() as number;
    return { stored, recomputed, queued };
  } finally {
    db.close();
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('tracking write path', () => {
  it('folds the block summaries of wide log-batches after answering, each point counted once, and keeps the WAL bounded', async () => {
    const dataDir = await makeTempDir('write-path');
    const server = await startServer({ dataDir });
    try {
      const runId = (await createRun(server, await createExperiment(server))).info.run_id;
      for (let step = 0; step < 80; step++) await logBatch(server, runId, { metrics: wideStep(step) });
      // A client retrying a call it saw fail sends the same points again.
      await logBatch(server, runId, { metrics: wideStep(40) });
      await logBatch(server, runId, { metrics: [...wideStep(80).slice(0, 10), ...wideStep(80).slice(0, 10)] });

      // Without checkpoints (none run in the requests any more) these commits would have grown the
      // WAL past 250 MB; the worker keeps it to what a few ticks write.
      expect(statSync(join(dataDir, 'mldesk.db-wal')).size).toBeLessThan(96 * 1024 * 1024);
      await waitFor(() => blocksState(dataDir).queued === 0);
      const { stored, recomputed } = blocksState(dataDir);
      expect(stored.length).toBeGreaterThan(KEYS * 3);
      expect(stored).toEqual(recomputed);
    } finally {
      await server.stop();
    }
  });

  it('loses no queued block summaries to a SIGKILL: the next server folds them', async () => {
    const dataDir = await makeTempDir('write-path-kill');
    const server = await startServer({ dataDir });
    const runId = (await createRun(server, await createExperiment(server))).info.run_id;
    for (let step = 0; step < 30; step++) await logBatch(server, runId, { metrics: wideStep(step) });
    const killed = await server.kill();
    expect(killed.signal).toBe('SIGKILL');

    const restarted = await startServer({ dataDir });
    try {
      await waitFor(() => blocksState(dataDir).queued === 0);
      const { stored, recomputed } = blocksState(dataDir);
      expect(stored.length).toBe(KEYS * 3);
      expect(stored).toEqual(recomputed);
      const history = await restarted.get<{ metrics?: WireMetric[] }>('metrics/get-history', { run_id: runId, metric_key: 'layer_999/norm' });
      expect(history.body.metrics).toHaveLength(30);
    } finally {
      await restarted.stop();
    }
  });
});
