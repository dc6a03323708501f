/**
 * `mldesk serve` driven by the real MLflow 2.12.2 Python client (vendored in ../shared/vendor),
 * covering what README promises a Python user. Each Python script runs many named sections and
 * prints their results as JSON; each test here checks one section's values. The scripts start
 * together in beforeAll because every Python start imports mlflow (1–2 s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlflowAvailability, runPython, type PythonResult } from './mlflow-client/python-client.js';
import { CLI, cleanupTempDirs, makeTempDir, startServer, stopAllServers, type ServerProcess } from './server-process.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = Record<string, Json>;
type Sections = Record<string, { ok?: Json; error?: string }>;

const availability = mlflowAvailability();
const TOKEN = 'client-suite-token';
const PREFIX = `client-${process.pid}`;

/** The results of one script, or why the script itself failed (with its output). */
function parseResults(script: string, result: PythonResult): Sections {
  const line = result.stdout.split('\n').find((l) => l.startsWith('RESULTS '));
  if (result.code !== 0 || line === undefined) {
    throw new Error(`${script} exited with ${result.code} after ${result.seconds.toFixed(1)} s.\nstdout:\n${result.stdout.slice(-3000)}\nstderr:\n${result.stderr.slice(-3000)}`);
  }
  return JSON.parse(line.slice('RESULTS '.length)) as Sections;
}

const scripts = new Map<string, Promise<Sections>>();

async function section(script: string, name: string): Promise<Obj> {
  const results = await scripts.get(script)!;
  const entry = results[name];
  if (entry === undefined) throw new Error(`${script} reported no section ${name}`);
  if (entry.error !== undefined) throw new Error(`${script}: section ${name} raised in the MLflow client:\n${entry.error}`);
  return entry.ok as Obj;
}

const obj = (value: Json | undefined): Obj => value as Obj;

if (!availability.ok) {
  if (process.env.CI === 'true') {
    describe('real MLflow client', () => {
      it('is available in CI', () => {
        throw new Error(`The MLflow client suite cannot run: ${availability.reason}`);
      });
    });
  } else {
    console.warn(`[mlflow-client] skipped: ${availability.reason}`);
  }
}

