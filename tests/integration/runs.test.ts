import { describe, expect, it } from 'vitest';
import {
  createExperiment,
  createRun,
  expectMlflowError,
  getRun,
  latestMetric,
  logBatch,
  metric,
  metricHistory,
  paramValue,
  tagValue,
  type WireMetric,
  type WireRun,
  type WireRunInfo,
} from './mlflow-fixtures.js';
import { BASE_TIME, useServer, type ServerProcess } from './server-process.js';

let server: ServerProcess;
let experimentId: string;

useServer(async (started) => {
  server = started;
  experimentId = await createExperiment(server);
});

describe('runs/create', () => {
  it('creates a run with run_name, tags and user_id, and mirrors the name into mlflow.runName', async () => {
    const res = await server.post<{ run: WireRun }>('runs/create', {
      experiment_id: experimentId,
      user_id: 'alice',
      start_time: String(BASE_TIME), // proto-JSON int64 as a string
      run_name: 'resnet-baseline',
      tags: [
        { key: 'mlflow.source.name', value: 'train.py' },
        { key: 'mlflow.user', value: 'alice' },
      ],
    });
    expect(res.status, res.text).toBe(200);
    const run = res.body.run;
    expect(run.info).toMatchObject({
      run_name: 'resnet-baseline',
      experiment_id: experimentId,
      user_id: 'alice',
      status: 'RUNNING',
      start_time: BASE_TIME,
      lifecycle_stage: 'active',
    });
    expect(run.info.run_id).toMatch(/^[0-9a-f]{32}$/);
    expect(run.info.run_uuid).toBe(run.info.run_id);
    expect(run.info.end_time ?? null).toBeNull();
    expect(run.info.artifact_uri).toContain(run.info.run_id);
    expect(tagValue(run, 'mlflow.runName')).toBe('resnet-baseline');
    expect(tagValue(run, 'mlflow.source.name')).toBe('train.py');
    expect(await getRun(server, run.info.run_id)).toEqual(run);
  });

  it('takes the run name from the mlflow.runName tag when run_name is absent', async () => {
    const run = await createRun(server, experimentId, { tags: [{ key: 'mlflow.runName', value: 'from-tag' }] });
    expect(run.info.run_name).toBe('from-tag');
    expect(tagValue(run, 'mlflow.runName')).toBe('from-tag');
  });

  it('accepts the same name in run_name and mlflow.runName, and refuses different ones', async () => {
    const same = await createRun(server, experimentId, { run_name: 'same', tags: [{ key: 'mlflow.runName', value: 'same' }] });
    expect(same.info.run_name).toBe('same');
    const res = await server.post('runs/create', {
      experiment_id: experimentId,
      run_name: 'one',
      tags: [{ key: 'mlflow.runName', value: 'two' }],
      start_time: BASE_TIME,
    });
    expectMlflowError(res, 400, 'INVALID_PARAMETER_VALUE', 'mlflow.runName');
  });

  it('generates a name when none is given, and keeps the tag consistent with it', async () => {
    const run = await createRun(server, experimentId);
    expect(run.info.run_name.length).toBeGreaterThan(0);
    expect(tagValue(run, 'mlflow.runName')).toBe(run.info.run_name);
  });

  it('creates in the Default experiment and refuses unknown or deleted experiments', async () => {
    const inDefault = await createRun(server, '0');
    expect(inDefault.info.experiment_id).toBe('0');
    expectMlflowError(
      await server.post('runs/create', { experiment_id: '424242', start_time: BASE_TIME }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      '424242',
    );
    const doomed = await createExperiment(server);
    expect((await server.post('experiments/delete', { experiment_id: doomed })).status).toBe(200);
    expectMlflowError(await server.post('runs/create', { experiment_id: doomed, start_time: BASE_TIME }), 400, 'INVALID_PARAMETER_VALUE', doomed);
  });
});

describe('runs/update, delete, restore', () => {
  it('updates status, end_time and run_name with run_id and run_uuid both sent (Python client shape)', async () => {
    const run = await createRun(server, experimentId, { run_name: 'before' });
    const id = run.info.run_id;
    const res = await server.post<{ run_info: WireRunInfo }>('runs/update', {
      run_id: id,
      run_uuid: id,
      status: 'FINISHED',
      end_time: BASE_TIME + 5000,
      run_name: 'after',
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.run_info).toMatchObject({ run_id: id, status: 'FINISHED', end_time: BASE_TIME + 5000, run_name: 'after' });
    const fetched = await getRun(server, id);
    expect(fetched.info).toMatchObject({ status: 'FINISHED', end_time: BASE_TIME + 5000, run_name: 'after' });
    expect(tagValue(fetched, 'mlflow.runName')).toBe('after');
  });

  it('updates a run named only by the deprecated run_uuid, with int64 as a string', async () => {
    const run = await createRun(server, experimentId, { run_name: 'legacy' });
    const res = await server.post<{ run_info: WireRunInfo }>('runs/update', {
      run_uuid: run.info.run_id,
      status: 'FAILED',
      end_time: String(BASE_TIME + 7),
    });
    expect(res.status, res.text).toBe(200);
    const fetched = await getRun(server, run.info.run_id);
    expect(fetched.info).toMatchObject({ status: 'FAILED', end_time: BASE_TIME + 7, run_name: 'legacy' });
  });

  it('refuses an unknown status naming the field', async () => {
    const run = await createRun(server, experimentId);
    expectMlflowError(await server.post('runs/update', { run_id: run.info.run_id, status: 'DONE' }), 400, 'INVALID_PARAMETER_VALUE', 'status');
    expect((await getRun(server, run.info.run_id)).info.status).toBe('RUNNING');
  });

  it('deletes and restores a run', async () => {
    const run = await createRun(server, experimentId, { run_name: 'to-delete' });
    const id = run.info.run_id;
    expect((await server.post('runs/delete', { run_id: id })).status).toBe(200);
    expect((await getRun(server, id)).info.lifecycle_stage).toBe('deleted');

    const search = async (viewType: string) => {
      const res = await server.post<{ runs?: WireRun[] }>('runs/search', {
        experiment_ids: [experimentId],
        filter: `attributes.run_id = '${id}'`,
        run_view_type: viewType,
      });
      expect(res.status, res.text).toBe(200);
      return (res.body.runs ?? []).map((r) => r.info.run_id);
    };
    expect(await search('ACTIVE_ONLY')).toEqual([]);
    expect(await search('DELETED_ONLY')).toEqual([id]);
    expect(await search('ALL')).toEqual([id]);

    // A deleted run cannot be updated (MLflow checks the run is active).
    expectMlflowError(await server.post('runs/update', { run_id: id, status: 'FINISHED' }), 400, 'INVALID_PARAMETER_VALUE', id);

    expect((await server.post('runs/restore', { run_id: id })).status).toBe(200);
    expect((await getRun(server, id)).info.lifecycle_stage).toBe('active');
    expect(await search('ACTIVE_ONLY')).toEqual([id]);
  });
});

describe('logging', () => {
  it('logs a metric with log-metric, run_uuid alongside run_id and int64 fields as strings', async () => {
    const run = await createRun(server, experimentId);
    const id = run.info.run_id;
    const res = await server.post('runs/log-metric', {
      run_id: id,
      run_uuid: id,
      key: 'loss',
      value: 0.25,
      timestamp: String(BASE_TIME + 10),
      step: '3',
    });
    expect(res.status, res.text).toBe(200);
    // step defaults to 0 when the client leaves it out.
    const noStep = await server.post('runs/log-metric', { run_id: id, run_uuid: id, key: 'acc', value: 0.5, timestamp: BASE_TIME });
    expect(noStep.status, noStep.text).toBe(200);
    const fetched = await getRun(server, id);
    expect(latestMetric(fetched, 'loss')).toEqual({ key: 'loss', value: 0.25, timestamp: BASE_TIME + 10, step: 3 });
    expect(latestMetric(fetched, 'acc')).toEqual({ key: 'acc', value: 0.5, timestamp: BASE_TIME, step: 0 });
  });

  it('logs params and allows re-logging the same value', async () => {
    const run = await createRun(server, experimentId);
    const id = run.info.run_id;
    for (let i = 0; i < 2; i++) {
      const res = await server.post('runs/log-parameter', { run_id: id, run_uuid: id, key: 'lr', value: '0.001' });
      expect(res.status, res.text).toBe(200);
    }
    const fetched = await getRun(server, id);
    expect(fetched.data.params).toEqual([{ key: 'lr', value: '0.001' }]);
  });

  it('sets, overwrites and deletes tags; setting mlflow.runName renames the run', async () => {
    const run = await createRun(server, experimentId, { run_name: 'orig' });
    const id = run.info.run_id;
    for (const value of ['v1', 'v2']) {
      const res = await server.post('runs/set-tag', { run_id: id, run_uuid: id, key: 'phase', value });
      expect(res.status, res.text).toBe(200);
    }
    expect(tagValue(await getRun(server, id), 'phase')).toBe('v2');

    expect((await server.post('runs/set-tag', { run_id: id, run_uuid: id, key: 'mlflow.runName', value: 'renamed' })).status).toBe(200);
    expect((await getRun(server, id)).info.run_name).toBe('renamed');

    const del = await server.post('runs/delete-tag', { run_id: id, key: 'phase' });
    expect(del.status, del.text).toBe(200);
    expect(tagValue(await getRun(server, id), 'phase')).toBeUndefined();
    expectMlflowError(await server.post('runs/delete-tag', { run_id: id, key: 'phase' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'phase');
  });

  it('logs metrics, params and tags together with log-batch', async () => {
    const run = await createRun(server, experimentId);
    const id = run.info.run_id;
    const res = await server.post('runs/log-batch', {
      run_id: id,
      metrics: [metric('m1', 1.5, 0), metric('m1', 2.5, 1), { key: 'm2', value: 7, timestamp: String(BASE_TIME), step: '0' }],
      params: [
        { key: 'optimizer', value: 'adam' },
        { key: 'batch_size', value: '32' },
      ],
      tags: [{ key: 'framework', value: 'torch' }],
    });
    expect(res.status, res.text).toBe(200);
    const fetched = await getRun(server, id);
    expect(latestMetric(fetched, 'm1')).toMatchObject({ value: 2.5, step: 1 });
    expect(latestMetric(fetched, 'm2')).toMatchObject({ value: 7, step: 0, timestamp: BASE_TIME });
    expect(paramValue(fetched, 'optimizer')).toBe('adam');
    expect(paramValue(fetched, 'batch_size')).toBe('32');
    expect(tagValue(fetched, 'framework')).toBe('torch');
    expect(await metricHistory(server, id, 'm1')).toHaveLength(2);
  });

  it('records dataset inputs with log-inputs, shown in runs/get inputs.dataset_inputs', async () => {
    const run = await createRun(server, experimentId);
    const id = run.info.run_id;
    const dataset = {
      name: 'iris',
      digest: 'a1b2c3d4',
      source_type: 'local',
      source: '{"uri": "/data/iris.csv"}',
      schema: '{"mlflow_colspec": [{"type": "double", "name": "sepal_length"}]}',
      profile: '{"num_rows": 150}',
    };
    const res = await server.post('runs/log-inputs', {
      run_id: id,
      datasets: [{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset }],
    });
    expect(res.status, res.text).toBe(200);
    const fetched = await getRun(server, id);
    expect(fetched.inputs?.dataset_inputs).toEqual([{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset }]);

    // Logging the same dataset again does not duplicate it.
    expect((await server.post('runs/log-inputs', { run_id: id, datasets: [{ tags: [], dataset }] })).status).toBe(200);
    expect((await getRun(server, id)).inputs?.dataset_inputs).toHaveLength(1);
  });
});

describe('metric semantics', () => {
  it('reports the point with the highest step as latest, whatever the logging order', async () => {
    const run = await createRun(server, experimentId);
    const id = run.info.run_id;
    // Step 5 is logged first and with the oldest timestamp; it still wins over later, lower steps.
    await logBatch(server, id, { metrics: [metric('loss', 0.1, 5, BASE_TIME)] });
    await logBatch(server, id, { metrics: [metric('loss', 0.9, 1, BASE_TIME + 1000), metric('loss', 0.8, 2, BASE_TIME + 2000)] });
    const res = await server.post('runs/log-metric', { run_id: id, run_uuid: id, key: 'loss', value: 0.7, timestamp: BASE_TIME + 3000, step: 3 });
    expect(res.status).toBe(200);
    expect(latestMetric(await getRun(server, id), 'loss')).toEqual({ key: 'loss', value: 0.1, timestamp: BASE_TIME, step: 5 });

    // On the same step the later timestamp wins.
    await logBatch(server, id, { metrics: [metric('loss', 0.05, 5, BASE_TIME + 10)] });
    expect(latestMetric(await getRun(server, id), 'loss')).toEqual({ key: 'loss', value: 0.05, timestamp: BASE_TIME + 10, step: 5 });
  });

  it('returns get-history ordered by step, and pages it with max_results and page_token', async () => {
    const run = await createRun(server, experimentId);
    const id = run.info.run_id;
    const steps = [7, 2, 9, 0, 4, 1, 8, 3, 6, 5];
    await logBatch(server, id, { metrics: steps.map((step) => metric('acc', step / 10, step, BASE_TIME + 100 - step)) });

    const all = await metricHistory(server, id, 'acc');
    expect(all.map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(all[3]).toEqual({ key: 'acc', value: 0.3, timestamp: BASE_TIME + 97, step: 3 });

    const collected: WireMetric[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await server.get<{ metrics?: WireMetric[]; next_page_token?: string }>('metrics/get-history', {
        run_id: id,
        metric_key: 'acc',
        max_results: 4,
        ...(token ? { page_token: token } : {}),
      });
      expect(res.status, res.text).toBe(200);
      expect((res.body.metrics ?? []).length).toBeLessThanOrEqual(4);
      collected.push(...(res.body.metrics ?? []));
      token = res.body.next_page_token || undefined;
      pages += 1;
    } while (token && pages < 10);
    expect(pages).toBe(3);
    expect(collected).toEqual(all);
  });

  it('accepts run_uuid in metrics/get-history and answers an unknown key with an empty history', async () => {
    const run = await createRun(server, experimentId);
    await logBatch(server, run.info.run_id, { metrics: [metric('x', 1)] });
    const res = await server.get<{ metrics?: WireMetric[] }>('metrics/get-history', { run_uuid: run.info.run_id, metric_key: 'x' });
    expect(res.status, res.text).toBe(200);
    expect(res.body.metrics).toHaveLength(1);
    expect(await metricHistory(server, run.info.run_id, 'never-logged')).toEqual([]);
  });

  it('stores the very same point logged twice only once', async () => {
    const run = await createRun(server, experimentId);
    const id = run.info.run_id;
    const point = { run_id: id, run_uuid: id, key: 'dup', value: 3.5, timestamp: BASE_TIME + 1, step: 1 };
    expect((await server.post('runs/log-metric', point)).status).toBe(200);
    expect((await server.post('runs/log-metric', point)).status).toBe(200);
    await logBatch(server, id, { metrics: [metric('dup', 3.5, 1, BASE_TIME + 1)] });
    expect(await metricHistory(server, id, 'dup')).toEqual([{ key: 'dup', value: 3.5, timestamp: BASE_TIME + 1, step: 1 }]);

    // A different value at the same step and timestamp is a different point.
    await logBatch(server, id, { metrics: [metric('dup', 4.5, 1, BASE_TIME + 1)] });
    expect((await metricHistory(server, id, 'dup')).map((m) => m.value).sort()).toEqual([3.5, 4.5]);
  });
});
