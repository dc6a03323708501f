/**
 * Predictions from elsewhere: `mldesk monitor import` as a child process and
 * POST /api/2.0/mldesk/predictions/log-batch on a real `mldesk serve`, against a churn classifier
 * trained by `mldesk train` and registered; what they store is read back through the app API the
 * prediction log page uses. Needs `npm run build`.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRegistry } from '../../electron/core/registry/model-registry.js';
import { TrackingStore } from '../../electron/core/store/tracking-store.js';
import { rawRequest } from './raw-http.js';
import { cleanupTempDirs, makeTempDir, REPO_ROOT, runCli, startServer, stopAllServers, type ServerProcess } from './server-process.js';

const LOG_BATCH = '/api/2.0/mldesk/predictions/log-batch';
const CHURN = readFileSync(join(REPO_ROOT, 'resources', 'datasets', 'synthetic-churn.csv'), 'utf8').trim().split('\n');
const FEATURES = CHURN[0]!.split(',').slice(0, -1);
const DATA = CHURN.slice(1).map((line) => line.split(','));
const T0 = Date.UTC(2026, 0, 1);

let dataDir: string;
let files: string;
let server: ServerProcess;

interface Prediction {
  requestId: string;
  endpoint: string;
  latencyMs: number;
  timestamp: number;
  inputs: Record<string, unknown>;
  output: { label: string; probabilities?: Record<string, number> };
  feedback: { actual: string | number } | null;
}

async function page(query: Record<string, unknown>): Promise<Prediction[]> {
  const res = await server.post<{ ok: boolean; value: { predictions: Prediction[] } }>('/app-api/predictions.page', { model: 'churn', limit: 500, ...query });
  expect(res.status, res.text).toBe(200);
  return res.body.value.predictions;
}

async function total(): Promise<{ count: number; withFeedback: number }> {
  const res = await server.post<{ ok: boolean; value: { total: number; withFeedback: number } }>('/app-api/predictions.stats', { model: 'churn' });
  expect(res.status, res.text).toBe(200);
  return { count: res.body.value.total, withFeedback: res.body.value.withFeedback };
}

/** A CSV of `n` churn rows with a prediction each; `label` every other row; `cells` may change a row (by data index). */
function churnCsv(n: number, prefix: string, options: { cells?: (i: number, row: string[]) => string[] } = {}): string {
  const header = ['id', 'time', ...FEATURES, 'prediction', 'probability.no', 'probability.yes', 'label'].join(',');
  const lines = [header];
  for (let i = 0; i < n; i++) {
    const data = DATA[i % DATA.length]!;
    const yes = ((i * 37) % 100) / 100;
    const row = [`${prefix}-${i}`, new Date(T0 + i * 1000).toISOString(), ...data.slice(0, -1), yes >= 0.5 ? 'yes' : 'no', (1 - yes).toFixed(2), yes.toFixed(2), i % 2 ? '' : data.at(-1)!];
    lines.push((options.cells?.(i, row) ?? row).join(','));
  }
  return `${lines.join('\n')}\n`;
}

const importCli = (file: string, ...flags: string[]) => runCli(['monitor', 'import', file, '--model', 'churn/1', '--data-dir', dataDir, ...flags], { timeoutMs: 120_000 });

beforeAll(async () => {
  dataDir = await makeTempDir('import');
  files = await makeTempDir('import-files');
  const training = join(files, 'churn-train.csv');
  await writeFile(training, `${CHURN.slice(0, 601).join('\n')}\n`);
  const trained = await runCli(['train', '--data', training, '--target', 'churned', '--epochs', '1', '--seed', '1', '--backend', 'cpu', '--data-dir', dataDir, '--json'], { timeoutMs: 90_000 });
  expect(trained.code, trained.stderr).toBe(0);
  const runId = (JSON.parse(trained.stdout.trim().split('\n').at(-1)!) as { run_id: string }).run_id;
  const store = TrackingStore.open(dataDir);
  try {
    const registry = new ModelRegistry(store.db);
    registry.createModel('churn');
    registry.createVersion('churn', { source: `runs:/${runId}/model`, runId });
  } finally {
    store.close();
  }
  server = await startServer({ dataDir });
}, 120_000);

afterAll(async () => {
  await stopAllServers();
  await cleanupTempDirs();
});

