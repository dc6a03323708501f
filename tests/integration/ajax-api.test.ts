import { describe, expect, it } from 'vitest';
import { expectMlflowError, getRun, latestMetric, metric, metricHistory, paramValue, tagValue, type WireExperiment, type WireRun } from './mlflow-fixtures.js';
import { AJAX_PREFIX, BASE_TIME, uniqueName, useServer, type ApiClient, type ServerProcess } from './server-process.js';

let server: ServerProcess;
let ajax: ApiClient;

useServer((started) => {
  server = started;
  ajax = server.client(AJAX_PREFIX);
});

describe('/ajax-api/2.0/mlflow (the MLflow UI prefix)', () => {
  it('serves the whole tracking workflow, sharing data with /api/2.0/mlflow', async () => {
    const name = uniqueName('ajax');
    const created = await ajax.post<{ experiment_id: string }>('experiments/create', { name, tags: [{ key: 'via', value: 'ajax' }] });
    expect(created.status, created.text).toBe(200);
    const experimentId = created.body.experiment_id;

    const viaApi = await server.get<{ experiment: WireExperiment }>('experiments/get', { experiment_id: experimentId });
    expect(viaApi.body.experiment.name).toBe(name);
    const viaAjax = await ajax.get<{ experiment: WireExperiment }>('experiments/get', { experiment_id: experimentId });
    expect(viaAjax.status).toBe(200);
    expect(viaAjax.body.experiment).toEqual(viaApi.body.experiment);
    expect((await ajax.get('experiments/get-by-name', { experiment_name: name })).status).toBe(200);
    const found = await ajax.post<{ experiments?: WireExperiment[] }>('experiments/search', { filter: `name = '${name}'` });
    expect(found.body.experiments?.map((e) => e.experiment_id)).toEqual([experimentId]);
    expect((await ajax.post('experiments/set-experiment-tag', { experiment_id: experimentId, key: 'k', value: 'v' })).status).toBe(200);
    expect((await ajax.post('experiments/update', { experiment_id: experimentId, new_name: `${name}-renamed` })).status).toBe(200);

    const runRes = await ajax.post<{ run: WireRun }>('runs/create', { experiment_id: experimentId, run_name: 'ui-run', start_time: BASE_TIME, tags: [] });
    expect(runRes.status, runRes.text).toBe(200);
    const id = runRes.body.run.info.run_id;

    expect((await ajax.post('runs/log-metric', { run_id: id, run_uuid: id, key: 'acc', value: 0.5, timestamp: BASE_TIME, step: 0 })).status).toBe(200);
    expect((await ajax.post('runs/log-parameter', { run_id: id, run_uuid: id, key: 'lr', value: '0.1' })).status).toBe(200);
    expect((await ajax.post('runs/set-tag', { run_id: id, run_uuid: id, key: 'gone', value: 'soon' })).status).toBe(200);
    expect((await ajax.post('runs/delete-tag', { run_id: id, key: 'gone' })).status).toBe(200);
    expect((await ajax.post('runs/log-batch', { run_id: id, metrics: [metric('acc', 0.75, 1)], tags: [{ key: 'kept', value: 'yes' }] })).status).toBe(200);
    expect(
      (
        await ajax.post('runs/log-inputs', {
          run_id: id,
          datasets: [{ tags: [], dataset: { name: 'd', digest: 'abc', source_type: 'local', source: '/tmp/d' } }],
        })
      ).status,
    ).toBe(200);
    expect((await ajax.post('runs/update', { run_id: id, run_uuid: id, status: 'FINISHED', end_time: BASE_TIME + 1 })).status).toBe(200);

    const fromAjax = await ajax.get<{ run: WireRun }>('runs/get', { run_id: id });
    expect(fromAjax.status).toBe(200);
    const run = fromAjax.body.run;
    expect(run).toEqual(await getRun(server, id));
    expect(run.info.status).toBe('FINISHED');
    expect(latestMetric(run, 'acc')?.value).toBe(0.75);
    expect(paramValue(run, 'lr')).toBe('0.1');
    expect(tagValue(run, 'kept')).toBe('yes');
    expect(tagValue(run, 'gone')).toBeUndefined();
    expect(run.inputs?.dataset_inputs).toHaveLength(1);

    expect(await metricHistory(ajax, id, 'acc')).toHaveLength(2);
    const search = await ajax.post<{ runs?: WireRun[] }>('runs/search', { experiment_ids: [experimentId], filter: 'metrics.acc > 0.7' });
    expect(search.body.runs?.map((r) => r.info.run_id)).toEqual([id]);
    const list = await ajax.get<{ root_uri: string }>('artifacts/list', { run_id: id });
    expect(list.status).toBe(200);
    expect(list.body.root_uri).toBe(run.info.artifact_uri);

    expect((await ajax.post('runs/delete', { run_id: id })).status).toBe(200);
    expect((await getRun(server, id)).info.lifecycle_stage).toBe('deleted');
    expect((await ajax.post('runs/restore', { run_id: id })).status).toBe(200);
    expect((await ajax.post('experiments/delete', { experiment_id: experimentId })).status).toBe(200);
    expect((await ajax.post('experiments/restore', { experiment_id: experimentId })).status).toBe(200);
  });

  it('answers errors in the same MLflow shape', async () => {
    expectMlflowError(await ajax.get('runs/get', { run_id: 'deadbeefdeadbeefdeadbeefdeadbeef' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'deadbeefdeadbeefdeadbeefdeadbeef');
    expectMlflowError(await ajax.post('experiments/create', { name: 'Default' }), 400, 'RESOURCE_ALREADY_EXISTS', 'Default');
    expectMlflowError(await ajax.request('POST', 'runs/log-batch', { body: '{nope' }), 400, 'INVALID_PARAMETER_VALUE');
  });
});
