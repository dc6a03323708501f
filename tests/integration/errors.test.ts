import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createExperiment,
  createRun,
  expectMlflowError,
  getRun,
  logBatch,
  metric,
  metricHistory,
  tagValue,
  type WireKeyValue,
  type WireMetric,
} from './mlflow-fixtures.js';
import { BASE_TIME, cleanupTempDirs, startServer, stopAllServers, type ServerProcess } from './server-process.js';

let server: ServerProcess;
let experimentId: string;
const UNKNOWN_RUN = 'ffffffffffffffffffffffffffffffff';

beforeAll(async () => {
  server = await startServer();
  experimentId = await createExperiment(server);
});

// Every error must leave the server serving.
afterEach(async () => {
  expect(server.child.exitCode).toBeNull();
  const res = await server.get('experiments/get', { experiment_id: '0' });
  expect(res.status).toBe(200);
});

afterAll(async () => {
  await server?.stop();
  await stopAllServers();
  await cleanupTempDirs();
});

async function newRunId(): Promise<string> {
  return (await createRun(server, experimentId)).info.run_id;
}

const long = (n: number, ch = 'k') => ch.repeat(n);

describe('unknown entities', () => {
  it('answers 404 RESOURCE_DOES_NOT_EXIST naming the run, on every run endpoint', async () => {
    const calls = [
      server.get('runs/get', { run_id: UNKNOWN_RUN }),
      server.post('runs/update', { run_id: UNKNOWN_RUN, run_uuid: UNKNOWN_RUN, status: 'FINISHED' }),
      server.post('runs/delete', { run_id: UNKNOWN_RUN }),
      server.post('runs/restore', { run_id: UNKNOWN_RUN }),
      server.post('runs/log-metric', { run_id: UNKNOWN_RUN, run_uuid: UNKNOWN_RUN, key: 'm', value: 1, timestamp: BASE_TIME, step: 0 }),
      server.post('runs/log-parameter', { run_id: UNKNOWN_RUN, run_uuid: UNKNOWN_RUN, key: 'p', value: 'v' }),
      server.post('runs/set-tag', { run_id: UNKNOWN_RUN, run_uuid: UNKNOWN_RUN, key: 't', value: 'v' }),
      server.post('runs/delete-tag', { run_id: UNKNOWN_RUN, key: 't' }),
      server.post('runs/log-batch', { run_id: UNKNOWN_RUN, metrics: [metric('m', 1)] }),
      server.post('runs/log-inputs', { run_id: UNKNOWN_RUN, datasets: [] }),
      server.get('metrics/get-history', { run_id: UNKNOWN_RUN, metric_key: 'm' }),
      server.get('artifacts/list', { run_id: UNKNOWN_RUN }),
    ];
    for (const res of await Promise.all(calls)) expectMlflowError(res, 404, 'RESOURCE_DOES_NOT_EXIST', UNKNOWN_RUN);
  });

  it('answers 404 ENDPOINT_NOT_FOUND for an unknown endpoint', async () => {
    expectMlflowError(await server.post('runs/frobnicate', {}), 404, 'ENDPOINT_NOT_FOUND', 'runs/frobnicate');
  });
});