describe('mldesk monitor import', () => {
  it('imports a CSV into the prediction log with its ground truth, and skips it when imported again', async () => {
    const file = join(files, 'good.csv');
    await writeFile(file, churnCsv(300, 'csv'));
    const first = await importCli(file, '--json');
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ model: 'churn', version: '1', imported: 300, skipped_duplicates: 0, labelled: 150 });

    const rows = await page({ since: T0, until: T0 + 300_000 });
    expect(rows).toHaveLength(300);
    const row0 = rows.find((r) => r.requestId === 'csv-0')!;
    expect(row0).toMatchObject({ endpoint: 'import', latencyMs: 0, timestamp: T0, output: { label: 'no', probabilities: { no: 1, yes: 0 } }, feedback: { actual: DATA[0]!.at(-1) } });
    expect(row0.inputs).toEqual({ tenure_months: 19, monthly_charges: 67.8, support_calls: 1, plan: 'premium', paperless_billing: false, age: 18, region: 'north', data_usage_gb: 8.71 });
    expect(rows.find((r) => r.requestId === 'csv-1')!.feedback).toBeNull();

    const again = await importCli(file);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^Imported 0 predictions into churn\/1 in [\d.]+ s \(300 rows already in the log, skipped; 0 ground-truth labels stored\)\.$/m);
    expect(await total()).toEqual({ count: 300, withFeedback: 150 });

    // The same ids with another prediction: refused, naming the id, and nothing of the file stored.
    const changed = join(files, 'changed.csv');
    await writeFile(changed, churnCsv(310, 'csv', { cells: (i, row) => (i === 42 ? [...row.slice(0, -4), row.at(-4) === 'yes' ? 'no' : 'yes', ...row.slice(-3)] : row) }));
    const refused = await importCli(changed, '--json');
    expect(refused.code).toBe(2);
    const error = JSON.parse(refused.stdout) as { errors: { line: number; field: string; message: string }[] };
    expect(error.errors).toEqual([{ line: 44, field: 'id', message: 'line 44, field \'id\': differs from the row logged under request id "csv-42" in prediction' }]);
    expect(await total()).toEqual({ count: 300, withFeedback: 150 });
  });

  it('imports JSON lines without ids, and recognises them when imported again', async () => {
    const file = join(files, 'good.jsonl');
    const lines = DATA.slice(0, 50).map((data, i) => {
      const features = Object.fromEntries(FEATURES.map((name, j) => [name, data[j] === '' ? null : /^-?[\d.]+$/.test(data[j]!) ? Number(data[j]) : data[j] === 'true' || data[j] === 'false' ? data[j] === 'true' : data[j]]));
      return JSON.stringify({ time: T0 + 20_000_000 + i, ...features, prediction: i % 3 ? 'no' : 'yes', ...(i < 10 ? { label: data.at(-1) } : {}) });
    });
    await writeFile(file, `${lines.join('\n')}\n`);
    const before = await total();
    const first = await importCli(file, '--json');
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ imported: 50, skipped_duplicates: 0, labelled: 10 });
    const again = await importCli(file, '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ imported: 0, skipped_duplicates: 50, labelled: 0 });
    expect(await total()).toEqual({ count: before.count + 50, withFeedback: before.withFeedback + 10 });
    const imported = await page({ since: T0 + 20_000_000, until: T0 + 20_000_050 });
    expect(imported).toHaveLength(50);
    expect(imported[0]!.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(imported[0]!.output).toEqual({ label: expect.any(String) });
  });

  it('stores nothing from a file with one bad row at line 9,000, and names the line and field', async () => {
    const file = join(files, 'bad-row.csv');
    await writeFile(file, churnCsv(10_000, 'bad', { cells: (i, row) => (i === 8_998 ? row.map((cell, j) => (j === 2 + FEATURES.indexOf('plan') ? 'platinum' : cell)) : row) }));
    const before = await total();
    const result = await importCli(file, '--json');
    expect(result.code).toBe(2);
    const error = JSON.parse(result.stdout) as { error_code: string; errors: { line: number; field: string; message: string }[]; error_count: number };
    expect(error).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', error_count: 1 });
    expect(error.errors).toEqual([{ line: 9000, field: 'plan', message: expect.stringMatching(/^line 9000, field 'plan': unseen category "platinum"/) }]);
    expect(result.stderr).toContain("1 problem in");
    expect(result.stderr).toContain("line 9000, field 'plan'");
    expect(await total()).toEqual(before);
    expect(await page({ requestId: 'bad-0' })).toEqual([]);
  });

  it('refuses an unknown version and a missing file with exit 2', async () => {
    const unknown = await runCli(['monitor', 'import', join(files, 'good.csv'), '--model', 'churn/7', '--data-dir', dataDir]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Model Version (name=churn, version=7) not found');
    const missing = await importCli(join(files, 'nowhere.csv'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
  });
});

describe('POST /api/2.0/mldesk/predictions/log-batch', () => {
  const jsonRow = (i: number) => {
    const data = DATA[i]!;
    return { id: `rest-${i}`, time: T0 + 10_000_000 + i, ...Object.fromEntries(FEATURES.map((name, j) => [name, data[j]])), prediction: 'yes', label: data.at(-1) };
  };

  it('imports JSON rows and a CSV body, and answers what it stored', async () => {
    // Cells as text are read as the CSV importer reads them; JSON strings of numbers are refused.
    const rows = [0, 1, 2].map((i) => ({ ...jsonRow(i), tenure_months: Number(DATA[i]![0]), monthly_charges: Number(DATA[i]![1]), support_calls: Number(DATA[i]![2]), paperless_billing: DATA[i]![4] === 'true', age: Number(DATA[i]![5]), data_usage_gb: Number(DATA[i]![7]) }));
    const res = await server.post(LOG_BATCH, { model: 'churn', version: '1', rows });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ model: 'churn', version: '1', imported: 3, skipped_duplicates: 0, labelled: 3 });
    expect((await page({ requestId: 'rest-1' }))[0]).toMatchObject({ endpoint: 'import', feedback: { actual: DATA[1]!.at(-1) } });

    const csv = churnCsv(5, 'rest-csv');
    const viaCsv = await server.request('POST', LOG_BATCH, { body: csv, query: { model: 'churn', version: 1 }, headers: { 'content-type': 'text/csv' } });
    expect(viaCsv.status, viaCsv.text).toBe(200);
    expect(viaCsv.body).toMatchObject({ imported: 5, labelled: 3 });
  });

  it('lists refused rows by index and field, stores nothing', async () => {
    const before = await total();
    const res = await server.post(LOG_BATCH, { model: 'churn', version: 1, rows: [jsonRow(10), { ...jsonRow(11), prediction: 'maybe' }] });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', error_count: 2 });
    const { errors } = res.body as { errors: { index: number; field: string }[] };
    expect(errors.map((e) => [e.index, e.field])).toEqual([[0, 'tenure_months'], [1, 'tenure_months']]);
    expect(await total()).toEqual(before);
  });

  it('names the model or version it does not know (404), the row limit (400), the size limit (413) and malformed bodies (400)', async () => {
    const unknownModel = await server.post(LOG_BATCH, { model: 'nope', version: '1', rows: [jsonRow(0)] });
    expect(unknownModel.status).toBe(404);
    expect(unknownModel.text).toContain('nope');
    const unknownVersion = await server.post(LOG_BATCH, { model: 'churn', version: '9', rows: [jsonRow(0)] });
    expect(unknownVersion.status).toBe(404);
    expect(unknownVersion.text).toContain('version=9');

    const many = await server.post(LOG_BATCH, { model: 'churn', version: '1', rows: Array.from({ length: 100_001 }, () => ({})) });
    expect(many.status).toBe(400);
    expect(many.text).toContain('Too many rows: 100001 in one request, the limit is 100,000.');

    const huge = await server.request('POST', LOG_BATCH, { body: `{"model":"churn","version":"1","rows":[${'{},'.repeat(12 * 1024 * 1024)}{}]}` });
    expect(huge.status).toBe(413);
    expect(huge.body).toMatchObject({ error_code: 'REQUEST_LIMIT_EXCEEDED', message: expect.stringContaining('size limit of log-batch (32 MiB)') });

    const malformed = await server.request('POST', LOG_BATCH, { body: '{"model": "churn", "rows": [' });
    expect(malformed.status).toBe(400);
    expect(malformed.text).toContain('not valid JSON');
    const missing = await server.post(LOG_BATCH, { model: 'churn', rows: [] });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain("Missing value for required parameter 'version'");
    const badCsv = await server.request('POST', LOG_BATCH, { body: 'id,prediction\n"x,yes\n', query: { model: 'churn', version: 1 }, headers: { 'content-type': 'text/csv' } });
    expect(badCsv.status).toBe(400);
    expect(badCsv.text).toContain('not valid CSV');
  });

  it('applies the Host and Origin guards of every /api route', async () => {
    const foreign = await server.request('POST', LOG_BATCH, { body: { model: 'churn', version: '1', rows: [jsonRow(20)] }, headers: { origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
    const rebound = await rawRequest(server.url, 'POST', LOG_BATCH, { body: JSON.stringify({ model: 'churn', version: '1', rows: [jsonRow(20)] }), headers: { host: 'evil.example', 'content-type': 'application/json' } });
    expect(rebound.status).toBe(403);
    expect(await page({ requestId: 'rest-20' })).toEqual([]);
  });

  it('needs the bearer token on a token server', async () => {
    const guarded = await startServer({ dataDir: await makeTempDir('import-token'), token: 'import-secret' });
    const body = { model: 'churn', version: '1', rows: [jsonRow(21)] };
    expect((await guarded.post(LOG_BATCH, body)).status).toBe(401);
    const authorised = await guarded.post(LOG_BATCH, body, { authorization: 'Bearer import-secret' });
    // Past the token check: this data dir has no such model.
    expect(authorised.status).toBe(404);
    await guarded.stop();
  });
});