describe.skipIf(!availability.ok)('real MLflow 2.12.2 client against mldesk serve', () => {
  let server: ServerProcess;
  let secured: ServerProcess;

  beforeAll(async () => {
    [server, secured] = await Promise.all([startServer(), startServer({ token: TOKEN })]);
    const tmp = await makeTempDir('python');
    const env = (target: ServerProcess, extra: Record<string, string> = {}) => ({
      MLFLOW_TRACKING_URI: target.url,
      NAME_PREFIX: PREFIX,
      TMPDIR: tmp,
      ...extra,
    });
    const approve = JSON.stringify([process.execPath, CLI, 'models', 'approve', '--data-dir', server.dataDir!]);
    const launch = (script: string, target: ServerProcess, extra?: Record<string, string>) =>
      scripts.set(
        script,
        runPython(script, env(target, extra)).then((result) => parseResults(script, result)),
      );
    launch('tracking.py', server);
    launch('artifacts.py', server);
    launch('registry.py', server, { APPROVE_COMMAND: approve });
    launch('auth.py', secured, { EXPECTED_TOKEN: TOKEN });
    // Failures surface in the tests that read them; this only keeps them from being unhandled.
    for (const pending of scripts.values()) pending.catch(() => undefined);
  });

  afterAll(async () => {
    await Promise.allSettled(scripts.values());
    await Promise.all([server?.stop(), secured?.stop()]);
    await stopAllServers();
    await cleanupTempDirs();
  });

  describe('experiments', () => {
    it('creates, gets, renames, tags, deletes and restores an experiment', async () => {
      const r = await section('tracking.py', 'experiments');
      const id = r.id as string;
      expect(obj(r.got)).toMatchObject({
        id,
        name: `${PREFIX}-exp`,
        lifecycle_stage: 'active',
        artifact_location: `mlflow-artifacts:/${id}`,
        tags: { team: 'fraud', note: '' },
      });
      expect(r.by_name_id).toBe(id);
      expect(r.duplicate).toMatchObject({ error_code: 'RESOURCE_ALREADY_EXISTS', status: 400 });
      expect(r.missing_by_name).toBeNull();
      expect(r.missing).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST', status: 404 });
      expect(obj(r.renamed)).toMatchObject({ name: `${PREFIX}-exp-renamed`, tags: { team: 'fraud', note: '', stage: 'dev' } });
      expect(obj(r.renamed).last_update_time as number).toBeGreaterThanOrEqual(obj(r.got).creation_time as number);
      expect(r.old_name_gone).toBeNull();
      expect(r.deleted_stage).toBe('deleted');
      expect(r.deleted_only).toEqual([`${PREFIX}-exp-renamed`]);
      expect(r.active_after_delete).toEqual([]);
      expect(r.create_run_in_deleted).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', status: 400 });
      expect(obj(r.create_run_in_deleted).message).toMatch(/must be in the 'active' state/);
      expect(r.restored_stage).toBe('active');
    });

    it('searches experiments with filters, order and page tokens', async () => {
      const r = await section('tracking.py', 'search_experiments');
      const n = (i: number) => `${PREFIX}-search-${i}`;
      expect(r.page1).toEqual([n(4), n(3)]);
      expect(r.page2).toEqual([n(2), n(1)]);
      expect(r.page3).toEqual([n(0)]);
      expect(r.page1_token).toBe(true);
      expect(r.page3_token).toBeNull();
      expect(r.by_tag).toEqual([n(1), n(3)]);
      expect(r.fluent).toEqual([n(3)]);
    });

    it('set_experiment creates once and then reuses the experiment by name or id', async () => {
      const r = await section('tracking.py', 'set_experiment');
      expect(r).toEqual({ created_name: `${PREFIX}-fluent`, same_id: true, run_experiment: true });
    });
  });

  describe('runs and logging', () => {
    it('logs params, metrics (NaN and ±inf included) and tags in a fluent run', async () => {
      const r = await section('tracking.py', 'runs_and_logging');
      const run = obj(r.run);
      expect(r.running_status).toBe('RUNNING');
      expect(run).toMatchObject({
        run_name: 'baseline',
        status: 'FINISHED',
        lifecycle_stage: 'active',
        params: { hidden_units: '64', learning_rate: '0.01', optimizer: 'adam', empty: '' },
        metrics: { val_loss: 0.25, nan_metric: 'nan', pos_inf: 'inf', neg_inf: '-inf', acc: 0.9, f1: 0.8 },
      });
      expect(run.artifact_uri).toBe(`mlflow-artifacts:/${run.experiment_id as string}/${run.run_id as string}/artifacts`);
      expect(run.end_time as number).toBeGreaterThanOrEqual(run.start_time as number);
      expect(obj(run.tags)).toMatchObject({ team: 'fraud', stage: 'dev', owner: 'ana', 'mlflow.runName': 'baseline', 'mlflow.note.content': 'first try' });
      expect(obj(run.tags)).not.toHaveProperty('gone');
      expect(r.same_param_again).toBeNull();
      expect(r.changed_param).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', status: 400 });
      expect(obj(r.changed_param).message).toMatch(/Changing param values is not allowed.*hidden_units.*'64'.*'128'/s);
      expect(r.delete_missing_tag).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST', status: 404 });
    });

    it('log_batch splits past 1,000 metrics, keeps NaN/±inf in histories and pages 30,000 steps back', async () => {
      const r = await section('tracking.py', 'log_batch_and_histories');
      const run = obj(r.run);
      expect(run).toMatchObject({ run_name: 'batched', status: 'KILLED', start_time: 1_700_000_000_000, end_time: 1_700_000_009_000 });
      expect(run.params).toEqual({ p1: 'a', p2: 'b' });
      expect(obj(run.tags)).toMatchObject({ src: 'batch', t1: 'x' });
      const metrics = obj(run.metrics);
      expect(Object.keys(metrics).filter((k) => k.startsWith('layer_'))).toHaveLength(100);
      expect(metrics['layer_42.mean']).toBeCloseTo(4.2);
      expect(metrics.curve).toBe('-inf');
      const history = r.history as Array<[number, number, number | string]>;
      expect(history).toHaveLength(33);
      expect(history.slice(0, 3)).toEqual([
        [0, 1_700_000_000_123, 0],
        [1, 1_700_000_000_124, 2],
        [2, 1_700_000_000_125, 4],
      ]);
      expect(history.slice(30)).toEqual([
        [30, 1_700_000_000_153, 'nan'],
        [31, 1_700_000_000_154, 'inf'],
        [32, 1_700_000_000_155, '-inf'],
      ]);
      expect(r.wide_count).toBe(1500);
      expect(r.wide_last).toEqual([1499, 1499]);
      expect(r.long_history_count).toBe(30_000);
      expect(r.long_history_steps_sorted).toBe(true);
      expect(r.missing_history).toBe(0);
      expect(r.too_long_param).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', status: 400 });
      expect(obj(r.too_long_param).message).toMatch(/length 6001, which exceeded length limit of 6000/);
      expect(r.get_missing_run).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST', status: 404 });
    });

    it('mlflow.start_run resumes the run in MLFLOW_RUN_ID; end, fail, rename, delete and restore', async () => {
      const r = await section('tracking.py', 'run_lifecycle_and_resume');
      expect(r).toMatchObject({
        first_status: 'FINISHED',
        first_end_time_set: true,
        resumed_same_id: true,
        resumed_status: 'RUNNING',
        env_cleared: true,
        after_status: 'FINISHED',
        loss_history: [
          [0, 1],
          [1, 0.5],
        ],
        by_arg_same_id: true,
        failed_status: 'FAILED',
        child_parent_tag: true,
        renamed: { status: 'FINISHED', run_name: 'renamed-run' },
        run_name_tag: 'renamed-run',
        deleted: 'deleted',
        restored: 'active',
        last_active_run: true,
      });
      expect(obj(r.resume_deleted).message).toMatch(/because it is in the deleted state/);
      expect(r.deleted_search).toHaveLength(1);
    });

    it('async logging, experiment tags, run descriptions and log_table work', async () => {
      const r = await section('tracking.py', 'fluent_extras');
      expect(r).toEqual({
        experiment_tags: { project: 'churn', owner: 'ana' },
        note: 'a **markdown** note',
        async_history: [
          [0, 1],
          [1, 0.5],
          [2, 1 / 3],
          [3, 0.25],
          [4, 0.2],
        ],
        async_param: 'yes',
        async_tag: 'yes',
        logged_tables: '[{"path": "importance.json", "type": "table"}]',
        table: { feature: ['a', 'b'], importance: [0.7000000000000001, 0.30000000000000004] },
        killed: 'KILLED',
        get_run_fluent: true,
        search_all: 1,
      });
    });
  });

  describe('search_runs', () => {
    it('filters, orders and pages like MLflow', async () => {
      const r = await section('tracking.py', 'search_runs');
      const run = (i: number) => `run-${String(i).padStart(2, '0')}`;
      expect(r.paged).toEqual([
        [11, 10, 9, 8, 7].map(run),
        [6, 5, 4, 3, 2].map(run),
        [1, 0].map(run),
      ]);
      expect(r.metric_filter).toEqual([run(10), run(11)]);
      expect(r.param_filter).toEqual([run(1), run(5), run(9)]);
      expect(r.tag_filter).toEqual([run(1), run(3)]);
      expect(r.status_filter).toEqual([0, 3, 6, 9].map(run));
      expect(r.name_like).toEqual([run(10), run(11)]);
      expect(r.run_name_alias).toEqual([run(3)]);
      expect(r.name_ilike).toEqual([0, 1, 2].map(run));
      expect(r.quoted_key).toEqual([run(10), run(11)]);
      expect(r.run_id_in).toEqual([0, 1, 2]);
      expect(r.param_order).toEqual([3, 7, 2, 6].map(run));
      expect(r.bad_filter).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', status: 400 });
      expect(r.pandas_rows).toEqual([4, 6, 8, 10].map(run));
      expect(r.pandas_columns).toEqual(['metrics.score', 'metrics.score with space', 'params.depth', 'params.model']);
      expect(r.pandas_status).toEqual(['FINISHED', 'FAILED', 'RUNNING', 'FINISHED']);
      expect(r.by_experiment_name).toEqual([8, 9, 10, 11].map(run));
    });
  });

  it('log_input records a pandas dataset with its digest, source, profile and context', async () => {
    const r = await section('tracking.py', 'log_input');
    expect(r).toMatchObject({
      count: 1,
      name: 'churn-train',
      source_type: 's3',
      source_uri: 's3://bucket/churn.csv',
      profile: '{"num_rows": 3, "num_elements": 9}',
      tags: { 'mlflow.data.context': 'training', split: 'train' },
      search_count: 1,
      by_dataset: 1,
      by_other_dataset: 0,
      wide: { schema_ok: true, source: '{"uri": "/data/wide.parquet"}', digest: '0123abcd', tags: { 'mlflow.data.context': 'eval' } },
    });
    expect(r.digest).toBe(r.expected_digest);
    expect(r.profile).toBe(r.expected_profile);
  });

  it('log_artifact(s), list_artifacts and download_artifacts go through the artifact proxy', async () => {
    const r = await section('artifacts.py', 'upload_list_download');
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
      const r = await section('registry.py', 'log_model_and_register');
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
      const r = await section('registry.py', 'registered_models');
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
      const r = await section('registry.py', 'versions_stages_aliases');
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
      const r = await section('registry.py', 'copies_and_stage_uris');
      const registered = await section('registry.py', 'log_model_and_register');
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
      const r = await section('registry.py', 'champion_needs_approval');
      expect(r.refused).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', status: 400 });
      expect(obj(r.refused).message).toMatch(/needs an approval first.*mldesk models approve/);
      expect(r.approval_exit).toBe(0);
      expect(r.approval_stdout).toBe(`Approved ${PREFIX}-churn version 1 (reviewer reviewer-ana).`);
      expect(r).toMatchObject({ champion: '1', predictions: [2, 5], by_version: [8], remaining: ['1'] });
      expect(r.deleted_version).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST', status: 404 });
    });
  });

  it('a token-protected server answers the client only with MLFLOW_TRACKING_TOKEN', async () => {
    const unauthenticated = { error_code: 'UNAUTHENTICATED', status: 401 };
    expect(await section('auth.py', 'without_token')).toMatchObject(unauthenticated);
    expect(await section('auth.py', 'wrong_token')).toMatchObject(unauthenticated);
    expect(await section('auth.py', 'with_token')).toEqual({ metrics: { auc: 0.91 }, artifacts: ['notes/readme.txt'], text: 'secured' });
  });
});
