import { describe, expect, it } from 'vitest';
import { createExperiment, createRun, expectMlflowError, getRun } from './mlflow-fixtures.js';
import { BASE_TIME, useServer, type ServerProcess } from './server-process.js';

let server: ServerProcess;
let experimentId: string;

useServer(async (started) => {
  server = started;
  experimentId = await createExperiment(server);
});

describe('cross-origin requests', () => {
  it('refuses a write sent by another web page (text/plain needs no CORS preflight) and stores nothing', async () => {
    const run = await createRun(server, experimentId);
    const res = await server.post(
      'runs/set-tag',
      JSON.stringify({ run_id: run.info.run_id, key: 'planted', value: 'by evil.example' }),
      { origin: 'http://evil.example', 'content-type': 'text/plain' },
    );
    expect(res.status).toBe(403);
    expect((res.body as { message: string }).message).toMatch(/Cross-origin request from http:\/\/evil\.example refused/);
    const stored = await getRun(server, run.info.run_id);
    expect(stored.data.tags?.find((t) => t.key === 'planted')).toBeUndefined();
  });

  it('accepts requests from the UI served on the same origin', async () => {
    const res = await server.post('experiments/search', { max_results: 5 }, { origin: server.baseUrl });
    expect(res.status).toBe(200);
  });
});

describe('field names in errors of single-item endpoints', () => {
  it("log-metric names the request's own 'key' field", async () => {
    const run = await createRun(server, experimentId);
    const res = await server.post('runs/log-metric', { run_id: run.info.run_id, run_uuid: run.info.run_id, key: 'bad..key/../x', value: 1, timestamp: BASE_TIME, step: 0 });
    const error = expectMlflowError(res, 400, 'INVALID_PARAMETER_VALUE');
    expect(error.message).toMatch(/^Field 'key':/);
  });

  it('counts length limits in characters as MLflow does, so emoji count once', async () => {
    const run = await createRun(server, experimentId);
    const emojiValue = '🚀'.repeat(6000);
    const ok = await server.post('runs/log-parameter', { run_id: run.info.run_id, key: 'rockets', value: emojiValue });
    expect(ok.status, ok.text).toBe(200);
    const tooLong = await server.post('runs/log-parameter', { run_id: run.info.run_id, key: 'more_rockets', value: `${emojiValue}🚀` });
    const error = expectMlflowError(tooLong, 400, 'INVALID_PARAMETER_VALUE');
    expect(error.message).toMatch(/^Field 'value':.*length 6001/);
  });
});