describe('limits', () => {
  it('refuses metric, param and tag keys longer than 250 characters', async () => {
    const id = await newRunId();
    const key = long(251);
    expectMlflowError(
      await server.post('runs/log-metric', { run_id: id, run_uuid: id, key, value: 1, timestamp: BASE_TIME, step: 0 }),
      400,
      'INVALID_PARAMETER_VALUE',
      /metric key/i,
      '250',
    );
    expectMlflowError(await server.post('runs/log-parameter', { run_id: id, run_uuid: id, key, value: 'v' }), 400, 'INVALID_PARAMETER_VALUE', /param key/i, '250');
    expectMlflowError(await server.post('runs/set-tag', { run_id: id, run_uuid: id, key, value: 'v' }), 400, 'INVALID_PARAMETER_VALUE', /tag key/i, '250');
    expectMlflowError(
      await server.post('runs/log-batch', { run_id: id, tags: [{ key: 'ok', value: 'v' }, { key, value: 'v' }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      'tags[1].key',
    );
    // Exactly 250 is fine.
    expect((await server.post('runs/log-parameter', { run_id: id, run_uuid: id, key: long(250), value: 'v' })).status).toBe(200);
    const run = await getRun(server, id);
    expect(run.data.params).toEqual([{ key: long(250), value: 'v' }]);
    expect(run.data.metrics ?? []).toEqual([]);
  });

  it('refuses a param value over 6000 characters and a tag value over 5000', async () => {
    const id = await newRunId();
    expectMlflowError(
      await server.post('runs/log-parameter', { run_id: id, run_uuid: id, key: 'big', value: long(6001, 'v') }),
      400,
      'INVALID_PARAMETER_VALUE',
      'big',
      '6000',
    );
    expect((await server.post('runs/log-parameter', { run_id: id, run_uuid: id, key: 'big', value: long(6000, 'v') })).status).toBe(200);
    expectMlflowError(
      await server.post('runs/set-tag', { run_id: id, run_uuid: id, key: 'note', value: long(5001, 'v') }),
      400,
      'INVALID_PARAMETER_VALUE',
      'note',
      '5000',
    );
    expect((await server.post('runs/set-tag', { run_id: id, run_uuid: id, key: 'note', value: long(5000, 'v') })).status).toBe(200);
  });

  it('refuses log-batch over the item limits (1000 metrics, 100 params, 100 tags, 1000 in total)', async () => {
    const id = await newRunId();
    const metrics = (n: number): WireMetric[] => Array.from({ length: n }, (_, i) => metric(`m${i}`, i));
    const kv = (n: number, prefix: string): WireKeyValue[] => Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value: 'v' }));
    expectMlflowError(await server.post('runs/log-batch', { run_id: id, metrics: metrics(1001) }), 400, 'INVALID_PARAMETER_VALUE', 'metrics', '1000');
    expectMlflowError(await server.post('runs/log-batch', { run_id: id, params: kv(101, 'p') }), 400, 'INVALID_PARAMETER_VALUE', 'params', '100');
    expectMlflowError(await server.post('runs/log-batch', { run_id: id, tags: kv(101, 't') }), 400, 'INVALID_PARAMETER_VALUE', 'tags', '100');
    expectMlflowError(
      await server.post('runs/log-batch', { run_id: id, metrics: metrics(900), params: kv(100, 'p'), tags: kv(1, 't') }),
      400,
      'INVALID_PARAMETER_VALUE',
      '1000',
      '1001',
    );
    // Nothing of the refused batches was written.
    const run = await getRun(server, id);
    expect(run.data.metrics ?? []).toEqual([]);
    expect(run.data.params ?? []).toEqual([]);
    // The limits themselves are allowed.
    await logBatch(server, id, { metrics: metrics(900), params: kv(100, 'p') });
    await logBatch(server, id, { metrics: metrics(1000) });
  });

  it('refuses a log-batch body over 1 MB even when every item is valid', async () => {
    const id = await newRunId();
    const body = {
      run_id: id,
      params: Array.from({ length: 100 }, (_, i) => ({ key: `p${i}`, value: long(6000, 'x') })),
      tags: Array.from({ length: 100 }, (_, i) => ({ key: `t${i}`, value: long(5000, 'y') })),
    };
    expect(JSON.stringify(body).length).toBeGreaterThan(1024 * 1024);
    expectMlflowError(await server.post('runs/log-batch', body), 400, 'INVALID_PARAMETER_VALUE', /1 MB|size/);
    expect((await getRun(server, id)).data.params ?? []).toEqual([]);
    // Half of it fits.
    await logBatch(server, id, { params: body.params.slice(0, 50), tags: body.tags.slice(0, 50) });
    expect((await getRun(server, id)).data.params).toHaveLength(50);
  });

  it('answers a body over the limit with the 400 naming it, not a connection reset while the client still sends', async () => {
    const body = JSON.stringify({ run_id: await newRunId(), tags: [{ key: 'big', value: long(5_000_000, 'x') }] });
    const statuses = await Promise.all(
      Array.from({ length: 16 }, () => server.request('POST', 'runs/log-batch', { body }).then((res) => res.status, (error: Error) => `${error.message}`)),
    );
    expect(statuses).toEqual(Array.from({ length: 16 }, () => 400));
  });

  it('refuses searches past what SQLite can run (IN lists, experiment lists, order_by keys) with 400 naming the limit', async () => {
    const ids = Array.from({ length: 40_000 }, (_, i) => `'r${i}'`).join(', ');
    const inList = await server.post('runs/search', { experiment_ids: [experimentId], filter: `attributes.run_id IN (${ids})` });
    expectMlflowError(inList, 400, 'INVALID_PARAMETER_VALUE', /at most 10000 values/);
    const experiments = await server.post('runs/search', { experiment_ids: Array.from({ length: 40_000 }, (_, i) => String(i)) });
    expectMlflowError(experiments, 400, 'INVALID_PARAMETER_VALUE', /experiment_ids/, /at most 10000 experiments/);
    const orderBy = await server.post('runs/search', { experiment_ids: [experimentId], order_by: Array.from({ length: 80 }, (_, i) => `metrics.m${i}`) });
    expectMlflowError(orderBy, 400, 'INVALID_PARAMETER_VALUE', /order_by/, /at most 20 keys/);
    for (const path of ['registered-models/search', 'model-versions/search']) {
      const res = await server.post(path, { filter: `${path.startsWith('model') ? 'run_id' : 'name'} IN (${ids})` });
      expectMlflowError(res, 400, 'INVALID_PARAMETER_VALUE', /at most 10000 values/);
    }
    // Within the limits all is well.
    const fits = await server.post('runs/search', { experiment_ids: [experimentId], filter: `attributes.run_id IN (${ids.split(', ').slice(0, 5000).join(', ')})` });
    expect(fits.status, fits.text).toBe(200);
  });
});

