import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LineageGraphSchema, RunLineageSchema } from '../../../shared/lineage.js';
import { TrackingStore } from '../store/tracking-store.js';
import { edgesTouching } from './edges.js';
import { lineageGraph } from './lineage-graph.js';
import { readLineage, recordLineage, recordProducedModel } from './lineage-store.js';
import { sampleLineage } from './test-lineage.js';

let dir: string;
let store: TrackingStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mldesk-lineage-'));
  store = TrackingStore.open(dir);
});
afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

const newRun = (name = 'run') => store.createRun({ experimentId: '0', runName: name, tags: [] }).info;
const artifactDir = (runId: string) => store.artifacts.localDirOf(store.runs.row(runId).artifact_uri)!;

describe('recordLineage / readLineage', () => {
  it('keeps the record as lineage.json, as tags and as a trained_on edge; reads it back from either', async () => {
    const run = newRun();
    const record = sampleLineage(run.run_id);
    await recordLineage(store, record);

    const file = join(artifactDir(run.run_id), 'lineage.json');
    expect(RunLineageSchema.parse(JSON.parse(await readFile(file, 'utf8')))).toEqual(record);
    const indexed = store.db.prepare("SELECT path FROM artifacts JOIN runs USING (run_pk) WHERE run_uuid = ? AND path = 'lineage.json'").get(run.run_id);
    expect(indexed).toBeDefined();
    const tags = Object.fromEntries(store.runs.get(run.run_id).data.tags.map((t) => [t.key, t.value]));
    expect(tags['mldesk.lineage.data.sha256']).toBe(record.data.sha256);
    expect(edgesTouching(store.db, 'run', run.run_id)).toMatchObject([{ sourceKind: 'dataset_version', sourceId: 'churn@3', targetKind: 'run', targetId: run.run_id, relation: 'trained_on' }]);
    expect(await readLineage(store, run.run_id)).toEqual(record);

    // Without the artifact (deleted through the MLflow API, say) the tags still tell the lineage.
    await rm(file);
    expect(existsSync(file)).toBe(false);
    expect(await readLineage(store, run.run_id)).toEqual(record);
  });

  it('is null for a run MLDesk did not train, and throws for a run that does not exist', async () => {
    const run = newRun();
    store.logBatch(run.run_id, { metrics: [{ key: 'loss', value: 1, step: 0, timestamp: 1 }], params: [{ key: 'lr', value: '0.1' }], tags: [] });
    expect(await readLineage(store, run.run_id)).toBeNull();
    await expect(readLineage(store, 'f'.repeat(32))).rejects.toThrow(/not found/);
  });
});

describe('lineageGraph', () => {
  it('links dataset → run → model and a reproduction to its original, with labels for the UI', async () => {
    const original = newRun('original');
    const copy = newRun('original-reproduction');
    await recordLineage(store, sampleLineage(original.run_id));
    recordProducedModel(store, original.run_id);
    await recordLineage(store, sampleLineage(copy.run_id, { reproductionOf: original.run_id }));
    recordProducedModel(store, copy.run_id);
    expect(store.runs.get(copy.run_id).data.tags).toContainEqual({ key: 'mldesk.reproduction_of', value: original.run_id });

    const graph = LineageGraphSchema.parse(lineageGraph(store, original.run_id));
    const ids = graph.nodes.map((n) => n.id).sort();
    expect(ids).toEqual(['dataset:churn@3', `model:runs:/${copy.run_id}/model`, `model:runs:/${original.run_id}/model`, `run:${copy.run_id}`, `run:${original.run_id}`].sort());
    expect(graph.edges).toEqual(
      expect.arrayContaining([
        { from: 'dataset:churn@3', to: `run:${original.run_id}`, relation: 'trained_on' },
        { from: `run:${original.run_id}`, to: `model:runs:/${original.run_id}/model`, relation: 'produced' },
        { from: `run:${copy.run_id}`, to: `run:${original.run_id}`, relation: 'reproduces' },
        { from: 'dataset:churn@3', to: `run:${copy.run_id}`, relation: 'trained_on' },
      ]),
    );
    expect(graph.edges).toHaveLength(5);
    expect(graph.nodes.find((n) => n.id === `run:${original.run_id}`)).toMatchObject({ kind: 'run', label: 'original', detail: "RUNNING in 'Default'" });
    // The dataset version is not in this data directory: the node says so instead of vanishing.
    expect(graph.nodes.find((n) => n.kind === 'dataset')).toMatchObject({ label: 'churn@3', detail: 'missing from this data directory' });

    const plain = newRun('plain');
    expect(lineageGraph(store, plain.run_id)).toEqual({ nodes: [{ id: `run:${plain.run_id}`, kind: 'run', label: 'plain', detail: "RUNNING in 'Default'" }], edges: [] });
  });
});
