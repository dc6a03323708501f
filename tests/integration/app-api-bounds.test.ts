/**
 * The app API's bounds over real HTTP: requests past a limit are a 400 naming it, never a 500 from
 * SQLite ("too many SQL variables") nor an answer of hundreds of MB.
 */
import { describe, expect, it } from 'vitest';
import { createExperiment, createRun, logBatch, metric } from './mlflow-fixtures.js';
import { useServer, type ServerProcess } from './server-process.js';

let server: ServerProcess;
useServer((started) => {
  server = started;
});

async function appCall(operation: string, input: unknown) {
  const res = await server.post<{ ok: boolean; error?: { code: string; message: string } }>(`/app-api/${operation}`, input);
  return { status: res.status, body: res.body };
}

describe('app API bounds', () => {
  it('refuses runs.page column lists, sort keys and experiment lists past their limits with a 400 naming the limit', async () => {
    const experimentId = await createExperiment(server);
    const runId = (await createRun(server, experimentId)).info.run_id;
    await logBatch(server, runId, { metrics: [metric('loss', 1)] });
    const page = (columns: { params: string[]; metrics: string[]; tags: string[] }, extra: Record<string, unknown> = {}) =>
      appCall('runs.page', { experimentIds: [experimentId], offset: 0, limit: 100, columns, ...extra });

    const ok = await page({ params: [], metrics: ['loss', ...Array.from({ length: 1999 }, (_, i) => `m${i}`)], tags: [] });
    expect(ok.status).toBe(200);
    // 40,000 keys were "too many SQL variables": a 500.
    const wide = await page({ params: [], metrics: Array.from({ length: 40_000 }, (_, i) => `m${i}`), tags: [] });
    expect(wide.status).toBe(400);
    expect(wide.body.error?.message).toMatch(/columns\.metrics.*at most 2000 metric columns/);
    const sorted = await page({ params: [], metrics: [], tags: [] }, { sort: Array.from({ length: 80 }, (_, i) => ({ column: `metrics.m${i}`, ascending: true })) });
    expect(sorted.status).toBe(400);
    expect(sorted.body.error?.message).toMatch(/sort.*at most 10 sort keys/);
    const many = await appCall('runs.columns', { experimentIds: Array.from({ length: 40_000 }, (_, i) => String(i)) });
    expect(many.status).toBe(400);
    expect(many.body.error?.message).toMatch(/at most 1000 experiments/);
  });

  it('refuses a metrics.series call asking for more than 1,000,000 points, and answers one within it', async () => {
    const experimentId = await createExperiment(server);
    const runId = (await createRun(server, experimentId)).info.run_id;
    await logBatch(server, runId, { metrics: [metric('loss', 1, 0), metric('loss', 0.5, 1)] });
    const keys = Array.from({ length: 100 }, (_, i) => (i === 0 ? 'loss' : `k${i}`));
    const huge = await appCall('metrics.series', { runIds: Array.from({ length: 100 }, () => runId), keys, xAxis: 'step', maxPoints: 20_000 });
    expect(huge.status).toBe(400);
    expect(huge.body.error?.message).toMatch(/runIds × keys × maxPoints may be at most 1,000,000 points/);
    const fits = await appCall('metrics.series', { runIds: [runId], keys, xAxis: 'step', maxPoints: 10_000 });
    expect(fits.status).toBe(200);
  });
});
