import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createExperiment, createRun, metricHistory, type WireMetric } from './mlflow-fixtures.js';
import { BASE_TIME, cleanupTempDirs, makeTempDir, startServer, stopAllServers, type ApiClient, type ServerProcess } from './server-process.js';

const LOOPS = 6;
const METRICS_PER_CALL = 50;
/** Safety cap so a server that never dies cannot keep a loop running forever. */
const MAX_CALLS_PER_LOOP = 5000;

afterAll(async () => {
  await stopAllServers();
  await cleanupTempDirs();
});

interface LoopResult {
  runId: string;
  /** Calls answered with HTTP 200: every point in them must survive. */
  acknowledged: number[];
  /** How the loop ended: the first failure it saw, or 'cap' if it never saw one. */
  ending: string;
}

const valueOf = (loop: number, call: number, key: number) => loop * 1_000_000 + call * 100 + key;

function batchFor(runId: string, loop: number, call: number) {
  return {
    run_id: runId,
    metrics: Array.from({ length: METRICS_PER_CALL }, (_, key) => ({
      key: `m${key}`,
      value: valueOf(loop, call, key),
      timestamp: String(BASE_TIME + call),
      step: String(call),
    })),
  };
}

/**
 * Runs LOOPS concurrent clients, each logging to its own run, until every one of them fails.
 * `onAck` sees the running total of acknowledged calls, so the test can interrupt the server
 * after a given amount of acknowledged work.
 */
async function writeUntilServerGoes(server: ServerProcess, runIds: string[], onAck: (total: number) => void): Promise<LoopResult[]> {
  let total = 0;
  return Promise.all(
    runIds.map(async (runId, loop): Promise<LoopResult> => {
      const acknowledged: number[] = [];
      for (let call = 0; call < MAX_CALLS_PER_LOOP; call++) {
        let status: number;
        try {
          status = (await server.post('runs/log-batch', batchFor(runId, loop, call))).status;
        } catch (error) {
          return { runId, acknowledged, ending: `network error: ${(error as Error).message}` };
        }
        if (status !== 200) return { runId, acknowledged, ending: `HTTP ${status}` };
        acknowledged.push(call);
        total += 1;
        onAck(total);
      }
      return { runId, acknowledged, ending: 'cap' };
    }),
  );
}

async function setUpRuns(server: ServerProcess): Promise<string[]> {
  const experimentId = await createExperiment(server);
  const runIds: string[] = [];
  for (let i = 0; i < LOOPS; i++) runIds.push((await createRun(server, experimentId, { run_name: `writer-${i}` })).info.run_id);
  return runIds;
}

/** Every acknowledged point is in the history, with its exact value, and nothing is duplicated. */
async function expectAcknowledgedPoints(api: ApiClient, results: LoopResult[]): Promise<void> {
  await Promise.all(
    results.map(async (result, loop) => {
      for (let key = 0; key < METRICS_PER_CALL; key++) {
        const history = await metricHistory(api, result.runId, `m${key}`);
        const byStep = new Map<number, WireMetric>(history.map((point) => [point.step, point]));
        expect(byStep.size, `duplicate points in run ${loop} m${key}`).toBe(history.length);
        const missing = result.acknowledged.filter((call) => byStep.get(call)?.value !== valueOf(loop, call, key));
        expect(missing, `acknowledged calls missing from run ${loop} metric m${key}`).toEqual([]);
        // Anything beyond the acknowledged calls can only be the one in flight when the server went.
        expect(history.length - result.acknowledged.length).toBeGreaterThanOrEqual(0);
        expect(history.length - result.acknowledged.length).toBeLessThanOrEqual(1);
      }
    }),
  );
}

describe('durability', () => {
  it('keeps every acknowledged log-batch after SIGKILL mid-stream', async () => {
    const dataDir = await makeTempDir('durable');
    const server = await startServer({ dataDir });
    const runIds = await setUpRuns(server);

    let killed = false;
    const results = await writeUntilServerGoes(server, runIds, (total) => {
      if (!killed && total >= 300) {
        killed = true;
        server.child.kill('SIGKILL');
      }
    });
    const exit = await server.exited;
    expect(exit.signal).toBe('SIGKILL');

    const acknowledged = results.reduce((sum, r) => sum + r.acknowledged.length, 0);
    expect(acknowledged).toBeGreaterThanOrEqual(300);
    // Every loop was still writing when the server died: the kill really was mid-stream.
    for (const result of results) {
      expect(result.ending).not.toBe('cap');
      expect(result.acknowledged.length).toBeGreaterThan(0);
    }

    const restarted = await startServer({ dataDir });
    try {
      await expectAcknowledgedPoints(restarted, results);
      // The reopened database takes writes again.
      const res = await restarted.post('runs/log-batch', batchFor(runIds[0]!, 0, 99_999));
      expect(res.status, res.text).toBe(200);
    } finally {
      await restarted.stop();
    }
  });

  it('exits 0 on SIGTERM during writes, leaving a database that reopens with every acknowledged point', async () => {
    const dataDir = await makeTempDir('sigterm');
    const server = await startServer({ dataDir });
    const runIds = await setUpRuns(server);

    let signalled = false;
    const results = await writeUntilServerGoes(server, runIds, (total) => {
      if (!signalled && total >= 200) {
        signalled = true;
        server.child.kill('SIGTERM');
      }
    });
    const exit = await server.exited;
    expect(exit, server.stderr()).toEqual({ code: 0, signal: null });
    expect(server.stdout()).toMatch(/Received SIGTERM/);
    for (const result of results) expect(result.ending).not.toBe('cap');

    // A clean shutdown folds the WAL back into the database file.
    const database = join(dataDir, 'mldesk.db');
    let walBytes = 0;
    try {
      walBytes = statSync(`${database}-wal`).size;
    } catch {
      walBytes = 0;
    }
    expect(walBytes).toBe(0);
    const db = new Database(database, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const count = db.prepare('SELECT COUNT(*) AS n FROM metrics').get() as { n: number };
      const acknowledged = results.reduce((sum, r) => sum + r.acknowledged.length, 0);
      expect(count.n).toBeGreaterThanOrEqual(acknowledged * METRICS_PER_CALL);
    } finally {
      db.close();
    }

    const restarted = await startServer({ dataDir });
    try {
      await expectAcknowledgedPoints(restarted, results);
    } finally {
      await restarted.stop();
    }
  });
});
