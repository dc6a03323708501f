/**
 * `mldesk run` as a user runs it: a real CLI process starting its tracking server in-process, a
 * generated project (Python with the real MLflow 2.12.2 client, or a shell script) as a real child
 * process group, a real SQLite store; the run read back through a real `mldesk serve`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { pidAlive } from '../../electron/core/automation/process-identity.js';
import { ProjectRunResultSchema } from '../../shared/automation.js';
import { mlflowAvailability } from './mlflow-client/python-client.js';
import { pythonRunEnv, writeProject } from './project-fixture.js';
import { ARTIFACTS_PREFIX, childEnv, CLI, cleanupTempDirs, makeTempDir, REPO_ROOT, runCli, startServer, stopAllServers } from './server-process.js';
import type { WireRun } from './mlflow-fixtures.js';

afterAll(async () => {
  await stopAllServers();
  await cleanupTempDirs();
});

async function readRun(dataDir: string, runId: string): Promise<{ run: WireRun; artifact: (path: string) => Promise<string>; tag: (key: string) => string | undefined }> {
  const server = await startServer({ dataDir });
  const res = await server.get<{ run: WireRun }>('runs/get', { run_id: runId });
  expect(res.status, res.text).toBe(200);
  const run = res.body.run;
  const root = run.info.artifact_uri.replace(/^mlflow-artifacts:\/*/, '');
  return {
    run,
    artifact: async (path) => {
      const response = await fetch(`${server.url}${ARTIFACTS_PREFIX}/${root}/${path}`);
      expect(response.status, path).toBe(200);
      return response.text();
    },
    tag: (key) => run.data.tags?.find((t) => t.key === key)?.value,
  };
}

const TRAIN_PY = `
import os, sys, json, mlflow
lr = float(sys.argv[1]); epochs = int(sys.argv[2]); layers = json.loads(sys.argv[3])
data_file = sys.argv[4]
given_run = os.environ["MLFLOW_RUN_ID"]
with mlflow.start_run() as run:
    assert run.info.run_id == given_run, "did not resume the run"
    mlflow.log_param("lr", lr)
    mlflow.log_param("layers_seen", len(layers))
    rows = sum(1 for _ in open(data_file)) - 1
    for step in range(epochs):
        mlflow.log_metric("loss", 1.0 / (step + 1) * lr, step=step)
    mlflow.log_metric("rows", rows)
    with open("model.txt", "w") as f:
        f.write("weights")
    mlflow.log_artifact("model.txt", artifact_path="model")
    print("trained on", rows, "rows with layers", layers, flush=True)
if os.environ.get("FAIL_AFTER_END") == "1":
    print("failing after the run was ended FINISHED", file=sys.stderr)
    sys.exit(1)
`;

const MLPROJECT = `name: pyproj
python_env: python_env.yaml
entry_points:
  main:
    parameters:
      lr: {type: float, default: 0.1}
      epochs: {type: int, default: 3}
      layers: {type: list, default: [8, 4]}
      data: path
    command: "python train.py {lr} {epochs} {layers} {data}"
`;