describe('malformed requests', () => {
  it('answers malformed JSON with 400 INVALID_PARAMETER_VALUE', async () => {
    const res = await server.request('POST', 'runs/log-batch', { body: '{"run_id": "abc", "metrics": [' });
    expectMlflowError(res, 400, 'INVALID_PARAMETER_VALUE', /JSON/i);
    const res2 = await server.request('POST', 'experiments/create', { body: "{'name': 'single quotes'}" });
    expectMlflowError(res2, 400, 'INVALID_PARAMETER_VALUE', /JSON/i);
  });

  it('refuses a body nested 5,000 levels deep with 400 naming the limit, on the tracking and app APIs', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const res = await server.request('POST', 'runs/log-batch', { body: `{"run_id": "abc", "metrics": ${deep}}` });
    expectMlflowError(res, 400, 'INVALID_PARAMETER_VALUE', /more than 100 levels/);
    const app = await server.request('POST', '/app-api/runs.page', { body: `{"experimentIds": ${deep}}` });
    expect(app.status).toBe(400);
    expect(app.text).toMatch(/more than 100 levels/);
  });

  it('names the field when a value has the wrong type', async () => {
    const id = await newRunId();
    expectMlflowError(
      await server.post('runs/log-metric', { run_id: id, run_uuid: id, key: 'm', value: 'abc', timestamp: BASE_TIME, step: 0 }),
      400,
      'INVALID_PARAMETER_VALUE',
      "'value'",
    );
    expectMlflowError(
      await server.post('runs/log-metric', { run_id: id, run_uuid: id, key: 42, value: 1, timestamp: BASE_TIME, step: 0 }),
      400,
      'INVALID_PARAMETER_VALUE',
      "'key'",
    );
    expectMlflowError(
      await server.post('runs/log-metric', { run_id: id, run_uuid: id, key: 'm', value: 1, timestamp: 'yesterday', step: 0 }),
      400,
      'INVALID_PARAMETER_VALUE',
      "'timestamp'",
    );
    expectMlflowError(
      await server.post('runs/log-batch', { run_id: id, metrics: [metric('ok', 1), { key: 'bad', value: 'abc', timestamp: BASE_TIME, step: 0 }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      'metrics[1].value',
    );
    expectMlflowError(await server.post('runs/log-parameter', { run_id: id, key: 'p', value: 5 }), 400, 'INVALID_PARAMETER_VALUE', "'value'");
    expectMlflowError(await server.post('runs/search', { experiment_ids: [experimentId], max_results: 'x' }), 400, 'INVALID_PARAMETER_VALUE', 'max_results');
    expectMlflowError(
      await server.get('metrics/get-history', { run_id: id, metric_key: 'm', max_results: 'lots' }),
      400,
      'INVALID_PARAMETER_VALUE',
      'max_results',
    );
    expectMlflowError(await server.post('experiments/create', { name: 7 }), 400, 'INVALID_PARAMETER_VALUE', "'name'");
    expect((await getRun(server, id)).data.metrics ?? []).toEqual([]);
  });

  it('names a missing required field', async () => {
    const id = await newRunId();
    expectMlflowError(await server.post('runs/log-metric', { run_id: id, value: 1, timestamp: BASE_TIME }), 400, 'INVALID_PARAMETER_VALUE', "'key'");
    expectMlflowError(await server.get('runs/get', {}), 400, 'INVALID_PARAMETER_VALUE', 'run_id');
    expectMlflowError(await server.get('metrics/get-history', { run_id: id }), 400, 'INVALID_PARAMETER_VALUE', 'metric_key');
    expectMlflowError(await server.post('experiments/create', {}), 400, 'INVALID_PARAMETER_VALUE', "'name'");
  });

  it('refuses a page_token the server did not issue', async () => {
    expectMlflowError(
      await server.post('runs/search', { experiment_ids: [experimentId], page_token: 'not-a-token' }),
      400,
      'INVALID_PARAMETER_VALUE',
      'page_token',
    );
    expectMlflowError(await server.post('experiments/search', { page_token: 'bm9wZQ==' }), 400, 'INVALID_PARAMETER_VALUE', 'page_token');
  });

  it('rejects bad filter syntax with the position of the problem', async () => {
    const res = await server.post('runs/search', { experiment_ids: [experimentId], filter: "params.lr = '0.1' AND AND" });
    expectMlflowError(res, 400, 'INVALID_PARAMETER_VALUE', 'filter', 'position 22');
  });
});

describe('state rules', () => {
  it('refuses changing a logged param (same value is fine), via log-parameter and log-batch', async () => {
    const id = await newRunId();
    expect((await server.post('runs/log-parameter', { run_id: id, run_uuid: id, key: 'lr', value: '0.1' })).status).toBe(200);
    expect((await server.post('runs/log-parameter', { run_id: id, run_uuid: id, key: 'lr', value: '0.1' })).status).toBe(200);
    expectMlflowError(await server.post('runs/log-parameter', { run_id: id, run_uuid: id, key: 'lr', value: '0.2' }), 400, 'INVALID_PARAMETER_VALUE', 'lr');
    expectMlflowError(await server.post('runs/log-batch', { run_id: id, params: [{ key: 'lr', value: '0.3' }] }), 400, 'INVALID_PARAMETER_VALUE', 'lr');
    expect((await getRun(server, id)).data.params).toEqual([{ key: 'lr', value: '0.1' }]);
  });

  it('refuses logging to a deleted run with 400, and accepts it again after restore', async () => {
    const id = await newRunId();
    expect((await server.post('runs/delete', { run_id: id })).status).toBe(200);
    const attempts = [
      server.post('runs/log-metric', { run_id: id, run_uuid: id, key: 'm', value: 1, timestamp: BASE_TIME, step: 0 }),
      server.post('runs/log-parameter', { run_id: id, run_uuid: id, key: 'p', value: 'v' }),
      server.post('runs/set-tag', { run_id: id, run_uuid: id, key: 't', value: 'v' }),
      server.post('runs/log-batch', { run_id: id, metrics: [metric('m', 1)] }),
    ];
    for (const res of await Promise.all(attempts)) expectMlflowError(res, 400, 'INVALID_PARAMETER_VALUE', id, 'deleted');
    const run = await getRun(server, id);
    expect(run.data.metrics ?? []).toEqual([]);
    expect(run.data.params ?? []).toEqual([]);
    expect(tagValue(run, 't')).toBeUndefined();

    expect((await server.post('runs/restore', { run_id: id })).status).toBe(200);
    await logBatch(server, id, { metrics: [metric('m', 1)] });
  });

  it('writes nothing of a batch that fails (all or nothing)', async () => {
    const id = await newRunId();
    await logBatch(server, id, { params: [{ key: 'seed', value: '1' }], tags: [{ key: 'phase', value: 'one' }] });

    // Fails in the database step: the param conflicts with the stored value.
    const conflicting = await server.post('runs/log-batch', {
      run_id: id,
      metrics: [metric('loss', 0.5, 0), metric('loss', 0.4, 1)],
      params: [
        { key: 'fresh', value: 'x' },
        { key: 'seed', value: '2' },
      ],
      tags: [{ key: 'phase', value: 'two' }],
    });
    expectMlflowError(conflicting, 400, 'INVALID_PARAMETER_VALUE', 'seed');

    // Fails validation on its last item.
    const tooLong = await server.post('runs/log-batch', {
      run_id: id,
      metrics: [metric('acc', 0.9)],
      params: [{ key: 'other', value: 'y' }],
      tags: [
        { key: 'phase', value: 'three' },
        { key: 'huge', value: long(5001) },
      ],
    });
    expectMlflowError(tooLong, 400, 'INVALID_PARAMETER_VALUE', 'huge');

    const run = await getRun(server, id);
    expect(run.data.metrics ?? []).toEqual([]);
    expect(run.data.params).toEqual([{ key: 'seed', value: '1' }]);
    expect(tagValue(run, 'phase')).toBe('one');
    expect(tagValue(run, 'huge')).toBeUndefined();
    expect(await metricHistory(server, id, 'loss')).toEqual([]);
    expect(await metricHistory(server, id, 'acc')).toEqual([]);
  });
});
