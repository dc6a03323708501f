import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../shared/app-api/events.js';
import { addEdge } from '../core/lineage/edges.js';
import { createServices } from '../core/services.js';
import { TrackingStore } from '../core/store/tracking-store.js';
import { writeRunArtifact } from '../core/training/run-records.js';
import { createAppHandlers, type AppHandlers } from './app-handlers.js';
import { dispatch } from './dispatch.js';
import { previousVersion } from '../../shared/app-api/models.js';
import { osUser, type Caller } from '../core/caller-identity.js';

let dir: string;
let store: TrackingStore;
let handlers: AppHandlers;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-model-handlers-'));
  store = TrackingStore.open(dir);
  handlers = createAppHandlers(createServices({ store }));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A finished run with final metrics and (unless told otherwise) model files, as training leaves it. */
async function trainedRun(name: string, metrics: Record<string, number>, options: { model?: boolean } = {}): Promise<string> {
  const experimentId = store.experiments.create(`models-${name}`, undefined, []);
  const run = store.createRun({ experimentId, runName: name, tags: [] });
  const runId = run.info.run_id;
  store.logBatch(runId, {
    metrics: [
      ...Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp: Date.now(), step: 3 })),
      { key: 'system/cpu_percent', value: 40, timestamp: Date.now(), step: 0 },
    ],
    params: [],
    tags: [],
  });
  if (options.model !== false) await writeRunArtifact(store, runId, 'model/model.json', '{}');
  return runId;
}

