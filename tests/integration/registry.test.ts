/**
 * The model registry over a real `mldesk serve`, with request bodies shaped as MLflow's
 * MlflowClient sends them (versions as strings, DELETE with a JSON body, GET in the query string),
 * plus MLDesk's approvals, champion gate, alias audit trail and `mldesk models approve`.
 */
import { describe, expect, it } from 'vitest';
import { createExperiment, createRun, expectMlflowError, type WireKeyValue } from './mlflow-fixtures.js';
import { userInfo } from 'node:os';
import { runCli, uniqueName, useServer, type ServerProcess } from './server-process.js';

/** A token-less loopback server records the OS user it runs as (the same user as this test). */
const OS_USER = userInfo().username;

let server: ServerProcess;
let experimentId: string;

useServer(async (started) => {
  server = started;
  experimentId = await createExperiment(server);
});

interface WireModelVersion {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  current_stage: string;
  description: string;
  source: string;
  run_id: string;
  status: string;
  tags?: WireKeyValue[];
  aliases?: string[];
}

interface WireRegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description: string;
  latest_versions?: WireModelVersion[];
  tags?: WireKeyValue[];
  aliases?: Array<{ alias: string; version: string }>;
}

const MLDESK = '/api/2.0/mldesk';

async function createModel(name = uniqueName('model'), extra: Record<string, unknown> = {}): Promise<WireRegisteredModel> {
  const res = await server.post<{ registered_model: WireRegisteredModel }>('registered-models/create', { name, tags: [], ...extra });
  expect(res.status, res.text).toBe(200);
  return res.body.registered_model;
}

async function newRunId(): Promise<string> {
  return (await createRun(server, experimentId)).info.run_id;
}

async function createVersion(name: string, runId: string): Promise<WireModelVersion> {
  const res = await server.post<{ model_version: WireModelVersion }>('model-versions/create', {
    name,
    source: `runs:/${runId}/model`,
    run_id: runId,
    tags: [],
  });
  expect(res.status, res.text).toBe(200);
  return res.body.model_version;
}

async function getVersion(name: string, version: string): Promise<WireModelVersion> {
  const res = await server.get<{ model_version: WireModelVersion }>('model-versions/get', { name, version });
  expect(res.status, res.text).toBe(200);
  return res.body.model_version;
}

const review = (name: string, version: string, decision: string, reviewer = 'bo') =>
  server.post(`${MLDESK}/model-versions/review`, { name, version, reviewer, decision, comment: `${decision} by ${reviewer}` });

