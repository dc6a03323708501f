import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { experimentSummaries } from './experiment-summaries.js';
import type { TrackingStore } from './tracking-store.js';
import { openTempStore, type TempStore } from './test-store.js';

let temp: TempStore;
let store: TrackingStore;
beforeEach(() => {
  temp = openTempStore('experiment-summaries');
  store = temp.store;
});
afterEach(() => temp.dispose());

describe('experimentSummaries', () => {
  it('counts active runs, carries tags and lists the most recently run first', () => {
    const quiet = store.experiments.create('Quiet one', undefined, [{ key: 'team', value: 'vision' }]);
    const busy = store.experiments.create('Busy one', undefined, []);
    store.createRun({ experimentId: busy, runName: 'a', startTime: Date.now() + 60_000, tags: [] });
    const deletedRun = store.createRun({ experimentId: busy, runName: 'b', tags: [] }).info.run_id;
    store.runs.setLifecycle(deletedRun, 'deleted');
    const listed = experimentSummaries(store.db, { search: 'one' });
    expect(listed.map((e) => e.experimentId)).toEqual([busy, quiet]);
    expect(listed[0]).toMatchObject({ name: 'Busy one', runCount: 1, tags: [] });
    expect(listed[1]).toMatchObject({ runCount: 0, lastRunTime: null, tags: [{ key: 'team', value: 'vision' }] });
  });

  it('searches names case-insensitively and separates deleted experiments by view type', () => {
    const gone = store.experiments.create('Gone', undefined, []);
    store.experiments.setLifecycle(gone, 'deleted');
    expect(experimentSummaries(store.db, { search: 'GON' })).toEqual([]);
    expect(experimentSummaries(store.db, { search: 'gon', viewType: 'DELETED_ONLY' }).map((e) => e.name)).toEqual(['Gone']);
    expect(experimentSummaries(store.db, { viewType: 'ALL' }).map((e) => e.name)).toContain('Gone');
  });
});