async function call<T>(name: string, input: unknown, caller?: Caller): Promise<T> {
  const result = await dispatch(handlers, name, input, caller);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

async function refusal(name: string, input: unknown, caller?: Caller): Promise<{ code: string; message: string }> {
  const result = await dispatch(handlers, name, input, caller);
  if (result.ok) throw new Error(`${name} should have been refused`);
  return result.error;
}

describe('models.register', () => {
  it('registers a run’s model as version 1 of a new model, then version 2 of an existing one', async () => {
    const first = await trainedRun('a', { val_accuracy: 0.8 });
    const second = await trainedRun('b', { val_accuracy: 0.9 });
    expect(await call('models.register', { runId: first, name: 'iris' })).toEqual({ name: 'iris', version: '1', createdModel: true });
    expect(await call('models.register', { runId: second, name: 'iris' })).toEqual({ name: 'iris', version: '2', createdModel: false });
    const { versions } = await call<{ versions: Array<{ version: string; run: { runId: string; runName: string } }> }>('models.get', { name: 'iris' });
    expect(versions.map((v) => [v.version, v.run.runName])).toEqual([
      ['2', 'b'],
      ['1', 'a'],
    ]);
  });

  it('refuses a run without model files, and names the field of a bad input', async () => {
    const runId = await trainedRun('logged-only', { loss: 1 }, { model: false });
    expect(await refusal('models.register', { runId, name: 'iris' })).toMatchObject({ code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("Field 'runId': run logged-only has no model") });
    expect((await refusal('models.register', { runId, name: '  ' })).message).toBe("Field 'name': is required");
    expect((await refusal('models.register', { runId: 'nope', name: 'x' })).code).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});

describe('models.get', () => {
  it('shows each version’s run, the dataset version it trained on, its final metrics (no system ones) and its reviews', async () => {
    const runId = await trainedRun('with-data', { val_accuracy: 0.93, loss: 0.2 });
    addEdge(store.db, { sourceKind: 'dataset_version', sourceId: 'iris@2', targetKind: 'run', targetId: runId, relation: 'trained_on' });
    await call('models.register', { runId, name: 'iris' });
    await call('models.review', { name: 'iris', version: '1', decision: 'rejected', comment: 'too few rows', reviewer: 'ana' });
    await call('models.review', { name: 'iris', version: '1', decision: 'approved', comment: '  looks right  ' });
    const { model, versions } = await call<{ model: Record<string, unknown>; versions: Array<Record<string, unknown>> }>('models.get', { name: 'iris' });
    expect(model).toMatchObject({ name: 'iris', versionCount: 1, latestVersion: '1', championVersion: null, championApproval: null, latestApproval: 'approved' });
    expect(versions[0]).toMatchObject({
      version: '1',
      run: { runId, runName: 'with-data', status: 'RUNNING' },
      datasets: [{ ref: 'iris@2', name: 'iris', version: 2, sha256: null, rows: null }],
      metrics: { val_accuracy: 0.93, loss: 0.2 },
      approval: 'approved',
      reviews: [
        { reviewerIdentity: osUser(), reviewerDisplay: 'ana', decision: 'rejected', comment: 'too few rows' },
        { reviewerIdentity: osUser(), reviewerDisplay: '', decision: 'approved', comment: 'looks right' },
      ],
    });
    expect(versions[0]!.metrics).not.toHaveProperty('system/cpu_percent');
    expect((await refusal('models.get', { name: 'nope' })).code).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});

describe('promotion, rollback and the audit trail', () => {
  async function threeVersions(): Promise<void> {
    for (const [i, accuracy] of [0.8, 0.85, 0.9].entries()) await call('models.register', { runId: await trainedRun(`r${i}`, { val_accuracy: accuracy }), name: 'churn' });
  }

  it('refuses champion for an unreviewed or rejected version, naming the approval, and allows it once approved', async () => {
    await threeVersions();
    const refused = await refusal('models.setAlias', { name: 'churn', alias: 'champion', version: '1', reason: 'first' });
    expect(refused.message).toMatch(/needs an approval first and has no review/);
    // The page says so before anyone tries: each version carries the reason it may not be champion.
    const refusalOf = async (version: string) => (await call<{ versions: Array<{ version: string; championRefusal: string | null }> }>('models.get', { name: 'churn' })).versions.find((v) => v.version === version)!.championRefusal;
    expect(await refusalOf('1')).toBe('it needs an approval first and has no review');
    await call('models.review', { name: 'churn', version: '1', decision: 'rejected', reviewer: 'bo' });
    expect((await refusal('models.setAlias', { name: 'churn', alias: 'champion', version: '1', reason: 'first' })).message).toContain('rejected it');
    expect(await refusalOf('1')).toMatch(/its latest review \(by .+\) rejected it/);
    await call('models.review', { name: 'churn', version: '1', decision: 'approved', reviewer: 'bo' });
    expect(await refusalOf('1')).toBeNull();
    expect(await call('models.setAlias', { name: 'churn', alias: 'champion', version: '1', reason: 'first' })).toEqual({ fromVersion: null, toVersion: '1' });
    // Other aliases need no approval.
    expect(await call('models.setAlias', { name: 'churn', alias: 'challenger', version: '3', reason: 'shadow it' })).toEqual({ fromVersion: null, toVersion: '3' });
    expect((await refusal('models.setAlias', { name: 'churn', alias: 'champion', version: '2', reason: '' })).message).toBe("Field 'reason': is required: say why, for the audit trail");
    expect((await refusal('models.setAlias', { name: 'churn', alias: 'no spaces', version: '2', reason: 'x' })).message).toContain("Field 'alias'");
  });

  it('rolls the champion back step by step, each move in the trail with who, when, from, to and why', async () => {
    await threeVersions();
    for (const version of ['1', '2', '3']) {
      await call('models.review', { name: 'churn', version, decision: 'approved', reviewer: 'bo' });
      await call('models.setAlias', { name: 'churn', alias: 'champion', version, reason: `ship v${version}` });
    }
    expect(await call('models.rollback', { name: 'churn', reason: 'v3 drifts' })).toEqual({ fromVersion: '3', toVersion: '2' });
    expect(await call('models.rollback', { name: 'churn', reason: 'v2 too' })).toEqual({ fromVersion: '2', toVersion: '1' });
    expect((await refusal('models.rollback', { name: 'churn', reason: 'again' })).message).toContain('no earlier version to roll back to');

    const { total, entries } = await call<{ total: number; entries: Array<Record<string, unknown>> }>('models.aliasHistory', { name: 'churn', limit: 2 });
    expect(total).toBe(5);
    expect(entries).toEqual([
      { alias: 'champion', fromVersion: '2', toVersion: '1', actorIdentity: osUser(), actorDisplay: '', reason: '[rollback] v2 too', time: expect.any(Number) },
      { alias: 'champion', fromVersion: '3', toVersion: '2', actorIdentity: osUser(), actorDisplay: '', reason: '[rollback] v3 drifts', time: expect.any(Number) },
    ]);
    const { models } = await call<{ models: Array<Record<string, unknown>> }>('models.list', {});
    expect(models[0]).toMatchObject({ name: 'churn', championVersion: '1', championApproval: 'approved', championPrevious: null, latestVersion: '3', versionCount: 3 });
  });

  it('reads the trail as a stack: promote pushes, rollback pops, removal clears', () => {
    const move = (toVersion: string | null, reason = 'x') => ({ alias: 'champion', fromVersion: null, toVersion, actorIdentity: 'a', actorDisplay: '', reason, time: 0 });
    expect(previousVersion([move('1'), move('2'), move('3')], 'champion')).toBe('2');
    expect(previousVersion([move('1'), move('2'), move('3'), move('2', '[rollback] bad')], 'champion')).toBe('1');
    expect(previousVersion([move('1'), move(null), move('2')], 'champion')).toBeNull();
    expect(previousVersion([move('1'), move('1'), move('2')], 'champion')).toBe('1');
    expect(previousVersion([move('1'), move('2')], 'challenger')).toBeNull();
  });

  it('tells listeners a model changed, and lists models by name search, most recently changed first', async () => {
    const events: AppEvent[] = [];
    const off = store.events.subscribe((event) => events.push(event));
    await call('models.register', { runId: await trainedRun('x', { loss: 1 }), name: 'fraud-detector' });
    await call('models.register', { runId: await trainedRun('y', { loss: 1 }), name: 'churn' });
    await expect.poll(() => events.filter((e) => e.type === 'models.changed').length).toBeGreaterThan(0);
    off();
    const all = await call<{ total: number; models: Array<{ name: string }> }>('models.list', {});
    expect(all.models.map((m) => m.name)).toEqual(['churn', 'fraud-detector']);
    const found = await call<{ total: number; models: Array<{ name: string; latestApproval: string }> }>('models.list', { search: 'FRAUD' });
    expect(found).toMatchObject({ total: 1, models: [{ name: 'fraud-detector', latestApproval: 'pending' }] });
  });
});

describe('who reviews, and four-eyes', () => {
  it('records the caller as the reviewer and the typed name as display only; refuses champion to an author-only approval once four-eyes is on', async () => {
    const ana: Caller = { identity: 'ana', via: 'bearer' };
    const bo: Caller = { identity: 'bo', via: 'bearer' };
    await call('models.register', { runId: await trainedRun('a', { loss: 1 }), name: 'churn' }, ana);
    const { review } = await call<{ review: Record<string, unknown> }>('models.review', { name: 'churn', version: '1', decision: 'approved', reviewer: 'bo' }, ana);
    expect(review).toMatchObject({ reviewerIdentity: 'ana', reviewerDisplay: 'bo' });

    expect(await call('models.updateSettings', { fourEyes: true }, bo)).toEqual({ settings: { fourEyes: true, updatedBy: 'bo', updatedTime: expect.any(Number) } });
    const { versions, settings } = await call<{ versions: Array<{ authors: string[] }>; settings: { fourEyes: boolean } }>('models.get', { name: 'churn' });
    expect(settings.fourEyes).toBe(true);
    expect(versions[0]!.authors).toEqual(['ana']);
    expect((versions[0] as { championRefusal?: string }).championRefusal).toMatch(/^four-eyes review is on/);
    const refused = await refusal('models.setAlias', { name: 'churn', alias: 'champion', version: '1', reason: 'ship' }, ana);
    expect(refused.message).toMatch(/^Field 'version': churn v1 cannot be champion: four-eyes review is on: a reviewer must differ from the version's author \(ana\)/);

    await call('models.review', { name: 'churn', version: '1', decision: 'approved' }, bo);
    expect(await call('models.setAlias', { name: 'churn', alias: 'champion', version: '1', reason: 'ship' }, ana)).toEqual({ fromVersion: null, toVersion: '1' });
    const { entries } = await call<{ entries: Array<Record<string, unknown>> }>('models.aliasHistory', { name: 'churn' });
    expect(entries[0]).toMatchObject({ actorIdentity: 'ana', actorDisplay: '' });
    expect((await refusal('models.updateSettings', { fourEyes: 'yes' })).message).toBe("Field 'fourEyes': must be true or false");
  });
});
