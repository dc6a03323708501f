/**
 * Shadow scoring on a real prediction server (two trained iris versions, real HTTP): the champion
 * answers and is logged; the challenger scores the same rows afterwards as shadow rows that the
 * prediction log never sees; the live comparison joins them; a policy without shadow stops it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setPolicy } from '../automation/ct/policy-store.js';
import { shadowComparison } from '../automation/ct/shadow-store.js';
import { ModelRegistry } from '../registry/model-registry.js';
import { TrackingStore } from '../store/tracking-store.js';
import { loadBackend } from '../training/backend.js';
import { MODEL_DIR } from '../training/model-files.js';
import { writeRunArtifact } from '../training/run-records.js';
import { irisModelFiles } from '../training/test-tables.js';
import { createPredictionServer, type PredictionServer } from './prediction-server.js';
import { recordFeedback } from './prediction-records.js';

let dir: string;
let store: TrackingStore;
let server: PredictionServer;
const ROWS = [
  { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 },
  { sepal_length: 6.7, sepal_width: 3.0, petal_length: 5.2, petal_width: 2.3 },
  { sepal_length: 5.9, sepal_width: 3.0, petal_length: 4.2, petal_width: 1.5 },
];
const POLICY = { triggers: [{ type: 'manual' }], project: 'mlp', holdout: 'iris-holdout', metric: { name: 'accuracy', goal: 'maximize' } };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-shadow-'));
  store = TrackingStore.open(dir);
  const { tf } = await loadBackend('wasm');
  const registry = new ModelRegistry(store.db);
  registry.createModel('iris');
  const experiment = store.experiments.create('iris', undefined, []);
  for (const epochs of [2, 40]) {
    const runId = store.createRun({ experimentId: experiment, runName: `iris ${epochs}`, tags: [] }).info.run_id;
    for (const file of await irisModelFiles(tf, epochs)) await writeRunArtifact(store, runId, `${MODEL_DIR}/${file.path}`, file.bytes);
    registry.createVersion('iris', { source: `runs:/${runId}/${MODEL_DIR}` });
  }
  registry.approvals.review('iris', '1', { reviewer: 'bob', decision: 'approved' });
  registry.setAlias('iris', 'champion', '1', { actor: 'bob' });
  registry.setAlias('iris', 'challenger', '2', { actor: 'policy:iris' });
  setPolicy(store.db, 'iris', POLICY);
  server = await createPredictionServer({ store, registry, target: 'iris@champion', port: 0, backend: 'wasm' });
}, 120_000);

afterAll(async () => {
  await server?.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function predict(): Promise<{ model_version: string; request_ids: string[]; predictions: { label: string }[] }> {
  const response = await fetch(`${server.url}/v1/models/iris:predict`, { method: 'POST', body: JSON.stringify({ instances: ROWS }) });
  expect(response.status).toBe(200);
  return (await response.json()) as { model_version: string; request_ids: string[]; predictions: { label: string }[] };
}

const shadowRows = () => (store.db.prepare('SELECT count(*) AS n FROM shadow_predictions').get() as { n: number }).n;

async function until(probe: () => boolean): Promise<void> {
  const end = Date.now() + 10_000;
  while (!probe() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('shadow scoring', () => {
  it('scores the challenger after answering with the champion, as shadow rows the prediction log never sees', async () => {
    // The first request starts loading the challenger; later ones are shadowed.
    await predict();
    await until(() => server.router.loaded().some((s) => s.version === '2'));
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await predict());
    expect(answers.every((a) => a.model_version === '1')).toBe(true);
    await until(() => shadowRows() >= 15);
    await server.log!.flush();
    const logged = store.db.prepare('SELECT model_version, count(*) AS n FROM predictions GROUP BY model_version').all();
    expect(logged).toEqual([{ model_version: 1, n: 18 }]);
    const shadow = store.db.prepare('SELECT request_id, model_version, served_version FROM shadow_predictions ORDER BY shadow_pk').all() as { request_id: string; model_version: number; served_version: number }[];
    expect(shadow).toHaveLength(15);
    expect(shadow.map((s) => s.request_id)).toEqual(answers.flatMap((a) => a.request_ids));
    expect(shadow.every((s) => s.model_version === 2 && s.served_version === 1)).toBe(true);

    recordFeedback(store.db, answers[0]!.request_ids.map((id, i) => ({ request_id: id, actual: ['setosa', 'virginica', 'versicolor'][i]! })));
    const comparison = shadowComparison(store.db, 'iris');
    expect(comparison).toMatchObject({ model: 'iris', challengerVersion: '2', rows: 15, labelledRows: 3 });
    expect(comparison!.agreement).toBeGreaterThanOrEqual(0);
    expect(comparison!.challengerAccuracy).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it('stops when the policy turns shadowing off', async () => {
    setPolicy(store.db, 'iris', { ...POLICY, shadow: false });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const before = shadowRows();
    await predict();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(shadowRows()).toBe(before);
  });
});
