import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MLDeskError } from '../errors.js';
import { TrackingStore } from '../store/tracking-store.js';
import { ModelRegistry } from './model-registry.js';

let dir: string;
let store: TrackingStore;
let registry: ModelRegistry;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-registry-'));
  store = TrackingStore.open(dir);
  registry = new ModelRegistry(store.db);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function newRun(): { runId: string; artifactUri: string } {
  const experimentId = store.experiments.create(`exp-${Math.random()}`, undefined, []);
  const info = store.createRun({ experimentId, runName: 'train', tags: [] }).info;
  return { runId: info.run_id, artifactUri: info.artifact_uri };
}

function errorOf(action: () => unknown): MLDeskError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(MLDeskError);
    return error as MLDeskError;
  }
  throw new Error('expected an MLDeskError');
}

describe('ModelRegistry', () => {
  it('bumps the registry change counter on every change a model server resolves by, and only those', () => {
    const generation = () => (store.db.prepare('SELECT generation FROM registry_state').get() as { generation: number }).generation;
    const { runId } = newRun();
    const steps: [string, () => void, boolean][] = [
      ['create model', () => registry.createModel('churn'), false],
      ['create version', () => registry.createVersion('churn', { source: `runs:/${runId}/model` }), true],
      ['set alias', () => registry.setAlias('churn', 'staging', 1), true],
      ['tag a version', () => registry.setVersionTag('churn', 1, 'k', 'v'), false],
      ['log a metric', () => store.logBatch(runId, { metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }], params: [], tags: [] }), false],
      ['move alias', () => registry.setAlias('churn', 'staging', 1), true],
      ['delete alias', () => registry.deleteAlias('churn', 'staging'), true],
      ['rename model', () => registry.renameModel('churn', 'churn2'), true],
    ];
    for (const [what, step, bumps] of steps) {
      const before = generation();
      step();
      expect(generation() > before, what).toBe(bumps);
    }
  });

  it('numbers versions 1, 2, 3 per model and never reuses a deleted number', () => {
    const { runId } = newRun();
    registry.createModel('churn');
    registry.createModel('fraud');
    expect(registry.createVersion('churn', { source: `runs:/${runId}/model` }).version).toBe('1');
    expect(registry.createVersion('churn', { source: `runs:/${runId}/model` }).version).toBe('2');
    expect(registry.createVersion('fraud', { source: `runs:/${runId}/model` }).version).toBe('1');
    registry.deleteVersion('churn', '2');
    const third = registry.createVersion('churn', { source: `runs:/${runId}/model` });
    expect(third).toMatchObject({ version: '3', run_id: runId, status: 'READY', current_stage: 'None' });
  });

  it('takes the run from a runs:/ source, accepts the run artifact URI, and refuses unknown runs', () => {
    const { runId, artifactUri } = newRun();
    registry.createModel('m');
    expect(registry.createVersion('m', { source: `runs:/${runId}/model` }).run_id).toBe(runId);
    expect(registry.createVersion('m', { source: `${artifactUri}/model`, runId }).source).toBe(`${artifactUri}/model`);
    expect(registry.downloadUri('m', 1)).toBe(`${artifactUri}/model`);
    expect(errorOf(() => registry.createVersion('m', { source: 'runs:/0123456789abcdef0123456789abcdef/model' })).code).toBe('RESOURCE_DOES_NOT_EXIST');
    const outside = errorOf(() => registry.createVersion('m', { source: '/somewhere/else', runId }));
    expect(outside.code).toBe('INVALID_PARAMETER_VALUE');
    expect(outside.message).toContain("'source'");
  });

  it('refuses a duplicate model name and reports missing models and versions', () => {
    registry.createModel('dup');
    expect(errorOf(() => registry.createModel('dup')).code).toBe('RESOURCE_ALREADY_EXISTS');
    expect(errorOf(() => registry.getModel('nope')).code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(errorOf(() => registry.getVersion('dup', 7)).message).toBe('Model Version (name=dup, version=7) not found');
    expect(errorOf(() => registry.getVersion('dup', 'x')).message).toContain("'version'");
  });

  it('archives the other Production versions when asked, and lists the newest per stage', () => {
    const { runId } = newRun();
    registry.createModel('m');
    for (let i = 0; i < 3; i++) registry.createVersion('m', { source: `runs:/${runId}/model` });
    registry.transitionStage('m', 1, 'Production', false);
    registry.transitionStage('m', 2, 'production', false);
    expect(registry.latestVersions('m', ['Production']).map((v) => v.version)).toEqual(['2']);
    registry.transitionStage('m', 3, 'Production', true);
    const stages = Object.fromEntries([1, 2, 3].map((v) => [v, registry.getVersion('m', v).current_stage]));
    expect(stages).toEqual({ 1: 'Archived', 2: 'Archived', 3: 'Production' });
    expect(registry.getModel('m').latest_versions.map((v) => [v.version, v.current_stage])).toEqual([
      ['2', 'Archived'],
      ['3', 'Production'],
    ]);
    expect(errorOf(() => registry.transitionStage('m', 1, 'Archived', true)).code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('gives champion only to an approved version and audits every alias move', () => {
    const { runId } = newRun();
    registry.createModel('m');
    registry.createVersion('m', { source: `runs:/${runId}/model` });
    registry.createVersion('m', { source: `runs:/${runId}/model` });
    expect(errorOf(() => registry.setAlias('m', 'champion', 1, { actor: 'ana' })).message).toMatch(/needs an approval first/);
    registry.approvals.review('m', 1, { reviewer: 'bo', decision: 'approved', gates: { accuracy: { min: 0.8, value: 0.91 } } });
    registry.setAlias('m', 'champion', 1, { actor: 'ana', reason: 'first release' });
    registry.approvals.review('m', 2, { reviewer: 'bo', decision: 'rejected', comment: 'overfits' });
    expect(errorOf(() => registry.setAlias('m', 'champion', 2)).message).toMatch(/rejected/);
    registry.setAlias('m', 'challenger', 2);
    registry.deleteAlias('m', 'challenger', { actor: 'cy' });
    expect(registry.versionByAlias('m', 'champion').version).toBe('1');
    expect(registry.getModel('m').aliases).toEqual([{ alias: 'champion', version: '1' }]);
    expect(registry.approvals.reviews('m', 1)[0]!.gates).toEqual({ accuracy: { min: 0.8, value: 0.91 } });
    expect(registry.aliasHistory('m').map((e) => [e.alias, e.from_version, e.to_version, e.actor_identity, e.reason])).toEqual([
      ['champion', null, '1', 'ana', 'first release'],
      ['challenger', null, '2', 'unknown', ''],
      ['challenger', '2', null, 'cy', ''],
    ]);
    registry.setAlias('m', 'shadow', 2, { actor: 'dee' });
    registry.deleteVersion('m', 2, { actor: 'dee' });
    expect(registry.aliasHistory('m').at(-1)).toMatchObject({ alias: 'shadow', from_version: '2', to_version: null, actor_identity: 'dee', reason: 'version 2 deleted' });
    expect(registry.getModel('m').aliases).toEqual([{ alias: 'champion', version: '1' }]);
  });

  it('reads one page of a long alias trail, newest first, without loading the rest', () => {
    const { runId } = newRun();
    registry.createModel('m');
    registry.createVersion('m', { source: `runs:/${runId}/model` });
    for (let i = 0; i < 300; i++) registry.setAlias('m', 'shadow', 1, { actor: 'ana', reason: `move ${i}` });
    const page = registry.aliasHistoryPage('m', 10, 3);
    expect(page.total).toBe(300);
    expect(page.entries.map((e) => e.reason)).toEqual(['move 289', 'move 288', 'move 287']);
    expect(registry.aliasHistoryPage('m', 299, 50).entries.map((e) => e.reason)).toEqual(['move 0']);
    expect(errorOf(() => registry.aliasHistoryPage('nope', 0, 1)).code).toBe('RESOURCE_DOES_NOT_EXIST');
    // A rollback reads one alias's trail only.
    registry.setAlias('m', 'canary', 1, { actor: 'bo', reason: 'try' });
    expect(registry.aliasHistory('m', 'canary').map((e) => e.reason)).toEqual(['try']);
  });

  it('searches models by name pattern with pages, and versions by run', () => {
    const { runId } = newRun();
    const other = newRun().runId;
    for (const name of ['churn-a', 'churn-b', 'Churn-c', 'fraud']) registry.createModel(name);
    const first = registry.searchModels({ filter: "name LIKE 'churn%'", maxResults: 1, orderBy: [] });
    expect(first.registered_models.map((m) => m.name)).toEqual(['churn-a']);
    const second = registry.searchModels({ filter: "name LIKE 'churn%'", maxResults: 1, orderBy: [], pageToken: first.next_page_token });
    expect(second.registered_models.map((m) => m.name)).toEqual(['churn-b']);
    expect(second.next_page_token).toBeUndefined();
    expect(registry.searchModels({ filter: "name = 'fraud'", maxResults: 10, orderBy: [] }).registered_models).toHaveLength(1);
    registry.createVersion('fraud', { source: `runs:/${runId}/model` });
    registry.createVersion('fraud', { source: `runs:/${other}/model` });
    const found = registry.searchVersions({ filter: `name='fraud' AND run_id='${other}'`, maxResults: 10, orderBy: [] });
    expect(found.model_versions.map((v) => v.version)).toEqual(['2']);
    expect(errorOf(() => registry.searchModels({ filter: 'owner = 1', maxResults: 10, orderBy: [] })).code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('renames a model with its versions and deletes it with everything in it', () => {
    const { runId } = newRun();
    registry.createModel('old', { tags: [{ key: 'team', value: 'x' }] });
    registry.createVersion('old', { source: `runs:/${runId}/model` });
    registry.renameModel('old', 'new');
    expect(registry.getVersion('new', 1).name).toBe('new');
    expect(errorOf(() => registry.getModel('old')).code).toBe('RESOURCE_DOES_NOT_EXIST');
    registry.setAlias('new', 'shadow', 1, { actor: 'ana' });
    registry.deleteModel('new', { actor: 'bo' });
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM model_versions').get()).toEqual({ n: 0 });
    const trail = store.db.prepare('SELECT model_id, model_name, from_version, to_version, actor_identity, reason FROM alias_audit ORDER BY audit_pk').all();
    expect(trail.at(-1)).toEqual({ model_id: null, model_name: 'new', from_version: 1, to_version: null, actor_identity: 'bo', reason: 'model deleted' });
  });
});