describe('model registry', () => {
  it('creates a model and versions 1, 2 from runs:/ sources and reads them back', async () => {
    const name = uniqueName('churn');
    const created = await createModel(name, { description: 'churn classifier', tags: [{ key: 'team', value: 'growth' }] });
    expect(created).toMatchObject({ name, description: 'churn classifier', tags: [{ key: 'team', value: 'growth' }] });
    const runId = await newRunId();
    const v1 = await createVersion(name, runId);
    expect(v1).toMatchObject({ name, version: '1', current_stage: 'None', status: 'READY', run_id: runId, source: `runs:/${runId}/model` });
    expect((await createVersion(name, runId)).version).toBe('2');

    const got = await server.get<{ registered_model: WireRegisteredModel }>('registered-models/get', { name });
    expect(got.status, got.text).toBe(200);
    expect(got.body.registered_model.latest_versions?.map((v) => v.version)).toEqual(['2']);

    const uri = await server.get<{ artifact_uri: string }>('model-versions/get-download-uri', { name, version: '1' });
    expect(uri.status, uri.text).toBe(200);
    const run = await server.get<{ run: { info: { artifact_uri: string } } }>('runs/get', { run_id: runId });
    expect(uri.body.artifact_uri).toBe(`${run.body.run.info.artifact_uri}/model`);
  });

  it("accepts the run's artifact URI as source and refuses a run that does not exist", async () => {
    const name = (await createModel()).name;
    const runId = await newRunId();
    const run = await server.get<{ run: { info: { artifact_uri: string } } }>('runs/get', { run_id: runId });
    const res = await server.post<{ model_version: WireModelVersion }>('model-versions/create', {
      name,
      source: `${run.body.run.info.artifact_uri}/model`,
      run_id: runId,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.model_version.run_id).toBe(runId);
    const missing = await server.post('model-versions/create', { name, source: 'runs:/ffffffffffffffffffffffffffffffff/model', run_id: 'ffffffffffffffffffffffffffffffff' });
    expectMlflowError(missing, 404, 'RESOURCE_DOES_NOT_EXIST', 'ffffffffffffffffffffffffffffffff');
    expectMlflowError(await server.post('model-versions/create', { name }), 400, 'INVALID_PARAMETER_VALUE', "'source'");
  });

  it('sets, resolves and removes aliases, and records who did it (the OS user; the header only as a display name) and why', async () => {
    const name = (await createModel()).name;
    const runId = await newRunId();
    await createVersion(name, runId);
    await createVersion(name, runId);
    const set = await server.post('registered-models/alias', { name, alias: 'challenger', version: '1', reason: 'A/B test' }, { 'X-MLDesk-User': 'ana' });
    expect(set.status, set.text).toBe(200);
    expect((await server.post('registered-models/alias', { name, alias: 'challenger', version: '2' })).status).toBe(200);
    const resolved = await server.get<{ model_version: WireModelVersion }>('registered-models/alias', { name, alias: 'challenger' });
    expect(resolved.status, resolved.text).toBe(200);
    expect(resolved.body.model_version).toMatchObject({ version: '2', aliases: ['challenger'] });
    const model = await server.get<{ registered_model: WireRegisteredModel }>('registered-models/get', { name });
    expect(model.body.registered_model.aliases).toEqual([{ alias: 'challenger', version: '2' }]);

    const removed = await server.request('DELETE', 'registered-models/alias', { body: { name, alias: 'challenger' }, headers: { 'X-MLDesk-User': 'cy' } });
    expect(removed.status, removed.text).toBe(200);
    expectMlflowError(await server.get('registered-models/alias', { name, alias: 'challenger' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'challenger');

    const history = await server.get<{ entries: Array<Record<string, unknown>> }>(`${MLDESK}/registered-models/alias-history`, { name });
    expect(history.status, history.text).toBe(200);
    expect(history.body.entries.map((e) => [e.alias, e.from_version, e.to_version, e.actor_identity, e.actor_display, e.reason])).toEqual([
      ['challenger', null, '1', OS_USER, 'ana', 'A/B test'],
      ['challenger', '1', '2', OS_USER, '', ''],
      ['challenger', '2', null, OS_USER, 'cy', ''],
    ]);
    expect(history.body).not.toHaveProperty('next_page_token');

    // The trail grows without end, so it is read in pages, oldest first.
    type Page = { entries: Array<Record<string, unknown>>; next_page_token?: string };
    const first = await server.get<Page>(`${MLDESK}/registered-models/alias-history`, { name, max_results: '2' });
    expect(first.body.entries.map((e) => e.to_version)).toEqual(['1', '2']);
    const second = await server.get<Page>(`${MLDESK}/registered-models/alias-history`, { name, max_results: '2', page_token: first.body.next_page_token! });
    expect(second.body.entries.map((e) => e.to_version)).toEqual([null]);
    expect(second.body).not.toHaveProperty('next_page_token');
    const oneAlias = await server.get<Page>(`${MLDESK}/registered-models/alias-history`, { name, alias: 'nope' });
    expect(oneAlias.body.entries).toEqual([]);
    expectMlflowError(await server.get(`${MLDESK}/registered-models/alias-history`, { name, max_results: '1001' }), 400, 'INVALID_PARAMETER_VALUE', 'max_results');
    expectMlflowError(await server.get(`${MLDESK}/registered-models/alias-history`, { name, page_token: 'bogus' }), 400, 'INVALID_PARAMETER_VALUE', 'page_token');
  });

  it('refuses champion for an unreviewed or rejected version and allows it after approval', async () => {
    const name = (await createModel()).name;
    const runId = await newRunId();
    await createVersion(name, runId);
    const refused = await server.post('registered-models/alias', { name, alias: 'champion', version: '1' }, { 'X-MLDesk-User': 'ana' });
    expectMlflowError(refused, 400, 'INVALID_PARAMETER_VALUE', 'needs an approval first');

    expect((await review(name, '1', 'rejected')).status).toBe(200);
    expectMlflowError(await server.post('registered-models/alias', { name, alias: 'champion', version: '1' }), 400, 'INVALID_PARAMETER_VALUE', 'needs an approval first');

    const approved = await review(name, '1', 'approved', 'dee');
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body).toMatchObject({ review: { name, version: '1', reviewer_identity: OS_USER, reviewer_display: 'dee', decision: 'approved' } });
    const ok = await server.post('registered-models/alias', { name, alias: 'champion', version: '1', reason: 'passed review' }, { 'X-MLDesk-User': 'ana' });
    expect(ok.status, ok.text).toBe(200);
    expect((await getVersion(name, '1')).aliases).toEqual(['champion']);

    const history = await server.get<{ entries: Array<Record<string, unknown>> }>(`${MLDESK}/registered-models/alias-history`, { name });
    expect(history.body.entries).toHaveLength(1);
    expect(history.body.entries[0]).toMatchObject({ alias: 'champion', from_version: null, to_version: '1', actor_identity: OS_USER, actor_display: 'ana', reason: 'passed review' });

    expectMlflowError(await review(name, '1', 'maybe'), 400, 'INVALID_PARAMETER_VALUE', "'decision'");
    expectMlflowError(await review(name, '9', 'approved'), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('approves from the CLI: `mldesk models approve` unlocks champion', async () => {
    const name = (await createModel()).name;
    await createVersion(name, await newRunId());
    const cli = await runCli(['models', 'approve', name, '1', '--reviewer', 'eve', '--comment', 'gates pass', '--data-dir', server.dataDir!, '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ ok: true, review: { name, version: '1', reviewer_identity: OS_USER, reviewer_display: 'eve', decision: 'approved', comment: 'gates pass' } });
    expect((await server.post('registered-models/alias', { name, alias: 'champion', version: '1' })).status).toBe(200);

    const missing = await runCli(['models', 'approve', name, '5', '--reviewer', 'eve', '--data-dir', server.dataDir!]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('version=5');
  });

  it('lists the newest version per stage and archives existing versions on transition', async () => {
    const name = (await createModel()).name;
    const runId = await newRunId();
    for (let i = 0; i < 3; i++) await createVersion(name, runId);
    const transition = (version: string, stage: string, archive: boolean) =>
      server.post<{ model_version: WireModelVersion }>('model-versions/transition-stage', { name, version, stage, archive_existing_versions: archive });
    expect((await transition('1', 'Production', false)).status).toBe(200);
    expect((await transition('2', 'Staging', false)).status).toBe(200);
    const latest = await server.post<{ model_versions: WireModelVersion[] }>('registered-models/get-latest-versions', { name, stages: ['Production', 'Staging'] });
    expect(latest.status, latest.text).toBe(200);
    expect(latest.body.model_versions.map((v) => [v.version, v.current_stage])).toEqual([
      ['1', 'Production'],
      ['2', 'Staging'],
    ]);
    const moved = await transition('3', 'Production', true);
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body.model_version.current_stage).toBe('Production');
    expect((await getVersion(name, '1')).current_stage).toBe('Archived');
    expect((await getVersion(name, '2')).current_stage).toBe('Staging');
    expectMlflowError(await transition('1', 'Retired', false), 400, 'INVALID_PARAMETER_VALUE', "'stage'");
  });

  it('searches models by name with pages and order, and versions by name and run', async () => {
    const prefix = uniqueName('search');
    for (const suffix of ['b', 'a', 'c']) await createModel(`${prefix}-${suffix}`);
    const page1 = await server.get<{ registered_models: WireRegisteredModel[]; next_page_token?: string }>('registered-models/search', {
      filter: `name LIKE '${prefix}-%'`,
      max_results: 2,
      order_by: ['name DESC'],
    });
    expect(page1.status, page1.text).toBe(200);
    expect(page1.body.registered_models.map((m) => m.name)).toEqual([`${prefix}-c`, `${prefix}-b`]);
    const page2 = await server.get<{ registered_models: WireRegisteredModel[]; next_page_token?: string }>('registered-models/search', {
      filter: `name LIKE '${prefix}-%'`,
      max_results: 2,
      order_by: ['name DESC'],
      page_token: page1.body.next_page_token,
    });
    expect(page2.body.registered_models.map((m) => m.name)).toEqual([`${prefix}-a`]);
    expect(page2.body.next_page_token).toBeUndefined();
    const exact = await server.get<{ registered_models: WireRegisteredModel[] }>('registered-models/search', { filter: `name = '${prefix}-a'` });
    expect(exact.body.registered_models.map((m) => m.name)).toEqual([`${prefix}-a`]);

    const runA = await newRunId();
    const runB = await newRunId();
    await createVersion(`${prefix}-a`, runA);
    await createVersion(`${prefix}-a`, runB);
    const byRun = await server.get<{ model_versions: WireModelVersion[] }>('model-versions/search', { filter: `run_id='${runB}'` });
    expect(byRun.status, byRun.text).toBe(200);
    expect(byRun.body.model_versions.map((v) => [v.name, v.version])).toEqual([[`${prefix}-a`, '2']]);
    const byName = await server.get<{ model_versions: WireModelVersion[] }>('model-versions/search', { filter: `name='${prefix}-a'` });
    expect(byName.body.model_versions.map((v) => v.version)).toEqual(['2', '1']);
    expectMlflowError(await server.get('registered-models/search', { filter: 'owner = 3' }), 400, 'INVALID_PARAMETER_VALUE', "'filter'");
  });

  it('updates, tags, renames and deletes models and versions', async () => {
    const name = (await createModel()).name;
    await createVersion(name, await newRunId());
    const updated = await server.request<{ registered_model: WireRegisteredModel }>('PATCH', 'registered-models/update', { body: { name, description: 'v2 desc' } });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body.registered_model.description).toBe('v2 desc');
    const versionUpdate = await server.request<{ model_version: WireModelVersion }>('PATCH', 'model-versions/update', { body: { name, version: '1', description: 'first' } });
    expect(versionUpdate.body.model_version.description).toBe('first');
    expect((await server.post('model-versions/set-tag', { name, version: '1', key: 'validated', value: 'yes' })).status).toBe(200);
    expect((await getVersion(name, '1')).tags).toEqual([{ key: 'validated', value: 'yes' }]);
    expect((await server.request('DELETE', 'model-versions/delete-tag', { body: { name, version: '1', key: 'validated' } })).status).toBe(200);
    expect((await server.post('registered-models/set-tag', { name, key: 'owner', value: 'ana' })).status).toBe(200);
    expect((await server.request('DELETE', 'registered-models/delete-tag', { body: { name, key: 'owner' } })).status).toBe(200);

    const newName = uniqueName('renamed');
    const renamed = await server.post<{ registered_model: WireRegisteredModel }>('registered-models/rename', { name, new_name: newName });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body.registered_model.latest_versions?.[0]).toMatchObject({ name: newName, version: '1', description: 'first' });
    expectMlflowError(await server.get('registered-models/get', { name }), 404, 'RESOURCE_DOES_NOT_EXIST', name);

    expect((await server.request('DELETE', 'model-versions/delete', { body: { name: newName, version: '1' } })).status).toBe(200);
    expectMlflowError(await server.get('model-versions/get', { name: newName, version: '1' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expect((await server.request('DELETE', 'registered-models/delete', { body: { name: newName } })).status).toBe(200);
    expectMlflowError(await server.get('registered-models/get', { name: newName }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('answers errors in MLflow shape: duplicate model, missing model, missing field', async () => {
    const name = (await createModel()).name;
    expectMlflowError(await server.post('registered-models/create', { name }), 400, 'RESOURCE_ALREADY_EXISTS', name);
    expectMlflowError(await server.get('registered-models/get', { name: uniqueName('ghost') }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectMlflowError(await server.post('registered-models/create', {}), 400, 'INVALID_PARAMETER_VALUE', "'name'");
    expectMlflowError(await server.get('model-versions/get', { name, version: 'one' }), 400, 'INVALID_PARAMETER_VALUE', "'version'");
    expectMlflowError(await server.post('registered-models/alias', { name, alias: 'latest', version: '1' }), 400, 'INVALID_PARAMETER_VALUE', "'alias'");
  });

  it('serves the same registry under /ajax-api for the MLflow UI', async () => {
    const name = (await createModel()).name;
    const ajax = server.client('/ajax-api/2.0/mlflow');
    const res = await ajax.get<{ registered_model: WireRegisteredModel }>('registered-models/get', { name });
    expect(res.status, res.text).toBe(200);
    expect(res.body.registered_model.name).toBe(name);
  });
});