describe('mldesk run with the real MLflow client', () => {
  it('runs a Python project into the run it created: params, metrics per step, artifacts, lineage, FINISHED', { timeout: 180_000 }, async () => {
    expect(mlflowAvailability()).toEqual({ ok: true });
    const pythonVersion = execFileSync('/usr/bin/python3', ['--version'], { encoding: 'utf8' }).trim().split(' ')[1]!;
    const dir = await writeProject({ MLproject: MLPROJECT, 'train.py': TRAIN_PY, 'python_env.yaml': `python: "${pythonVersion}"\n`, 'data.csv': 'a,b\n1,2\n3,4\n' });
    // A git repository with one uncommitted change: the lineage must say dirty, with a diff hash.
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd: dir, encoding: 'utf8' }).trim();
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'project');
    const commit = git('rev-parse', 'HEAD');
    await writeFile(join(dir, 'notes.txt'), 'uncommitted\n');
    const dataDir = await makeTempDir('run-data');
    const result = await runCli(['run', dir, '-P', 'lr=0.5', '-P', 'epochs=4', '-P', `data=${join(dir, 'data.csv')}`, '-P', 'layers=16,8,4', '--experiment', 'py-projects', '--data-dir', dataDir, '--json'], {
      env: pythonRunEnv(),
      timeoutMs: 150_000,
    });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = ProjectRunResultSchema.parse(JSON.parse(lines[0]!));
    expect(summary.status).toBe('FINISHED');
    expect(summary.metrics).toEqual({ loss: 0.125, rows: 2 });
    expect(summary.job_id).toMatch(/^[0-9a-f]{32}$/);

    const { run, artifact, tag } = await readRun(dataDir, summary.run_id);
    expect(run.info.status).toBe('FINISHED');
    expect(run.info.experiment_id).toBe(summary.experiment_id);
    const params = Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value]));
    expect(params).toEqual({ lr: '0.5', epochs: '4', layers: '[16,8,4]', data: join(dir, 'data.csv'), layers_seen: '3' });
    expect(await artifact('logs/stdout.txt')).toBe('trained on 2 rows with layers [16, 8, 4]\n');
    expect(await artifact('model/model.txt')).toBe('weights');
    expect(tag('mlflow.source.git.commit')).toBe(commit);
    expect(tag('mldesk.project.git_dirty')).toBe('true');
    expect(tag('mldesk.project.diff_sha256')).toMatch(/^[0-9a-f]{64}$/);
    expect(tag('mldesk.project.entry_point')).toBe('main');
    expect(tag('mldesk.project.interpreter')).toMatch(new RegExp(`asks for Python ${pythonVersion.replaceAll('.', '\\.')}: ran with /usr/bin/python3`));
    const sha = (text: string) => execFileSync('sha256sum', { input: text, encoding: 'utf8' }).split(' ')[0];
    expect(tag('mldesk.project.python_env_sha256')).toBe(sha(`python: "${pythonVersion}"\n`));
    expect(tag('mldesk.project.dataset.data')).toBe(sha('a,b\n1,2\n3,4\n'));
    expect(tag('mldesk.job_id')).toBe(summary.job_id);
    const lineage = JSON.parse(await artifact('mldesk/project-lineage.json')) as { command: string; datasets: { parameter: string }[] };
    expect(lineage.command).toBe(`python train.py 0.5 4 '[16,8,4]' ${join(dir, 'data.csv')}`);
    expect(lineage.datasets.map((d) => d.parameter)).toEqual(['data']);

    const db = new Database(join(dataDir, 'mldesk.db'), { readonly: true });
    const job = db.prepare('SELECT status, exit_code, kind, executor, run_uuid, log_tail, attempts FROM jobs WHERE job_id = ?').get(summary.job_id) as Record<string, unknown>;
    db.close();
    expect(job).toMatchObject({ status: 'succeeded', exit_code: 0, kind: 'project', executor: 'local', run_uuid: summary.run_id, attempts: 1 });
    expect(job.log_tail).toContain('trained on 2 rows');
  });

  it('ends the run FAILED with the exit code when the script exits 1, even after it ended the run FINISHED itself', { timeout: 180_000 }, async () => {
    const pythonVersion = execFileSync('/usr/bin/python3', ['--version'], { encoding: 'utf8' }).trim().split(' ')[1]!;
    const dir = await writeProject({ MLproject: MLPROJECT, 'train.py': TRAIN_PY, 'python_env.yaml': `python: "${pythonVersion}"\n`, 'data.csv': 'a\n1\n' });
    const dataDir = await makeTempDir('run-data');
    const result = await runCli(['run', dir, '-P', `data=${join(dir, 'data.csv')}`, '--data-dir', dataDir, '--json'], { env: { ...pythonRunEnv(), FAIL_AFTER_END: '1' }, timeoutMs: 150_000 });
    expect(result.code, result.stderr).toBe(1);
    const summary = ProjectRunResultSchema.parse(JSON.parse(result.stdout));
    expect(summary.status).toBe('FAILED');
    const { run, artifact, tag } = await readRun(dataDir, summary.run_id);
    expect(run.info.status).toBe('FAILED');
    expect(tag('mldesk.failure_reason')).toBe('exit code 1');
    expect(await artifact('logs/stderr.txt')).toContain('failing after the run was ended FINISHED');
    const db = new Database(join(dataDir, 'mldesk.db'), { readonly: true });
    expect(db.prepare('SELECT status, exit_code, reason FROM jobs').get()).toEqual({ status: 'failed', exit_code: 1, reason: 'exit code 1' });
    db.close();
  });
});

