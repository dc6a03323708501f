import { describe, expect, it } from 'vitest';
import { createExperiment, createRun, getRun, latestMetric, metricHistory } from './mlflow-fixtures.js';
import { BASE_TIME, useServer, type ServerProcess } from './server-process.js';

let server: ServerProcess;
let experimentId: string;

useServer(async (started) => {
  server = started;
  experimentId = await createExperiment(server);
});

describe('NaN and infinite metric values', () => {
  it('accepts bare NaN / Infinity / -Infinity tokens, as Python json.dumps writes them', async () => {
    const run = await createRun(server, experimentId);
    const id = run.info.run_id;
    // Raw text: JSON.stringify cannot produce these tokens.
    const body =
      `{"run_id": "${id}", "metrics": [` +
      `{"key": "nan", "value": NaN, "timestamp": ${BASE_TIME}, "step": 0}, ` +
      `{"key": "pinf", "value": Infinity, "timestamp": ${BASE_TIME}, "step": 0}, ` +
      `{"key": "ninf", "value": -Infinity, "timestamp": ${BASE_TIME}, "step": 0}], ` +
      `"params": [{"key": "note", "value": "NaN stays a string"}], "tags": []}`;
    const res = await server.request('POST', 'runs/log-batch', { body });
    expect(res.status, res.text).toBe(200);

    const single = await server.request('POST', 'runs/log-metric', {
      body: `{"run_id": "${id}", "run_uuid": "${id}", "key": "nan", "value": NaN, "timestamp": ${BASE_TIME + 1}, "step": 1}`,
    });
    expect(single.status, single.text).toBe(200);

    const fetched = await getRun(server, id);
    expect(latestMetric(fetched, 'nan')).toEqual({ key: 'nan', value: 'NaN', timestamp: BASE_TIME + 1, step: 1 });
    expect(latestMetric(fetched, 'pinf')?.value).toBe('Infinity');
    expect(latestMetric(fetched, 'ninf')?.value).toBe('-Infinity');
    expect(fetched.data.params).toEqual([{ key: 'note', value: 'NaN stays a string' }]);

    expect((await metricHistory(server, id, 'nan')).map((m) => m.value)).toEqual(['NaN', 'NaN']);
    expect((await metricHistory(server, id, 'pinf')).map((m) => m.value)).toEqual(['Infinity']);
    expect((await metricHistory(server, id, 'ninf')).map((m) => m.value)).toEqual(['-Infinity']);
  });

  it('accepts "NaN" / "Infinity" / "-Infinity" strings, as protobuf JSON writes them', async () => {
    const run = await createRun(server, experimentId);
    const id = run.info.run_id;
    for (const [step, value] of ['NaN', 'Infinity', '-Infinity', 1.25].entries()) {
      const res = await server.post('runs/log-metric', {
        run_id: id,
        run_uuid: id,
        key: 'weird',
        value,
        timestamp: String(BASE_TIME + step),
        step: String(step),
      });
      expect(res.status, res.text).toBe(200);
    }
    const history = await metricHistory(server, id, 'weird');
    expect(history).toEqual([
      { key: 'weird', value: 'NaN', timestamp: BASE_TIME, step: 0 },
      { key: 'weird', value: 'Infinity', timestamp: BASE_TIME + 1, step: 1 },
      { key: 'weird', value: '-Infinity', timestamp: BASE_TIME + 2, step: 2 },
      { key: 'weird', value: 1.25, timestamp: BASE_TIME + 3, step: 3 },
    ]);
    // runs/get answers the latest point only (highest step).
    expect(latestMetric(await getRun(server, id), 'weird')?.value).toBe(1.25);

    const res = await server.post('runs/log-batch', {
      run_id: id,
      metrics: [
        { key: 'only-inf', value: 'Infinity', timestamp: BASE_TIME, step: 0 },
        { key: 'only-ninf', value: '-Infinity', timestamp: BASE_TIME, step: 0 },
        { key: 'only-nan', value: 'NaN', timestamp: BASE_TIME, step: 0 },
      ],
    });
    expect(res.status, res.text).toBe(200);
    const fetched = await getRun(server, id);
    expect(latestMetric(fetched, 'only-inf')?.value).toBe('Infinity');
    expect(latestMetric(fetched, 'only-ninf')?.value).toBe('-Infinity');
    expect(latestMetric(fetched, 'only-nan')?.value).toBe('NaN');
  });

  it('keeps non-finite values out of numeric search comparisons but still lists the runs', async () => {
    const nanRun = await createRun(server, experimentId, { run_name: 'nan-run' });
    const infRun = await createRun(server, experimentId, { run_name: 'inf-run' });
    expect((await server.post('runs/log-metric', { run_id: nanRun.info.run_id, key: 'score', value: 'NaN', timestamp: BASE_TIME })).status).toBe(200);
    expect((await server.post('runs/log-metric', { run_id: infRun.info.run_id, key: 'score', value: 'Infinity', timestamp: BASE_TIME })).status).toBe(
      200,
    );
    const res = await server.post<{ runs?: Array<{ info: { run_name: string } }> }>('runs/search', {
      experiment_ids: [experimentId],
      filter: 'metrics.score > 1000000',
    });
    expect(res.status, res.text).toBe(200);
    expect((res.body.runs ?? []).map((r) => r.info.run_name)).toEqual(['inf-run']);
  });
});
