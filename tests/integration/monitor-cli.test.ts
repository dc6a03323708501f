/**
 * `mldesk monitor` as a user runs it: a churn classifier trained by `mldesk train` (its dataset
 * in lineage), registered, traffic in its prediction log, and the report computed by a real child
 * process against the reference profile. Needs `npm run build` (the CLI runs from dist/).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTabular, toCsv } from '../../electron/core/data/synthetic.js';
import { readReference } from '../../electron/core/monitoring/reference-profiles.js';
import { churnRecords, logChurnPredictions } from '../../electron/core/monitoring/test-monitoring.js';
import { ModelRegistry } from '../../electron/core/registry/model-registry.js';
import { openDatabase } from '../../electron/core/store/database.js';
import { TrackingStore } from '../../electron/core/store/tracking-store.js';
import { cleanupTempDirs, makeTempDir, runCli, startServer, stopAllServers } from './server-process.js';

interface Report {
  model: string;
  version: string;
  reference: { dataset: string; version: number; sha256: string };
  window: { from: string; to: string; rows: number };
  columns: Array<{ column: string; type: string; method: string; statistic: number | null; threshold: number; drifted: boolean | null; p_value: number | null; psi: number | null }>;
  drifted_columns: number;
  share_drifted: number;
  dataset_drift: boolean;
  quality: unknown[];
  alerts: unknown[];
}

let dataDir: string;
let referenceSha: string;
let driftedFrom: number;
const monitor = (args: string[]) => runCli(['monitor', ...args, '--data-dir', dataDir], { timeoutMs: 60_000 });

beforeAll(async () => {
  dataDir = await makeTempDir('monitor');
  const csv = join(await makeTempDir('churn'), 'churn-train.csv');
  await writeFile(csv, toCsv(generateTabular({ rows: 1500, seed: 1 })));
  const trained = await runCli(['train', '--data', csv, '--target', 'churned', '--epochs', '3', '--seed', '1', '--backend', 'cpu', '--data-dir', dataDir, '--json'], { timeoutMs: 90_000 });
  expect(trained.code, trained.stderr).toBe(0);
  const runId = (JSON.parse(trained.stdout.trim()) as { run_id: string }).run_id;
  const store = TrackingStore.open(dataDir);
  try {
    const registry = new ModelRegistry(store.db);
    registry.createModel('churn');
    registry.createVersion('churn', { source: `runs:/${runId}/model`, runId });
    // A copy of version 1: no run of its own, so no dataset in lineage.
    registry.createVersion('churn', { source: 'models:/churn/1' });
    const v1 = readReference(store.db, registry.versionRow('churn', 1).version_pk)!;
    expect(v1).toMatchObject({ datasetRef: 'churn-train@1', source: 'lineage', status: 'pending' });
    referenceSha = v1.datasetSha256;
    const t0 = Date.now() - 3_600_000;
    driftedFrom = t0 + 1_000_000;
    logChurnPredictions(store.db, 'churn', 1, churnRecords({ rows: 1000, seed: 2 }), (i) => t0 + i);
    logChurnPredictions(store.db, 'churn', 1, churnRecords({ rows: 1000, seed: 3, drift: 1 }), (i) => driftedFrom + i);
    logChurnPredictions(store.db, 'churn', 2, churnRecords({ rows: 1000, seed: 4 }), (i) => driftedFrom + i);
  } finally {
    store.close();
  }
}, 120_000);

afterAll(async () => {
  await stopAllServers();
  await cleanupTempDirs();
});

describe('mldesk monitor', () => {
  it('reports the current window against the reference from lineage as one JSON object', async () => {
    const result = await monitor(['churn/1', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report).toMatchObject({ model: 'churn', version: '1', reference: { dataset: 'churn-train', version: 1, sha256: referenceSha }, alerts: [] });
    // The default window is the settings' count window: the newest 1,000 predictions, all drifted.
    expect(report.window.rows).toBe(1000);
    expect(Date.parse(report.window.from)).toBe(driftedFrom);
    expect(report.columns.map((c) => c.column)).toEqual(['tenure_months', 'monthly_charges', 'support_calls', 'plan', 'paperless_billing', 'age', 'region', 'data_usage_gb']);
    for (const column of report.columns) {
      expect(Object.keys(column)).toEqual(expect.arrayContaining(['column', 'type', 'method', 'statistic', 'threshold', 'drifted', 'p_value', 'psi']));
    }
    const drifted = report.columns.filter((c) => c.drifted).map((c) => c.column);
    expect(drifted).toEqual(expect.arrayContaining(['tenure_months', 'monthly_charges', 'plan', 'region']));
    expect(report.drifted_columns).toBe(drifted.length);
    expect(report.share_drifted).toBeGreaterThanOrEqual(0.5);
    expect(report.dataset_drift).toBe(true);
    expect(Array.isArray(report.quality)).toBe(true);
  }, 90_000);

  it('reports --last N and --since windows', async () => {
    const calm = await monitor(['churn/1', '--since', new Date(driftedFrom - 1_000_000).toISOString(), '--json']);
    expect(calm.code, calm.stderr).toBe(0);
    expect((JSON.parse(calm.stdout) as Report).window.rows).toBe(2000);
    const last = await monitor(['churn/1', '--last', '300', '--json']);
    expect(last.code, last.stderr).toBe(0);
    expect((JSON.parse(last.stdout) as Report).window.rows).toBe(300);
    const text = await monitor(['churn/1', '--last', '300']);
    expect(text.stdout).toMatch(/Dataset drift: YES/);
    expect(text.stdout).toMatch(/churn-train@1/);
  }, 90_000);

  it('takes the newest version with predictions for a bare NAME, and asks for a reference it lacks', async () => {
    const missing = await monitor(['churn', '--json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/churn\/2 has no reference dataset.*mldesk monitor reference churn\/2 --dataset/);

    const given = await runCli(['monitor', 'reference', 'churn/2', '--dataset', 'churn-train', '--json', '--data-dir', dataDir], { timeoutMs: 60_000 });
    expect(given.code, given.stderr).toBe(0);
    expect(JSON.parse(given.stdout)).toMatchObject({ model: 'churn', version: '2', reference: { dataset: 'churn-train@1', source: 'manual', status: 'ready', rows: 1500, features: 8 } });

    const report = await monitor(['churn', '--json']);
    expect(report.code, report.stderr).toBe(0);
    const parsed = JSON.parse(report.stdout) as Report;
    expect(parsed).toMatchObject({ version: '2', window: { rows: 1000 } });
    expect(parsed.dataset_drift).toBe(false);
    expect(parsed.columns.filter((c) => c.drifted).map((c) => `${c.column} ${c.method} ${c.statistic}`)).toEqual([]);
  }, 90_000);

  it('exits 2 with a clear message on bad input', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['nope'], /Registered Model with name=nope not found/],
      [['churn/9'], /Model Version \(name=churn, version=9\) not found/],
      [['churn/1', '--since', 'yesterday'], /'yesterday' is not an ISO date/],
      [['churn/1', '--last', '0'], /'0' is not a positive whole number/],
      [['churn/1', '--last', '5', '--since', '2026-01-01'], /--last or --since, not both/],
      [['reference', 'churn/1', '--dataset', 'nope'], /No dataset named 'nope'/],
    ];
    for (const [args, message] of cases) {
      const result = await monitor(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  }, 90_000);

  it('is kept up to date by mldesk serve in the background; settings changed over the app API start a new series', async () => {
    const server = await startServer({ dataDir, env: { MLDESK_MONITOR_INTERVAL_MS: '200' } });
    const db = openDatabase(join(dataDir, 'mldesk.db'));
    const windows = () =>
      db.prepare("SELECT v.version, w.spec, COUNT(*) AS n FROM monitoring_windows w JOIN model_versions v ON v.version_pk = w.version_pk GROUP BY v.version, w.spec ORDER BY v.version, w.spec").all();
    try {
      // Default settings: windows of 1,000 predictions; both versions have ready references by now.
      await expect.poll(windows, { timeout: 30_000 }).toEqual([
        { version: 1, spec: 'count:1000', n: 2 },
        { version: 2, spec: 'count:1000', n: 1 },
      ]);
      const post = (operation: string, body: unknown) =>
        fetch(`${server.url}/app-api/${operation}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const bad = await post('monitoring.updateSettings', { model: 'churn', settings: { window: { by: 'count', size: 0 } } });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/Field 'settings\.window/);
      const good = await post('monitoring.updateSettings', { model: 'churn', settings: { window: { by: 'count', size: 500 } } });
      expect(good.status).toBe(200);
      await expect.poll(windows, { timeout: 30_000 }).toEqual([
        { version: 1, spec: 'count:1000', n: 2 },
        { version: 1, spec: 'count:500', n: 4 },
        { version: 2, spec: 'count:1000', n: 1 },
        { version: 2, spec: 'count:500', n: 2 },
      ]);
    } finally {
      db.close();
      await server.stop();
    }
  }, 90_000);
});
