/**
 * What a caller of a real prediction server (a trained iris model, real HTTP on 127.0.0.1) gets
 * for bodies whatever their content type, inputs outside the training range, and refused requests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppHandlers } from '../../api/app-handlers.js';
import { ModelRegistry } from '../registry/model-registry.js';
import { createServices } from '../services.js';
import { TrackingStore } from '../store/tracking-store.js';
import { loadBackend } from '../training/backend.js';
import { MODEL_DIR } from '../training/model-files.js';
import { writeRunArtifact } from '../training/run-records.js';
import { irisModelFiles } from '../training/test-tables.js';
import { createPredictionServer, type PredictionServer } from './prediction-server.js';
import { searchPredictions } from './prediction-records.js';
import { listRefusals } from './prediction-refusals.js';

const require = createRequire(import.meta.url);
let dir: string;
let store: TrackingStore;
let server: PredictionServer;
const ROW = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-server-requests-'));
  store = TrackingStore.open(dir);
  const { tf } = await loadBackend('wasm');
  const runId = store.createRun({ experimentId: store.experiments.create('iris', undefined, []), runName: 'iris', tags: [] }).info.run_id;
  for (const file of await irisModelFiles(tf, 3)) await writeRunArtifact(store, runId, `${MODEL_DIR}/${file.path}`, file.bytes);
  const registry = new ModelRegistry(store.db);
  registry.createModel('iris');
  registry.createVersion('iris', { source: `runs:/${runId}/${MODEL_DIR}` });
  server = await createPredictionServer({ store, registry, target: 'iris/1', port: 0, backend: 'wasm' });
}, 60_000);

afterAll(async () => {
  await server?.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function post(path: string, body: string, contentType?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: contentType ? { 'content-type': contentType } : {}, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

type Answer = { predictions: Array<{ label: string; warnings?: Array<{ feature: string; value: number; min: number; max: number; message: string }> }>; request_ids: string[] };

describe('request bodies', () => {
  it('reads a JSON body whatever its content type, as TF Serving does (curl -d sends a form type)', async () => {
    const body = JSON.stringify({ instances: [ROW] });
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'application/octet-stream', undefined]) {
      const answer = await post('/v1/models/iris:predict', body, type);
      expect(answer.status, String(type)).toBe(200);
      expect(['setosa', 'versicolor', 'virginica']).toContain((answer.body as unknown as Answer).predictions[0]!.label);
    }
    expect((await post('/invocations', JSON.stringify({ dataframe_records: [ROW] }), 'application/x-www-form-urlencoded')).status).toBe(200);
  });

  it('refuses a body that is not JSON with a 400 that says so', async () => {
    const answer = await post('/v1/models/iris:predict', 'sepal_length=5.1&sepal_width=3.5', 'application/x-www-form-urlencoded');
    expect(answer.status).toBe(400);
    expect(answer.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(answer.body.message).toMatch(/^The request body is not valid JSON: .*The body must be JSON, e\.g\. \{"instances": .*whatever the Content-Type\.$/);
  });
});

describe('inputs outside the training range', () => {
  it('are scored, marked per row with the feature and the range seen in training, and logged with the warning', async () => {
    const far = { ...ROW, petal_length: 50 };
    const answer = await post('/v1/models/iris:predict', JSON.stringify({ instances: [ROW, far] }), 'application/json');
    expect(answer.status).toBe(200);
    const [inRange, outside] = (answer.body as unknown as Answer).predictions;
    expect(inRange!.warnings).toBeUndefined();
    // The range of the training split, as recorded in the version's signature.
    const { min, max } = server.served.model.signature.inputs.find((i) => i.name === 'petal_length')!.range!;
    expect(max).toBeLessThan(7);
    expect(outside!.warnings).toEqual([{ feature: 'petal_length', value: 50, min, max, message: `petal_length=50 is outside the range seen in training (${min} to ${max}); the prediction is an extrapolation.` }]);
    await server.log!.flush();
    const [logged] = searchPredictions(store.db, { model: 'iris', requestId: (answer.body as unknown as Answer).request_ids[1]! }).predictions;
    expect(logged!.output.warnings).toEqual(outside!.warnings);
  });
});

describe('refused requests', () => {
  it('are kept newest first with the reason and the offending row, and served by the app API', async () => {
    const bad = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4 };
    expect((await post('/v1/models/iris:predict', JSON.stringify({ instances: [ROW, bad] }), 'application/json')).status).toBe(400);
    expect((await post('/v1/models/iris:predict', 'not json at all', 'text/plain')).status).toBe(400);
    expect((await post('/v1/models/other:predict', JSON.stringify({ instances: [ROW] }))).status).toBe(404);
    await expect.poll(() => listRefusals(store.db, 'iris').length, { timeout: 5000 }).toBeGreaterThanOrEqual(4);
    const handlers = createAppHandlers(createServices({ store }));
    const { refusals } = await handlers['predictions.refusals']({ model: 'iris', limit: 3 }, { identity: 'test', via: 'os-user' });
    expect(refusals.map((r) => [r.status, r.endpoint, r.input])).toEqual([
      [404, 'tfserving', 'POST /v1/models/other:predict'],
      [400, 'tfserving', 'not json at all'],
      [400, 'tfserving', JSON.stringify(bad)],
    ]);
    expect(refusals[0]!.reason).toBe("This server serves model 'iris', not 'other'.");
    expect(refusals[2]).toMatchObject({ version: '1', code: 'INVALID_PARAMETER_VALUE', reason: "row 1, field 'petal_width': missing feature (send null for a missing value)" });
    expect(refusals[1]!.timestamp).toBeGreaterThan(Date.now() - 60_000);
  });

  it('feedback with a label that is not one of the classes is a 400 naming them, and is listed as refused', async () => {
    const answer = await post('/v1/models/iris:predict', JSON.stringify({ instances: [ROW] }));
    const requestId = (answer.body as unknown as Answer).request_ids[0]!;
    expect((await post('/v1/feedback', JSON.stringify({ request_id: requestId, actual: 'setosa' }))).status).toBe(200);
    const refused = await post('/v1/feedback', JSON.stringify({ request_id: requestId, actual: 'maybe' }));
    expect(refused).toEqual({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: `Invalid value "maybe" for 'actual': model iris's classes are "setosa", "versicolor", "virginica"; no feedback was stored.` } });
    expect(searchPredictions(store.db, { model: 'iris', requestId }).predictions[0]!.feedback?.actual).toBe('setosa');
    await expect.poll(() => listRefusals(store.db, 'iris', 1)[0]?.endpoint, { timeout: 5000 }).toBe('feedback');
  });
  it('are written off the request thread: predictions answer promptly while another connection holds the write lock', async () => {
    // Another process's writer (the app, a second server) holds SQLite's write lock for 2 s.
    const holder = new Worker(
      `const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
       const { parentPort, workerData } = require('node:worker_threads');
       const db = new Database(workerData);
       db.exec('BEGIN IMMEDIATE');
       parentPort.postMessage('locked');
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
       db.exec('COMMIT');
       db.close();`,
      { eval: true, workerData: store.db.name },
    );
    const released = new Promise((resolve) => holder.once('exit', resolve));
    await new Promise((resolve) => holder.once('message', resolve));
    const bad = JSON.stringify({ instances: [{ sepal_length: 5.1 }] });
    const good = JSON.stringify({ instances: [ROW] });
    // A refusal and a prediction every 50 ms for 1.5 s: some prediction is always in flight when a
    // batch of refusals goes to the database (every 250 ms).
    const answers: Promise<{ refused: number; status: number; ms: number }>[] = [];
    for (let i = 0; i < 30; i++) {
      answers.push(
        (async () => {
          const refused = (await post('/v1/models/iris:predict', bad, 'application/json')).status;
          const started = performance.now();
          const { status } = await post('/v1/models/iris:predict', good, 'application/json');
          return { refused, status, ms: performance.now() - started };
        })(),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const done = await Promise.all(answers);
    expect(done.map((a) => [a.refused, a.status])).toEqual(done.map(() => [400, 200]));
    const slowest = done.map((a) => a.ms);
    expect(Math.max(...slowest)).toBeLessThan(500);
    await released;
    await expect.poll(() => listRefusals(store.db, 'iris', 30).filter((r) => r.input === JSON.stringify({ sepal_length: 5.1 })).length, { timeout: 10_000 }).toBe(30);
  }, 30_000);
});

describe('the example row of the Call it snippet', () => {
  it("falls back to the signature's typical values for a version whose training rows MLDesk did not store, and that row answers", async () => {
    const handlers = createAppHandlers(createServices({ store }));
    const example = await handlers['predictions.example']({ model: 'iris', version: '1' }, { identity: 'test', via: 'os-user' });
    expect(example.source).toBe('signature');
    expect(example.dataset).toBeNull();
    expect(Object.keys(example.row)).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    const answer = await post('/v1/models/iris:predict', JSON.stringify({ instances: [example.row] }));
    expect(answer.status).toBe(200);
    expect((answer.body as unknown as Answer).predictions[0]!.warnings).toBeUndefined();
  });
});

describe('a prediction log that cannot start', () => {
  it('keeps the server from starting, naming why, instead of answering every request 500', async () => {
    const { SCHEMA_VERSION } = await import('../store/migrations.js');
    const registry = new ModelRegistry(store.db);
    // The log's writer thread opens its own connection, which refuses a database a newer MLDesk wrote.
    store.db.pragma('user_version = 9999');
    try {
      await expect(createPredictionServer({ store, registry, target: 'iris/1', port: 0, backend: 'wasm' })).rejects.toThrow(/prediction log writer stopped: .*newer MLDesk/);
    } finally {
      store.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }
    // The server that was already running goes on answering.
    expect((await post('/v1/models/iris:predict', JSON.stringify({ instances: [ROW] }), 'application/json')).status).toBe(200);
  });
});
