/**
 * The real MLflow 2.12.2 Python client against `mldesk bundle open`: search_runs, get_run,
 * get_metric_history and artifact downloads answer from the bundle; log_metric, create_experiment,
 * set_tag, registering and uploading fail with PERMISSION_DENIED saying the bundle is read-only.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundleFixture, type BuiltBundle } from '../fixtures/bundles.js';
import { startBundleOpen, type BundleProcess } from './bundle-process.js';
import { ClientScripts, describeWithClient, obj } from './mlflow-client/client-suite.js';
import { cleanupTempDirs, makeTempDir, stopAllServers } from './server-process.js';

const scripts = new ClientScripts();
const section = (name: string) => scripts.section('bundle.py', name);

describeWithClient('real MLflow 2.12.2 client: a bundle opened read-only', () => {
  let bundle: BuiltBundle;
  let server: BundleProcess;

  beforeAll(async () => {
    bundle = await buildBundleFixture(await makeTempDir('bundle'), { runs: 3, metrics: 2, steps: 1200, artifactBytes: 300_000 });
    server = await startBundleOpen(bundle.file, ['--data-dir', await makeTempDir('home')]);
    scripts.launch('bundle.py', { MLFLOW_TRACKING_URI: server.url, EXPERIMENT_NAME: bundle.experimentName, RUN_ID: bundle.runs[0]!.runId, TMPDIR: await makeTempDir('python') });
  });

  afterAll(async () => {
    await scripts.settled();
    await server?.stop();
    await stopAllServers();
    await cleanupTempDirs();
  });

  describe('reads', () => {
    it('search_runs returns the bundled runs with their params and metrics', async () => {
      const r = await section('search_runs');
      expect(r.names).toEqual(bundle.runs.map((run) => run.name));
      expect(r.learning_rates).toEqual(bundle.runs.map((run) => run.params.learning_rate));
      expect(r.statuses).toEqual(['FINISHED', 'FINISHED', 'FINISHED']);
      expect(r.has_loss).toBe(true);
    });

    it('get_run and get_metric_history return the full history', async () => {
      const r = await section('get_run_and_history');
      expect(r).toMatchObject({ name: bundle.runs[0]!.name, params: bundle.runs[0]!.params, steps: 1200, first_step: 0, last_step: 1199 });
    });

    it('download_artifacts returns the author’s bytes', async () => {
      const r = await section('download_artifact');
      expect(r.sha256).toBe(createHash('sha256').update(bundle.runs[0]!.artifacts['model/weights.bin']!).digest('hex'));
      expect(r.listed).toEqual(['model', 'notes.txt']);
    });
  });

  it('every write fails with PERMISSION_DENIED saying the bundle is read-only, and nothing changes', async () => {
    const r = await section('writes_refused');
    for (const name of ['log_metric', 'create_experiment', 'set_tag', 'create_registered_model']) {
      expect(obj(r[name]), name).toMatchObject({ error_code: 'PERMISSION_DENIED', status: 403 });
      expect(obj(r[name]).message as string, name).toMatch(/the bundle is read-only/);
    }
    expect(obj(r.log_artifact).message as string).toMatch(/403|read-only/);
    expect(r.experiments_after).not.toContain('reviewer-was-here');
  });
});
