/**
 * `mldesk serve` driven by the real MLflow 2.12.2 Python client (vendored in ../shared/vendor):
 * artifacts through the proxy, the model registry with MLDesk's champion approval, and a
 * token-protected server. The three scripts run at once, each printing its sections as JSON.
 */
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientScripts, describeWithClient, obj } from './mlflow-client/client-suite.js';
import { CLI, cleanupTempDirs, makeTempDir, startServer, stopAllServers, type ServerProcess } from './server-process.js';

const PREFIX = `client-${process.pid}`;
const TOKEN = 'client-suite-token';
const scripts = new ClientScripts();

describeWithClient('real MLflow 2.12.2 client: artifacts, registry, auth', () => {
  let server: ServerProcess;
  let secured: ServerProcess;

  beforeAll(async () => {
    [server, secured] = await Promise.all([startServer(), startServer({ token: TOKEN })]);
    const base = { NAME_PREFIX: PREFIX, TMPDIR: await makeTempDir('python') };
    // `champion` needs an approved review: the script approves the way README says, from the CLI.
    const approve = JSON.stringify([process.execPath, CLI, 'models', 'approve', '--data-dir', server.dataDir!]);
    scripts.launch('artifacts.py', { ...base, MLFLOW_TRACKING_URI: server.url });
    scripts.launch('registry.py', { ...base, MLFLOW_TRACKING_URI: server.url, APPROVE_COMMAND: approve });
    scripts.launch('auth.py', { ...base, MLFLOW_TRACKING_URI: secured.url, EXPECTED_TOKEN: TOKEN });
  });

  afterAll(async () => {
    await scripts.settled();
    await Promise.all([server?.stop(), secured?.stop()]);
    await stopAllServers();
    await cleanupTempDirs();
  });

  it('log_artifact(s), list_artifacts and download_artifacts go through the artifact proxy', async () => {
    const r = await scripts.section('artifacts.py', 'upload_list_download');
    expect(r.artifact_uri).toMatch(/^mlflow-artifacts:\/\d+\/[0-9a-f]{32}\/artifacts$/);
    expect(r.root).toEqual([
      ['blobs', true, null],
      ['config', true, null],
      ['confusion_matrix.png', false, 264],
      ['reports', true, null],
      ['texts', true, null],
    ]);
    expect(r.reports).toEqual([
      ['reports/deep', true, null],
      ['reports/notes 100%.txt', false, 26],
    ]);
    expect(r.deep).toEqual([['reports/deep/empty.bin', false, 0]]);
    expect(r.missing_dir).toEqual([]);
    expect(r).toMatchObject({
      downloaded_as_uploaded: true,
      single_ok: true,
      big_ok: true,
      load_text: 'hello text',
      load_dict: { layers: [64, 32], lr: 0.01 },
      list_by_uri: ['reports/deep', 'reports/notes 100%.txt'],
    });
    expect(r.download_missing).toMatch(/no-such-file\.txt.*404.*RESOURCE_DOES_NOT_EXIST/s);
  });

  describe('model registry', () => {
    it('log_model records the model on the run and register_model makes versions from runs:/RUN_ID/model', async () => {
      const r = await scripts.section('registry.py', 'log_model_and_register');
      const [run1, run2] = r.run_ids as [string, string];
      expect(r.history).toEqual([{ artifact_path: 'model', run_id: run1, flavors: ['python_function'] }]);
      const artifactRoot = r.run_artifact_uri as string;
      expect(r.v1).toEqual({
        name: `${PREFIX}-churn`,
        version: '1',
        source: `${artifactRoot}/model`,
        run_id: run1,
        status: 'READY',
        current_stage: 'None',
        description: '',
        tags: {},
        aliases: [],
      });
      expect(obj(r.v2)).toMatchObject({ version: '2', run_id: run2, tags: { framework: 'pyfunc' } });
      expect(r.download_uri).toBe(`${artifactRoot}/model`);
    });

    it('creates, searches, pages, updates, renames and deletes registered models', async () => {
      const r = await scripts.section('registry.py', 'registered_models');
      const m = (s: string) => `${PREFIX}-rm-${s}`;
      expect(r.created).toEqual({ name: m('0'), description: 'first', tags: { team: 'risk' } });
      expect(r.duplicate).toMatchObject({ error_code: 'RESOURCE_ALREADY_EXISTS', status: 400 });
      expect(r.page1).toEqual([m('3'), m('2'), m('1')]);
      expect(r.page2).toEqual([m('0')]);
      expect(r.got).toEqual({ name: m('0'), description: 'updated', tags: { stage: 'beta' } });
      expect(r.renamed_old).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST', status: 404 });
      expect(r.renamed_new).toBe(m('renamed'));
      expect(r.deleted).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST', status: 404 });
      expect(r.fluent_search).toEqual([m('0'), m('3'), m('renamed')]);
    });

    it('versions: descriptions, tags, stages, latest versions, aliases and search', async () => {
      const r = await scripts.section('registry.py', 'versions_stages_aliases');
      expect(obj(r.v1)).toMatchObject({ version: '1', current_stage: 'Staging', description: 'baseline', tags: { validated: 'true' } });
      expect(r.v2_tags).toEqual({ framework: 'pyfunc' });
      expect(r).toMatchObject({ staged: 'Staging', prod: 'Production', latest_production: ['2'], model_aliases: { challenger: '2' } });
      expect(obj(r.by_alias)).toMatchObject({ version: '2', current_stage: 'Production', aliases: ['challenger'] });
      expect(r.alias_gone).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST', status: 404 });
      expect(r.searched).toEqual(['2', '1']);
      expect(r.paged_first).toEqual(['2']);
      expect(r.paged_token).toBe(true);
      expect(r.missing_version).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST', status: 404 });
    });

    it('copy_model_version copies from models:/NAME/VERSION; stages archive and load by stage', async () => {
      const r = await scripts.section('registry.py', 'copies_and_stage_uris');
      const registered = await scripts.section('registry.py', 'log_model_and_register');
      expect(obj(r.copy)).toMatchObject({
        name: `${PREFIX}-churn-copy`,
        version: '1',
        source: `models:/${PREFIX}-churn/1`,
        run_id: obj(registered.v1).run_id as string,
        description: 'baseline',
        tags: { validated: 'true' },
      });
      expect(r.copy_download_uri).toBe(r.source_download_uri);
      expect(r.copied_predictions).toEqual([20]);
      expect(r.archived).toEqual(['Production', 'Archived']);
      expect(r.latest).toEqual([
        ['1', 'Production'],
        ['2', 'Archived'],
      ]);
      expect(r.by_stage).toEqual([6]);
      expect(r.missing_copy_source).toBe(true);
    });

    it('champion needs an approved review (mldesk models approve); then models:/NAME@champion loads and predicts', async () => {
      const r = await scripts.section('registry.py', 'champion_needs_approval');
      expect(r.refused).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', status: 400 });
      expect(obj(r.refused).message).toMatch(/needs an approval first.*mldesk models approve/);
      expect(r.approval_exit).toBe(0);
      // The CLI records the OS user running it; `--reviewer` is only a display name.
      expect(r.approval_stdout).toBe(`Approved ${PREFIX}-churn version 1 (reviewer ${userInfo().username}).`);
      expect(r).toMatchObject({ champion: '1', predictions: [2, 5], by_version: [8], remaining: ['1'] });
      expect(r.deleted_version).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST', status: 404 });
    });
  });

  it('a token-protected server answers the client only with MLFLOW_TRACKING_TOKEN', async () => {
    const unauthenticated = { error_code: 'UNAUTHENTICATED', status: 401 };
    expect(await scripts.section('auth.py', 'without_token')).toMatchObject(unauthenticated);
    expect(await scripts.section('auth.py', 'wrong_token')).toMatchObject(unauthenticated);
    expect(await scripts.section('auth.py', 'with_token')).toEqual({ metrics: { auc: 0.91 }, artifacts: ['notes/readme.txt'], text: 'secured' });
  });
});
