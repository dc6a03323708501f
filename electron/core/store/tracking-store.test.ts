import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MLDeskError } from '../errors.js';
import { TrackingStore } from './tracking-store.js';

let dir: string;
let store: TrackingStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-store-'));
  store = TrackingStore.open(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function newRun(name = 'r') {
  const experimentId = store.experiments.create(`exp-${name}-${Math.random()}`, undefined, []);
  return store.createRun({ experimentId, runName: name, tags: [] }).info.run_id;
}

describe('TrackingStore', () => {
  it('keeps the MLflow "latest" value per key: highest step, then timestamp, then value', () => {
    const runId = newRun();
    store.logBatch(runId, {
      metrics: [
        { key: 'loss', value: 0.5, timestamp: 10, step: 5 },
        { key: 'loss', value: 0.9, timestamp: 99, step: 1 },
        { key: 'loss', value: 0.4, timestamp: 10, step: 5 },
      ],
      params: [],
      tags: [],
    });
    store.logBatch(runId, { metrics: [{ key: 'loss', value: 0.7, timestamp: 5, step: 4 }], params: [], tags: [] });
    const latest = store.runs.get(runId).data.metrics.find((m) => m.key === 'loss');
    expect(latest).toEqual({ key: 'loss', value: 0.5, timestamp: 10, step: 5 });
    expect(store.runData.metricHistory(runId, 'loss', undefined, undefined).metrics).toHaveLength(4);
  });

  it('stores NaN and infinities and returns them spelled as MLflow does', () => {
    const runId = newRun();
    store.logBatch(runId, {
      metrics: [
        { key: 'a', value: NaN, timestamp: 1, step: 0 },
        { key: 'b', value: Infinity, timestamp: 1, step: 0 },
        { key: 'c', value: -Infinity, timestamp: 1, step: 0 },
      ],
      params: [],
      tags: [],
    });
    const values = Object.fromEntries(store.runs.get(runId).data.metrics.map((m) => [m.key, m.value]));
    expect(values).toEqual({ a: 'NaN', b: 'Infinity', c: '-Infinity' });
  });

  it('writes nothing of a batch when one param conflicts with a stored value', () => {
    const runId = newRun();
    store.logBatch(runId, { metrics: [], params: [{ key: 'lr', value: '0.1' }], tags: [] });
    expect(() =>
      store.logBatch(runId, {
        metrics: [{ key: 'acc', value: 1, timestamp: 1, step: 0 }],
        params: [{ key: 'lr', value: '0.2' }],
        tags: [{ key: 'note', value: 'x' }],
      }),
    ).toThrow(/Changing param values is not allowed.*lr/);
    const run = store.runs.get(runId);
    expect(run.data.metrics).toEqual([]);
    expect(run.data.tags.find((t) => t.key === 'note')).toBeUndefined();
    expect(run.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
  });

  it('renames the run when the mlflow.runName tag is set', () => {
    const runId = newRun('before');
    store.setTag(runId, { key: 'mlflow.runName', value: 'after' });
    expect(store.runs.get(runId).info.run_name).toBe('after');
  });

  it('refuses to log to a deleted run with INVALID_PARAMETER_VALUE', () => {
    const runId = newRun();
    store.runs.setLifecycle(runId, 'deleted');
    try {
      store.logBatch(runId, { metrics: [], params: [{ key: 'k', value: 'v' }], tags: [] });
      expect.fail('logging to a deleted run must throw');
    } catch (error) {
      expect(error).toBeInstanceOf(MLDeskError);
      expect((error as MLDeskError).code).toBe('INVALID_PARAMETER_VALUE');
      expect((error as MLDeskError).message).toMatch(/must be in the 'active' state/);
    }
  });

  it('searches with filters and orders missing metrics last', () => {
    const experimentId = store.experiments.create('search', undefined, []);
    const ids: string[] = [];
    for (const [i, acc] of [0.3, 0.9, 0.6].entries()) {
      const runId = store.createRun({ experimentId, runName: `r${i}`, startTime: 1000 + i, tags: [] }).info.run_id;
      store.logBatch(runId, { metrics: [{ key: 'acc', value: acc, timestamp: 1, step: 0 }], params: [{ key: 'model', value: i % 2 ? 'mlp' : 'tree' }], tags: [] });
      ids.push(runId);
    }
    store.createRun({ experimentId, runName: 'no-metric', startTime: 2000, tags: [] });
    const ordered = store.searchRuns({ experimentIds: [experimentId], viewType: 'ACTIVE_ONLY', maxResults: 10, orderBy: ['metrics.acc DESC'] });
    expect(ordered.runs.map((r) => r.info.run_name)).toEqual(['r1', 'r2', 'r0', 'no-metric']);
    const filtered = store.searchRuns({
      experimentIds: [experimentId],
      viewType: 'ACTIVE_ONLY',
      maxResults: 10,
      orderBy: [],
      filter: "metrics.acc >= 0.6 AND params.model LIKE 'ml%'",
    });
    expect(filtered.runs.map((r) => r.info.run_name)).toEqual(['r1']);
  });

  it('LIKE is case-sensitive and ILIKE is not, as in MLflow', () => {
    const experimentId = store.experiments.create('case', undefined, []);
    store.createRun({ experimentId, runName: 'Alpha', tags: [] });
    const search = (filter: string) =>
      store.searchRuns({ experimentIds: [experimentId], viewType: 'ALL', maxResults: 10, orderBy: [], filter }).runs.length;
    expect(search("attributes.run_name LIKE 'alp%'")).toBe(0);
    expect(search("attributes.run_name LIKE 'Alp%'")).toBe(1);
    expect(search("attributes.run_name ILIKE 'alp%'")).toBe(1);
  });
});
