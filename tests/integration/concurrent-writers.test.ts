/**
 * Two `mldesk serve` processes on one data dir (the CLI training beside the open app is the
 * documented way to work), hammered at once: every write must succeed or be refused with a 4xx,
 * never a 5xx, and numbering (experiment ids, model versions) must stay unique with nothing lost.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs, makeTempDir, startServer, stopAllServers, uniqueName, type ApiResponse, type ServerProcess } from './server-process.js';

afterAll(async () => {
  await stopAllServers();
  await cleanupTempDirs();
});

const ROUNDS = 40;

function expectOk(res: ApiResponse, what: string): void {
  expect(res.status, `${what}: ${res.text}`).toBe(200);
}

/** Runs `work` for every round on every server, all at once. */
async function hammer<T>(servers: ServerProcess[], work: (server: ServerProcess, round: number, index: number) => Promise<T>): Promise<T[]> {
  const calls: Array<Promise<T>> = [];
  for (let round = 0; round < ROUNDS; round++) servers.forEach((server, index) => calls.push(work(server, round, index)));
  return Promise.all(calls);
}

describe('two serve processes on one data dir', () => {
  it('start together on a new data dir and write at once with no 5xx, unique numbers and nothing lost', async () => {
    const dataDir = await makeTempDir('two-writers');
    // Started together: both migrate the new database and create the Default experiment.
    const servers = await Promise.all([startServer({ dataDir }), startServer({ dataDir }), startServer({ dataDir })]);
    const statuses: number[] = [];
    const record = (res: ApiResponse) => {
      statuses.push(res.status);
      return res;
    };

    // Experiments: MAX(id)+1 read, then insert, from three processes.
    const experimentIds = await hammer(servers, async (server, round, index) => {
      const res = record(await server.post('experiments/create', { name: uniqueName(`exp-${index}-${round}`) }));
      expectOk(res, 'experiments/create');
      const id = (res.body as { experiment_id: string }).experiment_id;
      expectOk(record(await server.post('experiments/set-experiment-tag', { experiment_id: id, key: 'owner', value: `p${index}` })), 'set-experiment-tag');
      return id;
    });
    expect(new Set(experimentIds).size).toBe(experimentIds.length);

    // Runs with params (the param check reads before the batch writes).
    const runIds = await hammer(servers, async (server, round, index) => {
      const res = record(await server.post('runs/create', { experiment_id: experimentIds[round], start_time: Date.now() }));
      expectOk(res, 'runs/create');
      const runId = (res.body as { run: { info: { run_id: string } } }).run.info.run_id;
      const batch = { run_id: runId, params: [{ key: 'p', value: String(index) }], metrics: [{ key: 'm', value: round, timestamp: Date.now(), step: 0 }] };
      expectOk(record(await server.post('runs/log-batch', batch)), 'log-batch');
      return runId;
    });

    // Model versions: next_version read, then written, from three processes on one model.
    const model = uniqueName('model');
    expectOk(record(await servers[0]!.post('registered-models/create', { name: model })), 'registered-models/create');
    const versions = await hammer(servers, async (server, round) => {
      const res = record(await server.post('model-versions/create', { name: model, source: `runs:/${runIds[round]}/model`, run_id: runIds[round] }));
      expectOk(res, 'model-versions/create');
      return Number((res.body as { model_version: { version: string } }).model_version.version);
    });
    expect([...versions].sort((a, b) => a - b)).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));

    // Renames racing for one name: exactly one wins, the others are told the name is taken.
    const contested = uniqueName('contested');
    const renames = await Promise.all(experimentIds.slice(0, 12).map((id, i) => servers[i % servers.length]!.post('experiments/update', { experiment_id: id, new_name: contested })));
    renames.forEach(record);
    expect(renames.filter((res) => res.status === 200)).toHaveLength(1);
    for (const res of renames.filter((r) => r.status !== 200)) expect(res.text).toMatch(/already exists/);

    expect(statuses.filter((status) => status >= 500)).toEqual([]);

    // Nothing lost: every process sees every experiment, run, param and version.
    for (const server of servers) {
      const search = await server.post('experiments/search', { max_results: 1000 });
      const seen = new Set((search.body as { experiments: Array<{ experiment_id: string }> }).experiments.map((e) => e.experiment_id));
      for (const id of [...experimentIds, '0']) expect(seen.has(id), `experiment ${id}`).toBe(true);
      const found = await server.post('runs/search', { experiment_ids: experimentIds, max_results: 1000 });
      const runs = (found.body as { runs: Array<{ info: { run_id: string }; data: { params?: unknown[] } }> }).runs;
      expect(runs.map((r) => r.info.run_id).sort()).toEqual([...runIds].sort());
      for (const run of runs) expect(run.data.params).toHaveLength(1);
      const listed = await server.get('registered-models/get', { name: model });
      expect(listed.status).toBe(200);
    }
    await Promise.all(servers.map((server) => server.stop()));
  }, 120_000);

  it('answers 503 TEMPORARILY_UNAVAILABLE, not 500, when another process holds the database past the 5 s wait', async () => {
    const server = await startServer();
    const other = new Database(join(server.dataDir!, 'mldesk.db'));
    other.exec('BEGIN IMMEDIATE');
    try {
      const [mlflow, app] = await Promise.all([
        server.post('experiments/create', { name: uniqueName('blocked') }),
        server.post('/app-api/experiments.create', { name: uniqueName('blocked-app') }),
      ]);
      expect(mlflow.status, mlflow.text).toBe(503);
      expect(mlflow.body).toMatchObject({ error_code: 'TEMPORARILY_UNAVAILABLE', message: expect.stringMatching(/busy.*Retry/) });
      expect(app.status, app.text).toBe(503);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expectOk(await server.post('experiments/create', { name: uniqueName('after') }), 'experiments/create once the other writer is done');
    await server.stop();
  }, 60_000);
});
