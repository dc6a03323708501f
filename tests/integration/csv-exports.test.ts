import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExperiment, createRun } from './mlflow-fixtures.js';
import { seedPredictions } from './prediction-rows.js';
import { cleanupTempDirs, startServer, stopAllServers, type ServerProcess } from './server-process.js';

/** CSV downloads of the runs table, the compare table and the prediction log (app-files/exports). */

let server: ServerProcess;
let experimentId: string;
const runIds: string[] = [];

async function exportCsv(kind: string, query: unknown): Promise<{ status: number; headers: Headers; text: string; rows: string[][] }> {
  const res = await fetch(`${server.url}/app-files/exports/${kind}.csv?q=${encodeURIComponent(JSON.stringify(query))}`);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, rows: res.status === 200 ? (parse(text, { relax_quotes: false }) as string[][]) : [] };
}

beforeAll(async () => {
  server = await startServer();
  experimentId = await createExperiment(server, 'churn, "quoted" experiment');
  const runs = [
    { name: 'mlp-small', lr: '0.01', loss: 0.5, note: 'plain' },
    { name: 'mlp, large', lr: '-0.001', loss: 0.25, note: '=HYPERLINK("http://evil","click")' },
    { name: 'linear\nmodel', lr: '0.1', loss: -1.5, note: '@SUM(A1:A2)' },
  ];
  for (const [i, run] of runs.entries()) {
    const created = await createRun(server, experimentId, { run_name: run.name, start_time: 1_700_000_000_000 + i * 1000 });
    const id = created.info.run_id;
    runIds.push(id);
    const res = await server.post('runs/log-batch', {
      run_id: id,
      params: [{ key: 'lr', value: run.lr }],
      metrics: [{ key: 'val_loss', value: run.loss, timestamp: 1, step: 0 }],
      tags: [{ key: 'note', value: run.note }],
    });
    expect(res.status, res.text).toBe(200);
  }
});

afterAll(async () => {
  await server?.stop();
  await stopAllServers();
  await cleanupTempDirs();
});

describe('runs table export', () => {
  const columns = { metrics: ['val_loss'], params: ['lr'], tags: ['note'] };

  it('writes the columns shown, in the table order, with RFC 4180 quoting and formula cells guarded', async () => {
    const got = await exportCsv('runs', { experimentIds: [experimentId], sort: [{ column: 'metrics.val_loss', ascending: true }], columns });
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(got.headers.get('content-disposition')).toBe(
      `attachment; filename="churn, _quoted_ experiment-runs.csv"; filename*=UTF-8''${encodeURIComponent('churn, _quoted_ experiment-runs.csv')}`,
    );
    expect(got.text.endsWith('\r\n')).toBe(true);
    const [header, ...rows] = got.rows;
    expect(header).toEqual(['run_id', 'run_name', 'experiment_id', 'status', 'start_time', 'end_time', 'duration_s', 'metrics.val_loss', 'params.lr', 'tags.note']);
    expect(rows.map((r) => [r[0], r[1], r[7], r[8], r[9]])).toEqual([
      [runIds[2], 'linear\nmodel', '-1.5', '0.1', "'@SUM(A1:A2)"],
      [runIds[1], 'mlp, large', '0.25', '-0.001', `'=HYPERLINK("http://evil","click")`],
      [runIds[0], 'mlp-small', '0.5', '0.01', 'plain'],
    ]);
    expect(rows[0]![4]).toBe('2023-11-14T22:13:22.000Z');
  });

  it('applies the table filter', async () => {
    const got = await exportCsv('runs', { experimentIds: [experimentId], filter: 'metrics.val_loss > 0', columns });
    expect(got.rows.slice(1).map((r) => r[1]).sort()).toEqual(['mlp, large', 'mlp-small']);
  });

  it('refuses a bad query with a 400 naming the problem, before any CSV is sent', async () => {
    const badFilter = await exportCsv('runs', { experimentIds: [experimentId], filter: 'metrics.val_loss >>> 1', columns });
    expect(badFilter.status).toBe(400);
    expect(JSON.parse(badFilter.text).error_code).toBe('INVALID_PARAMETER_VALUE');
    const badColumns = await exportCsv('runs', { experimentIds: [experimentId], columns: { metrics: 'val_loss' } });
    expect(badColumns.status).toBe(400);
    expect(JSON.parse(badColumns.text).message).toContain("field 'columns.metrics'");
    const notJson = await fetch(`${server.url}/app-files/exports/runs.csv?q=%7Bnope`);
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { message: string }).message).toContain("parameter 'q': not JSON");
    const missing = await fetch(`${server.url}/app-files/exports/runs.csv`);
    expect(missing.status).toBe(400);
  });
});

