/**
 * The built-in TF.js template as an MLflow project (resources/projects/mlp): `mldesk run` creates
 * the run, the project's `mldesk train --run-id "$MLFLOW_RUN_ID"` trains into it with real TF.js.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ProjectRunResultSchema } from '../../shared/automation.js';
import { cleanupTempDirs, makeTempDir, REPO_ROOT, runCli, startServer, stopAllServers } from './server-process.js';
import type { WireRun } from './mlflow-fixtures.js';

afterAll(async () => {
  await stopAllServers();
  await cleanupTempDirs();
});

const MLP = join(REPO_ROOT, 'resources', 'projects', 'mlp');
const IRIS = join(REPO_ROOT, 'resources', 'datasets', 'iris.csv');

describe('built-in templates as projects', () => {
  it('trains the MLP template through mldesk run into the run it created', { timeout: 180_000 }, async () => {
    const dataDir = await makeTempDir('template-run');
    const result = await runCli(['run', MLP, '-P', `data=${IRIS}`, '-P', 'target=species', '-P', 'epochs=3', '-P', 'hidden_units=8', '-P', 'task=classification', '--experiment', 'templates', '--data-dir', dataDir, '--json'], {
      timeoutMs: 150_000,
    });
    expect(result.code, result.stderr).toBe(0);
    const summary = ProjectRunResultSchema.parse(JSON.parse(result.stdout));
    expect(summary.status).toBe('FINISHED');
    expect(Object.keys(summary.metrics)).toEqual(expect.arrayContaining(['loss', 'accuracy', 'val_accuracy']));
    expect(Object.keys(summary.metrics).some((key) => key.startsWith('system/'))).toBe(false);

    const server = await startServer({ dataDir });
    const res = await server.get<{ run: WireRun }>('runs/get', { run_id: summary.run_id });
    const run = res.body.run;
    const params = Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value]));
    // The project's parameters and the trainer's hyperparameters agree (one value per key).
    expect(params).toMatchObject({ data: IRIS, target: 'species', epochs: '3', hidden_units: '[8]', task: 'classification', model: 'mlp', seed: '1', learning_rate: '0.001' });
    const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
    expect(tags).toMatchObject({ 'mlflow.source.type': 'PROJECT', 'mldesk.template': 'mlp', 'mldesk.project.entry_point': 'main' });
    const listing = await server.get<{ files?: { path: string }[] }>('artifacts/list', { run_id: summary.run_id });
    expect((listing.body.files ?? []).map((f) => f.path)).toEqual(expect.arrayContaining(['model', 'logs', 'mldesk']));
    const db = new Database(join(dataDir, 'mldesk.db'), { readonly: true });
    expect((db.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n).toBe(1);
    db.close();
  });

  it('mldesk train --run-id refuses a run that is not a RUNNING run of its data directory (exit 2)', { timeout: 60_000 }, async () => {
    const dataDir = await makeTempDir('template-run');
    const result = await runCli(['train', '--data', IRIS, '--target', 'species', '--run-id', 'f'.repeat(32), '--data-dir', dataDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`Run ${'f'.repeat(32)} is not in the data directory`);
  });
});