describe('mldesk run refusals and cancel', () => {
  const SHELL_PROJECT = `entry_points:
  main:
    parameters:
      steps: {type: int}
      label: {type: string, default: "x"}
    command: "bash work.sh {steps} {label}"
`;

  it('refuses a missing or ill-typed parameter before anything starts (exit 2, no run)', { timeout: 60_000 }, async () => {
    const dir = await writeProject({ MLproject: SHELL_PROJECT, 'work.sh': 'touch started\n' });
    const dataDir = await makeTempDir('run-data');
    const missing = await runCli(['run', dir, '--data-dir', dataDir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("No value given for missing parameter: 'steps'.");
    const illTyped = await runCli(['run', dir, '-P', 'steps=many', '--data-dir', dataDir, '--json']);
    expect(illTyped.code).toBe(2);
    expect(illTyped.stderr).toContain("Parameter 'steps' (int): 'many' is not an integer.");
    expect(illTyped.stdout).toBe('');
    const badEntry = await runCli(['run', dir, '-e', 'nope', '-P', 'steps=1', '--data-dir', dataDir]);
    expect(badEntry.code).toBe(2);
    expect(badEntry.stderr).toContain("Entry point 'nope' is not among the project's entry points (main)");
    expect(existsSync(join(dir, 'started'))).toBe(false);
    const db = new Database(join(dataDir, 'mldesk.db'), { readonly: true });
    expect(db.prepare('SELECT COUNT(*) AS n FROM runs').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM jobs').get()).toEqual({ n: 0 });
    db.close();
  });

  it('passes hostile parameter values as data, never as shell', { timeout: 60_000 }, async () => {
    const dir = await writeProject({ MLproject: SHELL_PROJECT, 'work.sh': 'printf "%s|" "$@" > args.txt\n' });
    const dataDir = await makeTempDir('run-data');
    const hostile = '; touch pwned; $(touch pwned2) `touch pwned3`';
    const result = await runCli(['run', dir, '-P', 'steps=2', '-P', `label=${hostile}`, '-P', 'extra=|touch pwned4', '--data-dir', dataDir, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(dir, 'args.txt'), 'utf8')).toBe(`2|${hostile}|--extra||touch pwned4|`);
    for (const name of ['pwned', 'pwned2', 'pwned3', 'pwned4']) expect(existsSync(join(dir, name))).toBe(false);
  });

  it('records a dataset passed as a dataset: reference by content hash, and refuses an unknown one naming the parameter', { timeout: 90_000 }, async () => {
    const project = `entry_points:\n  main:\n    parameters:\n      ds: {type: uri}\n    command: "echo {ds}"\n`;
    const dir = await writeProject({ MLproject: project });
    const dataDir = await makeTempDir('run-data');
    const iris = join(REPO_ROOT, 'resources', 'datasets', 'iris.csv');
    const imported = await runCli(['data', 'import', iris, '--data-dir', dataDir]);
    expect(imported.code, imported.stderr).toBe(0);
    const result = await runCli(['run', dir, '-P', 'ds=dataset:iris', '--data-dir', dataDir, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = ProjectRunResultSchema.parse(JSON.parse(result.stdout));
    const { tag, artifact } = await readRun(dataDir, summary.run_id);
    const sha = execFileSync('sha256sum', [iris], { encoding: 'utf8' }).split(' ')[0];
    expect(tag('mldesk.project.dataset.ds')).toBe(sha);
    expect(tag('mldesk.project.dataset_version.ds')).toBe('iris@1');
    const lineage = JSON.parse(await artifact('mldesk/project-lineage.json')) as { datasets: unknown[] };
    expect(lineage.datasets).toEqual([{ parameter: 'ds', value: 'dataset:iris', kind: 'dataset_ref', sha256: sha, bytes: null }]);
    const unknown = await runCli(['run', dir, '-P', 'ds=dataset:nope@3', '--data-dir', dataDir]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/mldesk run: Parameter 'ds': .*nope/);
  });

  it('kills the whole process tree on SIGTERM and ends the run KILLED', { timeout: 90_000 }, async () => {
    const work = `sleep 300 &
echo $! > grandchild.pid
echo started
wait
`;
    const dir = await writeProject({ MLproject: SHELL_PROJECT, 'work.sh': work });
    const dataDir = await makeTempDir('run-data');
    const child = spawn(process.execPath, [CLI, 'run', dir, '-P', 'steps=1', '--data-dir', dataDir, '--json'], { cwd: REPO_ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const deadline = Date.now() + 60_000;
    while (!stderr.includes('started') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(stderr).toContain('started');
    const grandchild = Number(readFileSync(join(dir, 'grandchild.pid'), 'utf8'));
    expect(() => process.kill(grandchild, 0)).not.toThrow();
    child.kill('SIGTERM');
    expect(await exited).toBe(1);
    // Killed with its group; under load it may take a moment to be gone (or reaped by init).
    const gone = Date.now() + 10_000;
    while (pidAlive(grandchild) && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
    expect(pidAlive(grandchild)).toBe(false);
    const summary = ProjectRunResultSchema.parse(JSON.parse(stdout));
    expect(summary.status).toBe('KILLED');
    const { run, tag } = await readRun(dataDir, summary.run_id);
    expect(run.info.status).toBe('KILLED');
    expect(tag('mldesk.failure_reason')).toBe('mldesk run received SIGTERM');
    const db = new Database(join(dataDir, 'mldesk.db'), { readonly: true });
    expect(db.prepare('SELECT status, reason FROM jobs').get()).toEqual({ status: 'cancelled', reason: 'mldesk run received SIGTERM' });
    db.close();
  });
});
