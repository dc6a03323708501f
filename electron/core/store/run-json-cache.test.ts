import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunJsonWriter } from './run-json.js';
import { searchRunsJson, type RunSearch } from './run-search.js';
import { TrackingStore } from './tracking-store.js';

let dir: string;
let store: TrackingStore;
let experimentId: string;
let runIds: string[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-run-json-cache-'));
  store = TrackingStore.open(dir);
  experimentId = store.experiments.create('cached', undefined, []);
  runIds = Array.from({ length: 8 }, (_, i) => {
    const id = store.createRun({ experimentId, runName: `run-${i}`, startTime: 1_700_000_000_000 + i, tags: [{ key: 'team', value: 'a' }] }).info.run_id;
    store.logBatch(id, {
      metrics: [
        { key: 'loss', value: 1 / (i + 1), timestamp: 1, step: 0 },
        { key: 'acc', value: i / 10, timestamp: 1, step: 0 },
      ],
      params: [{ key: 'lr', value: String(i) }],
      tags: [{ key: 'note', value: `n${i}` }],
    });
    return id;
  });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const everyRun = (): RunSearch => ({ experimentIds: [experimentId], viewType: 'ALL', maxResults: 1000, orderBy: ['metrics.acc DESC'] });

/** Searches through `writer` and checks the answer is the document built afresh from the database. */
function searchChecked(writer: RunJsonWriter, query = everyRun()): unknown {
  const answer = JSON.parse(searchRunsJson(store.db, writer, query).toString()) as unknown;
  expect(answer).toEqual(JSON.parse(JSON.stringify(store.searchRuns(query))));
  return answer;
}

describe('cached run documents', () => {
  it('are built once, then rebuilt for exactly the runs each kind of write changed', () => {
    const writer = new RunJsonWriter(store.db);
    searchChecked(writer);
    expect(writer.builtDocuments).toBe(8);
    searchChecked(writer);
    expect(writer.builtDocuments).toBe(8);

    const [a, b] = [runIds[2]!, runIds[5]!];
    const writes: Array<[string, () => void, number]> = [
      ['one metric point', () => store.logBatch(a, { metrics: [{ key: 'acc', value: 0.99, timestamp: 2, step: 1 }], params: [], tags: [] }), 1],
      ['a batch of new keys', () => store.logBatch(a, { metrics: [1, 2, 3].map((k) => ({ key: `k${k}`, value: k, timestamp: 2, step: 0 })), params: [], tags: [] }), 1],
      ['a param', () => store.logBatch(b, { metrics: [], params: [{ key: 'depth', value: '3' }], tags: [] }), 1],
      ['a tag', () => store.setTag(b, { key: 'team', value: 'b' }), 1],
      ['a tag deleted', () => store.runData.deleteTag(b, 'note'), 1],
      ['a rename through the run name tag', () => store.setTag(a, { key: 'mlflow.runName', value: 'renamed' }), 1],
      ['a status and end time', () => store.updateRun(a, { status: 'FINISHED', endTime: 1_700_000_100_000 }), 1],
      ['a delete', () => store.runs.setLifecycle(b, 'deleted'), 1],
      ['a restore', () => store.runs.setLifecycle(b, 'active'), 1],
      ['dataset inputs', () => store.logInputs(a, [{ tags: [{ key: 'mlflow.data.context', value: 'train' }], dataset: { name: 'iris', digest: 'd1', source_type: 'local', source: 'x' } }]), 1],
      ['an older point, which changes nothing shown', () => store.logBatch(a, { metrics: [{ key: 'acc', value: 0.1, timestamp: 0, step: 0 }], params: [], tags: [] }), 1],
      ['the experiment deleted (every run with it)', () => store.experiments.setLifecycle(experimentId, 'deleted'), 8],
    ];
    for (const [what, write, changedRuns] of writes) {
      const before = writer.builtDocuments;
      write();
      searchChecked(writer);
      expect(writer.builtDocuments - before, what).toBe(changedRuns);
    }
    const answer = searchChecked(writer) as { runs: Array<{ info: { run_id: string; run_name: string; lifecycle_stage: string } }> };
    expect(answer.runs.find((run) => run.info.run_id === a)!.info.run_name).toBe('renamed');
    expect(answer.runs.every((run) => run.info.lifecycle_stage === 'deleted')).toBe(true);
  });

  it('show writes made through another connection to the same file, as another process makes them', () => {
    const writer = new RunJsonWriter(store.db);
    searchChecked(writer);
    const other = TrackingStore.open(dir);
    try {
      other.logBatch(runIds[0]!, { metrics: [{ key: 'acc', value: 0.75, timestamp: 3, step: 7 }], params: [], tags: [] });
      other.updateRun(runIds[1]!, { status: 'KILLED' });
      other.logBatch(runIds[2]!, { metrics: [], params: [{ key: 'seed', value: '1' }], tags: [{ key: 'team', value: 'z' }] });
    } finally {
      other.close();
    }
    const answer = searchChecked(writer) as { runs: Array<{ info: { run_id: string; status: string }; data: { metrics: Array<{ key: string; value: number; step: number }> } }> };
    expect(writer.builtDocuments).toBe(11);
    const first = answer.runs.find((run) => run.info.run_id === runIds[0]);
    expect(first!.data.metrics.find((m) => m.key === 'acc')).toMatchObject({ value: 0.75, step: 7 });
    expect(answer.runs.find((run) => run.info.run_id === runIds[1])!.info.status).toBe('KILLED');
  });

  it('answer whole pages right when the cache holds fewer documents than a page', () => {
    // About two documents fit: most of every page is built again.
    const writer = new RunJsonWriter(store.db, 1500);
    searchChecked(writer);
    searchChecked(writer, { ...everyRun(), maxResults: 3 });
    searchChecked(writer);
    expect(writer.builtDocuments).toBeGreaterThan(16);
  });
});
