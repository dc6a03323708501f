/**
 * The pipeline's train step runs the policy's own training project (an MLflow project generated
 * here, bash calling `mldesk train --run-id "$MLFLOW_RUN_ID"`) as a job of the local pool: the job
 * runs the filled command with the policy's parameter values and the data step's dataset version
 * in the parameter the policy names, the run records project, entry point, parameters and the data
 * by hash, and bad policies fail the train step naming the field, the champion untouched. Real
 * `mldesk` processes on a temp data dir; needs `npm run build`.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineRun } from '../../shared/app-api/pipelines.js';
import { ModelRegistry } from '../../electron/core/registry/model-registry.js';
import { TrackingStore } from '../../electron/core/store/tracking-store.js';
import { seedChampion } from './ct-fixture.js';
import { cleanupTempDirs, makeTempDir, REPO_ROOT, runCli, stopAllServers } from './server-process.js';

const MODEL = 'iris-own';
let dataDir: string;
let work: string;
let project: string;

/** Iris with every measurement nudged: the same task, and no row equal to a training row. */
async function holdoutCsv(): Promise<string> {
  const [header, ...rows] = (await readFile(join(REPO_ROOT, 'resources', 'datasets', 'iris.csv'), 'utf8')).trim().split('\n');
  const nudged = rows.map((row) => {
    const cells = row.split(',');
    return [...cells.slice(0, 4).map((v) => (Number(v) + 0.05).toFixed(2)), cells[4]].join(',');
  });
  return `${header}\n${nudged.join('\n')}\n`;
}

const MLPROJECT = `name: own-trainer
entry_points:
  main:
    parameters:
      train_file: path
      label: string
      lr: {type: float, default: 0.01}
      epochs: {type: int, default: 5}
    command: "bash train.sh {train_file} {label} {lr} {epochs}"
  nomodel:
    parameters:
      train_file: path
      label: string
    command: "echo read {train_file} for {label} and logged no model"
  slow:
    parameters:
      train_file: path
    command: "sleep 120"
`;

const TRAIN_SH = `#!/usr/bin/env bash
set -euo pipefail
echo "own trainer: file=$1 label=$2 lr=$3 epochs=$4 rows=$(($(wc -l < "$1") - 1))"
exec mldesk train --run-id "$MLFLOW_RUN_ID" --data "$1" --target "$2" --learning-rate "$3" --epochs "$4" --backend cpu --seed 7
`;

const basePolicy = {
  triggers: [{ type: 'manual' }],
  entry: 'main',
  dataParameter: 'train_file',
  parameters: { label: 'species', lr: '0.05', epochs: '30' },
  includeLabelledRows: false,
  holdout: 'iris-holdout@1',
  metric: { name: 'accuracy', goal: 'maximize' },
  margin: 0,
  autoApprove: true,
};

async function setPolicy(name: string, policy: Record<string, unknown>): Promise<void> {
  const file = join(work, `${name}.json`);
  await writeFile(file, JSON.stringify(policy));
  const set = await runCli(['ct', 'policy', 'set', MODEL, '--file', file, '--data-dir', dataDir]);
  expect(set.code, set.stderr).toBe(0);
}

async function pipelineRun(): Promise<{ code: number | null; run: PipelineRun; stderr: string }> {
  const result = await runCli(['pipeline', 'run', '--model', MODEL, '--json', '--data-dir', dataDir], { timeoutMs: 120_000 });
  const parsed = JSON.parse(result.stdout) as { pipeline: PipelineRun };
  return { code: result.code, run: parsed.pipeline, stderr: result.stderr };
}

function championVersion(): string | undefined {
  const store = TrackingStore.open(dataDir);
  try {
    return new ModelRegistry(store.db).getModel(MODEL).aliases?.find((a) => a.alias === 'champion')?.version;
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  dataDir = await makeTempDir('ct-project');
  work = await makeTempDir('ct-project-files');
  project = join(work, 'own-trainer');
  await mkdir(project);
  await writeFile(join(project, 'MLproject'), MLPROJECT);
  await writeFile(join(project, 'train.sh'), TRAIN_SH);
  await writeFile(join(work, 'holdout.csv'), await holdoutCsv());
  // A weak champion: two epochs of the built-in trainer.
  await seedChampion({ dataDir, model: MODEL, data: join(REPO_ROOT, 'resources', 'datasets', 'iris.csv'), target: 'species', epochs: 2, holdout: join(work, 'holdout.csv'), holdoutName: 'iris-holdout' });
}, 90_000);

afterAll(async () => {
  await stopAllServers();
  await cleanupTempDirs();
});

