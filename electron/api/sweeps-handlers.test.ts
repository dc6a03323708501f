import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SweepSpecSchema } from '../../shared/automation.js';
import { SweepStore } from '../core/automation/sweeps/sweep-store.js';
import { createServices } from '../core/services.js';
import { openTempStore, type TempStore } from '../core/store/test-store.js';
import { createSweepHandlers, SWEEP_BEST_TAG } from './sweeps-handlers.js';

const caller = { identity: 'ana', via: 'bearer' as const };
let temp: TempStore | undefined;
afterEach(() => {
  temp?.dispose();
  temp = undefined;
});

/** A finished sweep of two trials, trial 1 the best; `withModel` puts model/ artifacts in its run. */
function seed(withModel: boolean) {
  temp = openTempStore('sweep-handlers');
  const services = createServices({ store: temp.store });
  const { store } = services;
  const sweeps = new SweepStore(store.db);
  const parent = store.createRun({ experimentId: '0', runName: 'sweep', tags: [] }).info.run_id;
  const spec = SweepSpecSchema.parse({ name: 's', project: '/p', method: 'grid', metric: { name: 'loss', goal: 'minimize' }, parameters: { x: { values: [1, 2] } } });
  const id = sweeps.create({ name: 's', spec, runId: parent, experimentId: '0', jobId: null, parallel: 2 });
  const runs = [0, 1].map((number) => store.createRun({ experimentId: '0', runName: `t${number}`, tags: [] }).info.run_id);
  sweeps.addTrial(id, 0, { x: 1 }, { runId: runs[0], state: 'completed', value: 0.5, step: 3, endedAt: 1 });
  sweeps.addTrial(id, 1, { x: 2 }, { runId: runs[1], state: 'completed', value: 0.2, step: 3, endedAt: 2 });
  sweeps.setBest(id, 1);
  sweeps.finish(id, 'finished', null);
  if (withModel) {
    const root = store.artifacts.localDirOf(store.runs.get(runs[1]!).info.artifact_uri)!;
    mkdirSync(join(root, 'model'), { recursive: true });
    writeFileSync(join(root, 'model', 'MLmodel'), 'flavors: {}\n');
  }
  return { services, handlers: createSweepHandlers(services), id, runs: runs as [string, string], parent };
}

const tagsOf = (services: ReturnType<typeof seed>['services'], runId: string) => Object.fromEntries(services.store.runs.get(runId).data.tags!.map((tag) => [tag.key, tag.value]));

describe('sweeps app handlers', () => {
  it('promoteBest registers the best trial as a version of the named model and tags its run', async () => {
    const { services, handlers, id, runs, parent } = seed(true);
    const result = await handlers['sweeps.promoteBest']({ id, model: 'curve' }, caller);
    expect(result).toEqual({ runId: runs[1], trial: 1, registered: { name: 'curve', version: '1' }, tagged: true });
    const version = services.registry.getVersion('curve', '1');
    expect(version).toMatchObject({ run_id: runs[1], source: `runs:/${runs[1]}/model` });
    expect(tagsOf(services, runs[1])[SWEEP_BEST_TAG]).toContain('promoted by ana');
    expect(tagsOf(services, parent)['mldesk.promoted_run_id']).toBe(runs[1]);
  });

  it('promoteBest without a model only tags; with a model name but no logged model it says so and registers nothing', async () => {
    const { services, handlers, id, runs } = seed(false);
    await expect(Promise.resolve().then(() => handlers['sweeps.promoteBest']({ id, model: 'curve' }, caller))).rejects.toThrow("Field 'model': the best trial's run");
    expect(() => services.registry.getModel('curve')).toThrow();
    expect(await handlers['sweeps.promoteBest']({ id }, caller)).toMatchObject({ registered: null, tagged: true, trial: 1 });
    expect(tagsOf(services, runs[1])[SWEEP_BEST_TAG]).toBeDefined();
  });

  it('get answers trials, best so far and importance; create refuses a bad spec naming the field before anything exists', async () => {
    const { handlers, id } = seed(false);
    const { sweep } = await handlers['sweeps.get']({ id }, caller);
    expect(sweep.bestSoFar).toEqual([
      { trial: 0, value: 0.5, best: 0.5 },
      { trial: 1, value: 0.2, best: 0.2 },
    ]);
    expect(sweep.trials.map((trial) => trial.state)).toEqual(['completed', 'completed']);
    await expect(Promise.resolve().then(() => handlers['sweeps.create']({ spec: { project: '/nowhere', method: 'grid', metric: { name: 'l', goal: 'up' }, parameters: {} }, parallel: 2 }, caller))).rejects.toThrow('metric.goal');
    await expect(Promise.resolve().then(() => handlers['sweeps.create']({ spec: { project: 'relative', method: 'grid', metric: { name: 'l', goal: 'minimize' }, parameters: { x: { values: [1] } } }, parallel: 2 }, caller))).rejects.toThrow(
      "project: 'relative' must be an absolute path",
    );
    expect((await handlers['sweeps.list']({ limit: 10 }, caller)).sweeps).toHaveLength(1);
  });
});
