/**
 * The tracking server's write path: a log-batch's points queued whole and stored (metrics, latest
 * values, block summaries) after the request on a worker thread, and WAL checkpoints run there
 * too. Nothing may be lost, hidden from a reader in any process, or counted twice on the way,
 * through a SIGKILL included, and the WAL must stay bounded without the request-time checkpoints.
 */
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createExperiment, createRun, getRun, logBatch, metricHistory, type WireMetric } from './mlflow-fixtures.js';
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

  it('hides no point it answered for from a second server on the same data dir (as the CLI beside the app)', async () => {
    const dataDir = await makeTempDir('write-path-two');
    const [writer, reader] = await Promise.all([startServer({ dataDir }), startServer({ dataDir })]);
    try {
      const experimentId = await createExperiment(writer);
      const runId = (await createRun(writer, experimentId)).info.run_id;
      for (let step = 0; step < 12; step++) {
        // Back to back, so the writer's worker (which folds when requests pause) leaves them queued.
        await logBatch(writer, runId, { metrics: wideStep(step) });
        expect(await metricHistory(reader, runId, 'layer_999/norm')).toHaveLength(step + 1);
        await logBatch(writer, runId, { metrics: [{ key: 'loss', value: 1 / (step + 1), timestamp: BASE_TIME + step, step }] });
        expect((await getRun(reader, runId)).data.metrics?.find((m) => m.key === 'loss')?.step).toBe(step);
        await logBatch(writer, runId, { metrics: [{ key: 'acc', value: step, timestamp: BASE_TIME + step, step }] });
        const search = await reader.post<{ runs?: Array<{ info: { run_id: string } }> }>('runs/search', { experiment_ids: [experimentId], filter: `metrics.acc >= ${step}` });
        expect(search.body.runs?.map((r) => r.info.run_id)).toEqual([runId]);
      }
      // And the writer itself, whose queue the reader folded meanwhile.
      expect(await metricHistory(writer, runId, 'layer_0/norm')).toHaveLength(12);
      await waitFor(() => blocksState(dataDir).queued === 0);
      const { stored, recomputed } = blocksState(dataDir);
      expect(stored).toEqual(recomputed);
    } finally {
      await Promise.all([writer.stop(), reader.stop()]);
    }
  });

  it('loses no queued points to a SIGKILL: the next server folds them', async () => {
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
