import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TrackingStore } from '../store/tracking-store.js';
import { openTempStore, type TempStore } from '../store/test-store.js';
import { ModelRegistry } from './model-registry.js';
import { listModels, modelSummary, modelVersions } from './registry-views.js';

let temp: TempStore;
let store: TrackingStore;
let registry: ModelRegistry;
beforeEach(() => {
  temp = openTempStore('registry-views');
  store = temp.store;
  registry = new ModelRegistry(store.db);
});
afterEach(() => temp.dispose());

function register(name: string, versions: number): string {
  const experimentId = store.experiments.create(`exp-${name}`, undefined, []);
  const runId = store.createRun({ experimentId, runName: `train-${name}`, tags: [] }).info.run_id;
  store.logBatch(runId, { metrics: [{ key: 'accuracy', value: 0.9, timestamp: 1, step: 0 }, { key: 'system/cpu', value: 3, timestamp: 1, step: 0 }], params: [], tags: [] });
  registry.createModel(name);
  for (let i = 0; i < versions; i++) registry.createVersion(name, { source: `runs:/${runId}/model`, runId });
  return runId;
}

describe('registry views', () => {
  it('pages models whose name contains the search, with their version count and approval state', () => {
    register('iris-classifier', 2);
    register('churn', 1);
    registry.approvals.review('iris-classifier', '2', { reviewer: 'ana', decision: 'approved' });
    const page = listModels(store, registry, { search: 'IRIS', offset: 0, limit: 10 });
    expect(page.total).toBe(1);
    expect(page.models[0]).toMatchObject({ name: 'iris-classifier', versionCount: 2, latestVersion: '2', latestApproval: 'approved', championVersion: null });
    expect(listModels(store, registry, { offset: 1, limit: 1 }).models).toHaveLength(1);
    expect(registry.approvals.approvalState('iris-classifier', '1')).toBe('pending');
    expect(modelSummary(store, registry, 'churn')).toMatchObject({ versionCount: 1, latestApproval: 'pending' });
  });

  it('lists versions newest first with their run and its final metrics (system metrics left out)', () => {
    const runId = register('iris-classifier', 2);
    const versions = modelVersions(store, registry, 'iris-classifier');
    expect(versions.map((v) => v.version)).toEqual(['2', '1']);
    expect(versions[0]).toMatchObject({ run: { runId, runName: 'train-iris-classifier', status: 'RUNNING' }, metrics: { accuracy: 0.9 }, approval: 'pending' });
  });
});
