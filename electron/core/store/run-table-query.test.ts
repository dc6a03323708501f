import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelRegistry } from '../registry/model-registry.js';
import { runColumns, runsPage } from './run-table-query.js';
import type { TrackingStore } from './tracking-store.js';
import { openTempStore, type TempStore } from './test-store.js';

let temp: TempStore;
let store: TrackingStore;
let experimentId: string;
beforeEach(() => {
  temp = openTempStore('run-table');
  store = temp.store;
  experimentId = store.experiments.create('table', undefined, []);
  for (const [name, lr, loss] of [['a', '0.1', 0.5], ['b', '0.2', Number.NaN], ['c', '0.3', 0.2]] as const) {
    const runId = store.createRun({ experimentId, runName: name, startTime: name.charCodeAt(0), tags: [] }).info.run_id;
    store.logBatch(runId, { metrics: [{ key: 'loss', value: loss, timestamp: 1, step: 0 }], params: [{ key: 'lr', value: lr }], tags: [{ key: 'team', value: name }] });
  }
});
afterEach(() => temp.dispose());

const noColumns = { params: [], metrics: [], tags: [] };

describe('runsPage', () => {
  it('answers one window of the sorted selection with the total, and only the asked columns', () => {
    const page = runsPage(store.db, {
      experimentIds: [experimentId],
      sort: [{ column: 'params.lr', ascending: false }],
      offset: 1,
      limit: 1,
      columns: { params: ['lr'], metrics: ['loss'], tags: [] },
    });
    expect(page.total).toBe(3);
    expect(page.rows).toHaveLength(1);
    expect(page.rows[0]).toMatchObject({ runName: 'b', params: { lr: '0.2' }, metrics: { loss: 'NaN' }, tags: {} });
  });

  it('with pickColumns, fills the default columns picked from the keys and answers both (a first visit in one request)', () => {
    const page = runsPage(store.db, { experimentIds: [experimentId], offset: 0, limit: 10, columns: noColumns, pickColumns: true });
    const keys = runColumns(store.db, [experimentId]);
    expect(page.picked).toEqual({ columns: { params: ['lr'], metrics: ['loss'], tags: [] }, keys });
    expect(page.rows.map((r) => [r.runName, r.params.lr, r.metrics.loss])).toEqual([['c', '0.3', 0.2], ['b', '0.2', 'NaN'], ['a', '0.1', 0.5]]);
    expect(runsPage(store.db, { experimentIds: [experimentId], offset: 0, limit: 10, columns: noColumns }).picked, 'only when asked').toBeUndefined();
  });

  it('filters with the MLflow search syntax and is empty for an experiment with no runs', () => {
    const filtered = runsPage(store.db, { experimentIds: [experimentId], filter: 'metrics.loss < 0.4', offset: 0, limit: 10, columns: { ...noColumns, tags: ['team'] } });
    expect(filtered.rows.map((r) => [r.runName, r.tags.team])).toEqual([['c', 'c']]);
    const empty = store.experiments.create('empty', undefined, []);
    expect(runsPage(store.db, { experimentIds: [empty], offset: 0, limit: 10, columns: noColumns })).toEqual({ total: 0, rows: [] });
  });
});

describe('runColumns', () => {
  it('lists the param, metric and tag keys of the experiments only', () => {
    const other = store.experiments.create('other', undefined, []);
    const runId = store.createRun({ experimentId: other, runName: 'x', tags: [] }).info.run_id;
    store.logBatch(runId, { metrics: [{ key: 'acc', value: 1, timestamp: 1, step: 0 }], params: [], tags: [] });
    expect(runColumns(store.db, [experimentId])).toMatchObject({ params: ['lr'], metrics: ['loss'], tags: expect.arrayContaining(['team']) as string[] });
    expect(runColumns(store.db, [other]).metrics).toEqual(['acc']);
    expect(runColumns(store.db, [])).toEqual({ ...noColumns, varying: { params: [], metrics: [] }, hasModels: false });
  });

  it('names the keys whose values differ between the experiment\'s runs, ignoring other experiments', () => {
    const runs = runsPage(store.db, { experimentIds: [experimentId], offset: 0, limit: 10, columns: noColumns }).rows;
    for (const run of runs) store.logBatch(run.runId, { metrics: [{ key: 'epochs_run', value: 10, timestamp: 1, step: 0 }], params: [{ key: 'batch_size', value: '32' }], tags: [] });
    // Another experiment's run with other values must not make these keys differ.
    const other = store.experiments.create('other', undefined, []);
    const stray = store.createRun({ experimentId: other, runName: 'x', tags: [] }).info.run_id;
    store.logBatch(stray, { metrics: [{ key: 'epochs_run', value: 3, timestamp: 1, step: 0 }], params: [{ key: 'batch_size', value: '8' }], tags: [] });
    const columns = runColumns(store.db, [experimentId]);
    expect(columns.params).toEqual(['batch_size', 'lr']);
    expect(columns.varying).toEqual({ params: ['lr'], metrics: ['loss'] });
  });
});

describe('registered models in the table', () => {
  it('lists each run\'s registered versions with their aliases, and runColumns says the experiment has some', () => {
    const rows = runsPage(store.db, { experimentIds: [experimentId], offset: 0, limit: 10, columns: noColumns }).rows;
    const c = rows.find((r) => r.runName === 'c')!;
    expect(runColumns(store.db, [experimentId]).hasModels).toBe(false);
    const registry = new ModelRegistry(store.db);
    registry.createModel('churn');
    registry.createVersion('churn', { source: `runs:/${c.runId}/model`, runId: c.runId });
    registry.createVersion('churn', { source: `runs:/${c.runId}/model`, runId: c.runId });
    registry.setAlias('churn', 'staging', 2);
    registry.setAlias('churn', 'shadow', 2);
    const again = runsPage(store.db, { experimentIds: [experimentId], offset: 0, limit: 10, columns: noColumns }).rows;
    expect(again.find((r) => r.runName === 'c')!.models).toEqual([
      { name: 'churn', version: '1', aliases: [] },
      { name: 'churn', version: '2', aliases: ['shadow', 'staging'] },
    ]);
    expect(again.find((r) => r.runName === 'a')!.models).toEqual([]);
    expect(runColumns(store.db, [experimentId]).hasModels).toBe(true);
  });
});
