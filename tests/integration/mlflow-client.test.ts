/**
 * `mldesk serve` driven by the real MLflow 2.12.2 Python client (vendored in ../shared/vendor):
 * experiments, runs, logging, search, histories and inputs, as README promises a Python user.
 * tracking.py runs many named sections and prints their results as JSON; each test checks one.
 * Artifacts, the registry and token auth are in mlflow-client-registry.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientScripts, describeWithClient, obj } from './mlflow-client/client-suite.js';
import { cleanupTempDirs, makeTempDir, startServer, stopAllServers, type ServerProcess } from './server-process.js';

const PREFIX = `client-${process.pid}`;
const scripts = new ClientScripts();
const section = (name: string) => scripts.section('tracking.py', name);

describeWithClient('real MLflow 2.12.2 client: tracking', () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServer();
    scripts.launch('tracking.py', { MLFLOW_TRACKING_URI: server.url, NAME_PREFIX: PREFIX, TMPDIR: await makeTempDir('python') });
  });

  afterAll(async () => {
    await scripts.settled();
    await server?.stop();
    await stopAllServers();
    await cleanupTempDirs();
  });

  describe('experiments', () => {
    it('creates, gets, renames, tags, deletes and restores an experiment', async () => {
      const r = await section('experiments');
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
      const r = await section('search_experiments');
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
      const r = await section('set_experiment');
      expect(r).toEqual({ created_name: `${PREFIX}-fluent`, same_id: true, run_experiment: true });
    });
  });

  describe('runs and logging', () => {
    it('logs params, metrics (NaN and ±inf included) and tags in a fluent run', async () => {
      const r = await section('runs_and_logging');
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
      // MLflow's server cuts such values short; MLDesk refuses them, naming the limit (README says so).
      expect(r.too_long_tag).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', status: 400 });
      expect(obj(r.too_long_tag).message).toMatch(/length 5001, which exceeded length limit of 5000/);
    });

    it('log_batch splits past 1,000 metrics, keeps NaN/±inf in histories and pages 30,000 steps back', async () => {
      const r = await section('log_batch_and_histories');
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
      const r = await section('run_lifecycle_and_resume');
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
      const r = await section('fluent_extras');
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
      const r = await section('search_runs');
      const run = (i: number) => `run-${String(i).padStart(2, '0')}`;
      expect(r.paged).toEqual([
        [11, 10, 9, 8, 7].map(run),
        [6, 5, 4, 3, 2].map(run),
        [1, 0].map(run),
      ]);
      expect(r.metric_filter).toEqual([run(10), run(11)]);
      // run-11's quality is NaN: unequal to 3, not greater than 9 (as MLflow's stores compare it).
      expect(r.nan_not_equal).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11].map(run));
      expect(r.nan_not_greater).toEqual([run(10)]);
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
    const r = await section('log_input');
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

});