describe("the train step runs the policy's own project", () => {
  it('fails the train step naming the policy field, before anything trains, and leaves the champion alone', { timeout: 240_000 }, async () => {
    // The data parameter is the pipeline's to fill: a policy giving it a value is refused when set.
    const file = join(work, 'data-given.json');
    await writeFile(file, JSON.stringify({ ...basePolicy, project, parameters: { label: 'species', train_file: '/tmp/x.csv' } }));
    const refused = await runCli(['ct', 'policy', 'set', MODEL, '--file', file, '--data-dir', dataDir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('parameters.train_file: the pipeline fills this parameter (dataParameter) with the training data');
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['missing folder', { ...basePolicy, project: join(work, 'no-such-project') }, `policy.project: there is no project folder at ${join(work, 'no-such-project')}`],
      // A relative path in a policy file is the folder beside the file.
      ['relative path', { ...basePolicy, project: './no-such-folder' }, `policy.project: there is no project folder at ${join(work, 'no-such-folder')}`],
      ['unknown entry', { ...basePolicy, project, entry: 'fit' }, "policy.entry: Entry point 'fit' is not among the project's entry points (main, nomodel, slow)"],
      ['missing parameter', { ...basePolicy, project, parameters: { lr: '0.05' } }, "policy.parameters.label: entry point 'main' needs a value and the MLproject gives it no default"],
      ['ill-typed parameter', { ...basePolicy, project, parameters: { label: 'species', epochs: 'many' } }, "policy.parameters: Parameter 'epochs' (int): 'many' is not an integer."],
      ['undeclared data parameter', { ...basePolicy, project, dataParameter: 'data' }, "policy.dataParameter: entry point 'main' of"],
    ];
    for (const [name, policy, message] of cases) {
      await setPolicy(name.replaceAll(' ', '-'), policy);
      const { code, run } = await pipelineRun();
      expect(code, name).toBe(3);
      const train = run.steps.find((s) => s.step === 'train')!;
      expect([name, train.status]).toEqual([name, 'failed']);
      expect(train.detail.error, name).toContain(message);
      expect(train.log, name).toContain(message);
      expect(run.decision, name).toContain('Failed at train:');
      expect(run.challengerVersion, name).toBeNull();
    }
    // A project that finishes without logging a model fails the step with that reason.
    await setPolicy('nomodel', { ...basePolicy, project, entry: 'nomodel', parameters: { label: 'species' } });
    const { code, run } = await pipelineRun();
    expect(code).toBe(3);
    const train = run.steps.find((s) => s.step === 'train')!;
    expect(train.status).toBe('failed');
    expect(train.detail.error).toContain(`The project ${project} (entry point nomodel) ended without logging a model`);
    expect(train.detail.error).toContain('has no model/model.json, model/signature.json');
    expect(train.log).toMatch(/read \S+ct-iris-own-v1\.csv for species and logged no model/);
    expect(train.log).toContain(`[pipeline] step failed: The project ${project} (entry point nomodel) ended without logging a model`);
    expect(run.challengerVersion).toBeNull();
    expect(championVersion()).toBe('1');
  });

  it('runs the project as the step job with the policy values and the data path, records its lineage, and registers the challenger', { timeout: 240_000 }, async () => {
    await setPolicy('good', { ...basePolicy, project: './own-trainer' });
    const shown = await runCli(['ct', 'policy', 'show', MODEL, '--json', '--data-dir', dataDir]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ policy: { project, entry: 'main', dataParameter: 'train_file' } });
    const { code, run, stderr } = await pipelineRun();
    expect(code, `${stderr}\n${JSON.stringify(run.steps.map((s) => [s.step, s.status, s.detail.error]))}`).toBe(0);
    expect(run.steps.map((s) => [s.step, s.status])).toEqual([
      ['trigger', 'succeeded'],
      ['data', 'succeeded'],
      ['train', 'succeeded'],
      ['evaluate', 'succeeded'],
      ['gate', 'succeeded'],
      [expect.any(String), expect.stringMatching(/succeeded|skipped/)],
    ]);
    const data = run.steps[1]!.detail as { ref: string; sha256: string; rows: number };
    const train = run.steps[2]!;
    const detail = train.detail as { runId: string; jobId: string; command: string; parameters: Record<string, string>; entry: string; projectDir: string; version: string };
    const dataFile = join(dataDir, 'pipelines', run.id, `${data.ref.replace('@', '-v')}.csv`);
    expect(detail.parameters).toEqual({ label: 'species', lr: '0.05', epochs: '30', train_file: dataFile });
    expect(detail.command).toBe(`bash train.sh ${dataFile} species 0.05 30`);
    expect(detail).toMatchObject({ entry: 'main', projectDir: project, version: run.challengerVersion, jobId: train.jobId });
    // The step's job is a project job of the local pool; its log is the project's own output.
    expect(train.log).toContain(`$ bash train.sh ${dataFile} species 0.05 30`);
    expect(train.log).toContain(`own trainer: file=${dataFile} label=species lr=0.05 epochs=30 rows=${data.rows}`);
    // The copy of the training data is gone once the job has ended; the stored version is what lineage names.
    expect(existsSync(dataFile)).toBe(false);

    const db = new Database(join(dataDir, 'mldesk.db'), { readonly: true });
    try {
      const job = db.prepare('SELECT kind, executor, status, spec_json, parent_id, run_uuid, exit_code FROM jobs WHERE job_id = ?').get(train.jobId) as Record<string, string | number>;
      expect(job).toMatchObject({ kind: 'pipeline_step', executor: 'local', status: 'succeeded', parent_id: run.jobId, run_uuid: detail.runId, exit_code: 0 });
      expect(JSON.parse(job.spec_json as string)).toMatchObject({ type: 'project', project: { kind: 'path', path: project }, entryPoint: 'main', parameters: detail.parameters });
    } finally {
      db.close();
    }

    const store = TrackingStore.open(dataDir);
    try {
      const challenger = store.runs.get(detail.runId);
      const params = Object.fromEntries((challenger.data.params ?? []).map((p) => [p.key, p.value]));
      expect(params).toMatchObject({ label: 'species', lr: '0.05', epochs: '30', train_file: dataFile, learning_rate: '0.05', seed: '7' });
      const tags = Object.fromEntries((challenger.data.tags ?? []).map((t) => [t.key, t.value]));
      expect(tags).toMatchObject({
        'mldesk.pipeline_id': run.id,
        'mldesk.job_id': train.jobId,
        'mldesk.project.entry_point': 'main',
        'mldesk.project.dataset.train_file': data.sha256,
        'mldesk.project.dataset_version.train_file': data.ref,
        'mlflow.source.name': project,
      });
      const lineage = JSON.parse(await readFile(join(store.artifacts.localDirOf(challenger.info.artifact_uri)!, 'mldesk', 'project-lineage.json'), 'utf8')) as {
        entryPoint: string;
        parameters: Record<string, string>;
        datasets: Array<{ parameter: string; sha256: string }>;
      };
      expect(lineage.entryPoint).toBe('main');
      expect(lineage.parameters).toMatchObject({ label: 'species', lr: '0.05', epochs: '30', train_file: dataFile });
      expect(lineage.datasets).toEqual([expect.objectContaining({ parameter: 'train_file', sha256: data.sha256 })]);
      const version = new ModelRegistry(store.db).getVersion(MODEL, detail.version);
      expect(version.run_id).toBe(detail.runId);
    } finally {
      store.close();
    }
  });

  it('cancelling the train job from the jobs CLI kills the project and ends the pipeline cancelled', { timeout: 120_000 }, async () => {
    await setPolicy('slow', { ...basePolicy, project, entry: 'slow', parameters: {} });
    const running = runCli(['pipeline', 'run', '--model', MODEL, '--json', '--data-dir', dataDir], { timeoutMs: 100_000 });
    const db = new Database(join(dataDir, 'mldesk.db'), { readonly: true });
    let jobId: string | undefined;
    try {
      const until = Date.now() + 60_000;
      while (!jobId && Date.now() < until) {
        const row = db.prepare(`SELECT job_id FROM jobs WHERE kind = 'pipeline_step' AND status = 'running' AND pid IS NOT NULL AND spec_json LIKE '%"entryPoint":"slow"%'`).get() as { job_id: string } | undefined;
        jobId = row?.job_id;
        if (!jobId) await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      db.close();
    }
    expect(jobId).toBeDefined();
    const cancel = await runCli(['jobs', 'cancel', jobId!, '--data-dir', dataDir]);
    expect(cancel.code, cancel.stderr).toBe(0);
    const result = await running;
    const run = (JSON.parse(result.stdout) as { pipeline: PipelineRun }).pipeline;
    expect(run.state).toBe('cancelled');
    const train = run.steps.find((s) => s.step === 'train')!;
    expect(train.status).toBe('cancelled');
    expect(train.detail.error).toContain(`the project's job ${jobId} ended cancelled`);
    expect(result.code).toBe(3);
  });
});