describe('compare table export', () => {
  it('has one column per run, and a row per attribute, param and latest metric', async () => {
    const got = await exportCsv('compare', { runIds: [runIds[0], runIds[1]] });
    expect(got.status).toBe(200);
    expect(got.headers.get('content-disposition')).toContain('filename="compare-2-runs.csv"');
    const byKey = new Map(got.rows.map((r) => [`${r[0]}:${r[1]}`, r.slice(2)]));
    expect(got.rows[0]).toEqual(['section', 'key', 'mlp-small', 'mlp, large']);
    expect(byKey.get('run:run_id')).toEqual([runIds[0], runIds[1]]);
    expect(byKey.get('params:lr')).toEqual(['0.01', '-0.001']);
    expect(byKey.get('metrics:val_loss')).toEqual(['0.5', '0.25']);
  });

  it('answers 404 for an unknown run', async () => {
    const got = await exportCsv('compare', { runIds: [runIds[0], 'f'.repeat(32)] });
    expect(got.status).toBe(404);
  });
});

describe('prediction log export', () => {
  beforeAll(() => {
    seedPredictions(server.dataDir!, { model: 'churn', count: 2500, version: (i) => (i < 1000 ? 1 : 2), actual: (i) => (i % 10 === 0 ? 'yes' : undefined) });
    seedPredictions(server.dataDir!, { model: 'other', count: 10 });
  });

  it('writes every row of the log under the filter, newest first, over many pages', async () => {
    const got = await exportCsv('predictions', { model: 'churn' });
    expect(got.status).toBe(200);
    expect(got.headers.get('content-disposition')).toContain('filename="churn-predictions.csv"');
    const [header, ...rows] = got.rows;
    expect(header).toEqual([
      'request_id', 'timestamp', 'model_version', 'predicted', 'probability.no', 'probability.yes', 'actual', 'feedback_time', 'latency_ms', 'endpoint', 'run_id',
      'input.tenure_months', 'input.plan', 'input.note', 'other_inputs',
    ]);
    expect(rows).toHaveLength(2500);
    expect(rows[0]![0]).toBe('churn-000002499');
    expect(rows.at(-1)![0]).toBe('churn-000000000');
    const first = rows.at(-1)!;
    expect(first.slice(11)).toEqual(['0', 'pro, annual', `'=cmd|" /C calc"!A0`, '']);
    expect(first[6]).toBe('yes');
  });

  it('applies the version and ground-truth filters', async () => {
    const v1 = await exportCsv('predictions', { model: 'churn', version: '1', feedback: 'with' });
    expect(v1.headers.get('content-disposition')).toContain('filename="churn-v1-predictions.csv"');
    expect(v1.rows.slice(1)).toHaveLength(100);
    expect(new Set(v1.rows.slice(1).map((r) => r[2]))).toEqual(new Set(['1']));
  });

  it('refuses a bad filter with a 400 naming the field', async () => {
    const got = await exportCsv('predictions', { model: 'churn', version: 'latest' });
    expect(got.status).toBe(400);
    expect(JSON.parse(got.text).message).toContain("field 'version'");
  });
});
