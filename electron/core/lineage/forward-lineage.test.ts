import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../../../shared/app-api/models.js';
import { ModelRegistry } from '../registry/model-registry.js';
import { openTempStore, type TempStore } from '../store/test-store.js';
import { forwardLineage, withForwardNodes } from './forward-lineage.js';
import { lineageGraph } from './lineage-graph.js';
import { recordProducedModel } from './lineage-store.js';

let temp: TempStore;
beforeEach(() => (temp = openTempStore('forward')));
afterEach(() => temp.dispose());

function logPredictions(name: string, version: number, count: number): void {
  const insert = temp.store.db.prepare(
    "INSERT INTO predictions (request_id, model_name, model_version, inputs_json, output_json, latency_us, endpoint, created_time) VALUES (?, ?, ?, '{}', '{}', 10, 'predict', 1)",
  );
  for (let i = 0; i < count; i++) insert.run(`${name}-${version}-${i}`, name, version);
}

describe('forwardLineage', () => {
  it('follows a run to its registered versions, their aliases and deployments, and counts each version\'s predictions', () => {
    const { store } = temp;
    const runId = store.createRun({ experimentId: '0', runName: 'r', tags: [] }).info.run_id;
    recordProducedModel(store, runId);
    const registry = new ModelRegistry(store.db);
    registry.createModel('churn');
    registry.createVersion('churn', { source: `runs:/${runId}/model`, runId });
    registry.createVersion('churn', { source: `runs:/${runId}/model`, runId });
    registry.setAlias('churn', 'staging', 1);
    logPredictions('churn', 1, 4);
    logPredictions('churn', 2, 1);
    logPredictions('other', 1, 7);
    const deployment: Deployment = { id: 'd1', model: 'churn', alias: 'staging', state: 'running', version: '1', url: 'http://127.0.0.1:8500', port: 8500, startedAt: 1, error: null };

    const forward = forwardLineage(store.db, runId, [deployment]);
    expect(forward.versions).toEqual([
      { name: 'churn', version: '1', source: `runs:/${runId}/model`, aliases: ['staging'], deployments: [{ id: 'd1', alias: 'staging', state: 'running', port: 8500, url: 'http://127.0.0.1:8500' }], predictions: 4 },
      { name: 'churn', version: '2', source: `runs:/${runId}/model`, aliases: [], deployments: [], predictions: 1 },
    ]);

    const graph = withForwardNodes(lineageGraph(store, runId), runId, forward);
    const relation = (from: string, to: string) => graph.edges.find((e) => e.from === from && e.to === to)?.relation;
    expect(relation(`model:runs:/${runId}/model`, 'model_version:churn/1')).toBe('registered as');
    expect(relation('model_version:churn/1', 'deployment:d1')).toBe('served by');
    expect(relation('deployment:d1', 'predictions:churn/1')).toBe('logged');
    // Served elsewhere (mldesk serve-model): the version's log hangs off the version itself.
    expect(relation('model_version:churn/2', 'predictions:churn/2')).toBe('logged');
    expect(graph.nodes.find((n) => n.id === 'predictions:churn/1')?.label).toBe('4 predictions');
  });

  it('is empty for a run that was never registered', () => {
    const runId = temp.store.createRun({ experimentId: '0', runName: 'r', tags: [] }).info.run_id;
    expect(forwardLineage(temp.store.db, runId, [])).toEqual({ versions: [] });
  });
});
