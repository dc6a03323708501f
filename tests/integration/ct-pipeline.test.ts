/**
 * Continuous training end to end, as a team runs it: a churn model served by a real `mldesk
 * serve-model` child; drifted traffic (labelled through /v1/feedback) makes the monitoring loop of
 * a real `mldesk serve` child fire a drift alert; the model's policy retrains on the reference data
 * plus the labelled rows, evaluates champion and challenger on the same held-out data, gates and
 * promotes; the model server swaps to the new champion while requests keep coming (none fails);
 * the audit trail names the policy. Then `mldesk pipeline run --junit` with a policy whose
 * challenger is worse keeps the champion. Needs `npm run build`.
 */
import Database from 'better-sqlite3';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineRun } from '../../shared/app-api/pipelines.js';
import { writeMonitorSettings } from '../../electron/core/monitoring/monitor-settings.js';
import { TrackingStore } from '../../electron/core/store/tracking-store.js';
import { seedChampion } from './ct-fixture.js';
import { modelServers, startModelServer, stopChild, type ModelServer } from './model-server.js';
import { cleanupTempDirs, makeTempDir, REPO_ROOT, runCli, startServer, stopAllServers, type ServerProcess } from './server-process.js';

const MODEL = 'churn';
let dataDir: string;
let work: string;
let serve: ServerProcess;
let modelServer: ModelServer;
let header: string[];
let drifted: string[][];
let plain: string[][];

async function csvLines(file: string): Promise<string[][]> {
  const text = await readFile(join(REPO_ROOT, 'resources', 'datasets', file), 'utf8');
  return text.trim().split('\n').map((line) => line.split(','));
}

const toCsv = (rows: string[][]) => `${[header, ...rows].map((r) => r.join(',')).join('\n')}\n`;

/** A CSV row as the instance a caller sends: typed as the dataset reads it, without the label. */
function instance(row: string[]): Record<string, string | number | boolean | null> {
  const record: Record<string, string | number | boolean | null> = {};
  header.forEach((name, i) => {
    if (name === 'churned') return;
    const cell = row[i]!;
    record[name] = cell === '' ? null : cell === 'true' || cell === 'false' ? cell === 'true' : /^-?\d+(\.\d+)?$/.test(cell) ? Number(cell) : cell;
  });
  return record;
}

async function app<T>(operation: string, input: unknown): Promise<T> {
  const response = await serve.post<{ ok: boolean; value: T; error?: { message: string } }>(`/app-api/${operation}`, input);
  if (!response.body.ok) throw new Error(`${operation}: ${response.body.error?.message}`);
  return response.body.value;
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}.\nserve stderr:\n${serve.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function policyFile(name: string, policy: Record<string, unknown>): Promise<string> {
  const file = join(work, name);
  // YAML, as a team would keep it beside its project (JSON is YAML too).
  const yaml = Object.entries(policy)
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
    .join('\n');
  await writeFile(file, `${yaml}\n`);
  return file;
}

const basePolicy = {
  triggers: [{ type: 'alert' }],
  project: 'mlp',
  holdout: 'churn-holdout@1',
  metric: { name: 'accuracy', goal: 'maximize' },
  margin: 0.02,
  qualityGates: [{ metric: 'accuracy', op: '>=', threshold: 0.6 }],
  autoApprove: true,
  parameters: { epochs: '40', learning_rate: '0.01' },
};

beforeAll(async () => {
  dataDir = await makeTempDir('ct');
  work = await makeTempDir('ct-files');
  const base = await csvLines('synthetic-churn.csv');
  header = base[0]!;
  plain = base.slice(1);
  // The region 'central' is new in the drifted month: the served model refuses categories it never saw.
  drifted = (await csvLines('synthetic-churn-drifted.csv')).slice(1).filter((row) => row[header.indexOf('region')] !== 'central');
  await writeFile(join(work, 'train.csv'), toCsv(plain.slice(0, 600)));
  await writeFile(join(work, 'holdout.csv'), toCsv(drifted.slice(3000, 3600)));

  // The champion: few epochs on last month's (undrifted) data.
  await seedChampion({ dataDir, model: MODEL, data: join(work, 'train.csv'), target: 'churned', epochs: 3, holdout: join(work, 'holdout.csv'), holdoutName: 'churn-holdout' });
  const store = TrackingStore.open(dataDir);
  try {
    writeMonitorSettings(store.db, MODEL, { window: { by: 'count', size: 200 }, minWindowRows: 50, datasetShare: 0.3, overrides: {} });
  } finally {
    store.close();
  }
  const set = await runCli(['ct', 'policy', 'set', MODEL, '--file', await policyFile('policy.yaml', basePolicy), '--data-dir', dataDir]);
  expect(set.code, set.stderr).toBe(0);

  serve = await startServer({ dataDir, env: { MLDESK_MONITOR_INTERVAL_MS: '300', MLDESK_CT_INTERVAL_MS: '200' } });
  modelServer = await startModelServer(dataDir, [`${MODEL}@champion`]);
}, 90_000);

afterAll(async () => {
  for (const child of modelServers) await stopChild(child, 'SIGKILL');
  await stopAllServers();
  await cleanupTempDirs();
});

interface Answer {
  status: number;
  version: string | null;
  ids: string[];
}

async function predict(rows: string[][]): Promise<Answer> {
  const response = await fetch(`${modelServer.url}/v1/models/${MODEL}:predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instances: rows.map(instance) }),
  });
  const body = (await response.json()) as { model_version?: string; request_ids?: string[] };

  return { status: response.status, version: body.model_version ?? null, ids: body.request_ids ?? [] };
}

describe('mldesk ct policy set', () => {
  it('refuses a bad policy naming each field, and keeps the policy stored before', async () => {
    const bad = await runCli(['ct', 'policy', 'set', MODEL, '--file', await policyFile('bad.yaml', { ...basePolicy, triggers: [{ type: 'labelled_rows', count: 0 }], margin: -1 }), '--data-dir', dataDir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('triggers[0].count:');
    expect(bad.stderr).toContain('margin:');
    const shown = await runCli(['ct', 'policy', 'show', MODEL, '--json', '--data-dir', dataDir]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ policy: { model: MODEL, margin: 0.02, triggers: [{ type: 'alert' }], project: 'mlp', entry: 'main', dataParameter: 'data' } });
    const missing = await runCli(['ct', 'policy', 'set', MODEL, '--file', join(work, 'nope.yaml'), '--data-dir', dataDir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.yaml: cannot read it (ENOENT)');
  });
});

describe('continuous training: alert → retrain → held-out gate → promotion → live swap', () => {
  it('retrains on the drift alert, promotes a better challenger with no failed request, and keeps the champion when the challenger is worse', async () => {
    // Drifted traffic, then its ground truth.
    const traffic = drifted.slice(0, 400);
    const feedback: { request_id: string; actual: string }[] = [];
    for (let i = 0; i < traffic.length; i += 100) {
      const answer = await predict(traffic.slice(i, i + 100));
      expect(answer.status).toBe(200);
      answer.ids.forEach((id, j) => feedback.push({ request_id: id, actual: traffic[i + j]![header.indexOf('churned')]! }));
    }
    const fed = await fetch(`${modelServer.url}/v1/feedback`, { method: 'POST', body: JSON.stringify({ feedback }) });
    expect(fed.status).toBe(200);

    // The monitoring loop windows the drifted rows; a drift rule then fires on them.
    const db = new Database(join(dataDir, 'mldesk.db'), { readonly: true });
    try {
      await until('the monitoring windows', () => ((db.prepare('SELECT count(*) AS n FROM monitoring_windows').get() as { n: number }).n > 0 ? true : undefined));
    } finally {
      db.close();
    }
    const { rule } = await app<{ rule: { id: string } }>('alerts.rules.create', { model: MODEL, rule: { kind: 'dataset_drift', windows: 1 } });
    const alerts = await app<{ alerts: { state: string; message: string }[] }>('alerts.list', { model: MODEL, state: 'firing' });
    expect(alerts.alerts.length).toBeGreaterThan(0);

    const first = await until('the alert-triggered pipeline', async () => (await app<{ pipelines: PipelineRun[] }>('pipelines.list', { model: MODEL })).pipelines[0]);
    expect(first.trigger.type).toBe('alert');
    // One alert, one retrain: no more rules fire while we watch the swap.
    await app('alerts.rules.delete', { id: rule.id });

    // Requests keep coming from 4 clients until the server has answered with the new champion for a while.
    let stop = false;
    const answers: Answer[] = [];
    const clients = Array.from({ length: 4 }, async (_, c) => {
      for (let i = 0; !stop; i++) {
        answers.push(await predict([plain[1000 + ((c * 97 + i) % 500)]!]));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    });
    const done = await until('the first pipeline to end', async () => {
      const run = (await app<{ pipeline: PipelineRun }>('pipelines.get', { id: first.id })).pipeline;
      return run.state === 'running' ? undefined : run;
    }, 70_000);
    expect(done.state, `${done.decision}\n${JSON.stringify(done.steps.map((s) => [s.step, s.status, s.detail.error]))}`).toBe('promoted');
    await until('answers from the new champion', () => (answers.slice(-20).filter((a) => a.version === done.challengerVersion).length >= 20 ? true : undefined), 20_000);
    stop = true;
    await Promise.all(clients);

    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    const versions = answers.map((a) => a.version);
    expect(versions).toContain('1');
    expect(versions.at(-1)).toBe('2');
    // Once swapped, never back.
    expect(versions.slice(versions.indexOf('2')).every((v) => v === '2')).toBe(true);

    // The chain, each step a job with its log and lineage.
    expect(done.steps.map((s) => [s.step, s.status])).toEqual([
      ['trigger', 'succeeded'],
      ['data', 'succeeded'],
      ['train', 'succeeded'],
      ['evaluate', 'succeeded'],
      ['gate', 'succeeded'],
      ['promote', 'succeeded'],
    ]);
    const data = done.steps[1]!.detail as { ref: string; labelledRows: number; reference: { ref: string } };
    expect(data.reference.ref).toBe('train@1');
    expect(data.labelledRows).toBe(400);
    const evaluation = done.steps[3]!.detail as { holdout: { ref: string }; champion: { metrics: { accuracy: number } }; challenger: { metrics: { accuracy: number } } };
    expect(evaluation.holdout.ref).toBe('churn-holdout@1');
    expect(evaluation.challenger.metrics.accuracy).toBeGreaterThanOrEqual(evaluation.champion.metrics.accuracy + 0.02);
    expect(done.steps.every((s) => s.jobId !== null && s.log.length > 0)).toBe(true);
    // The train step ran the built-in MLP project as its job: the champion's recorded target, seed
    // and backend, the policy's epochs and learning rate, the data step's version as its data.
    const train = done.steps[2]!;
    const trainDetail = train.detail as { runId: string; command: string; parameters: Record<string, string>; project: string; entry: string };
    expect(trainDetail).toMatchObject({ project: 'mlp', entry: 'main' });
    expect(trainDetail.parameters).toMatchObject({ target: 'churned', seed: '1', backend: 'cpu', epochs: '40', learning_rate: '0.01' });
    expect(trainDetail.command).toMatch(/^bash train\.sh --data \S+ct-churn-v1\.csv --target churned --epochs 40 /);
    const { job: trainJob } = await app<{ job: { kind: string; executor: string; status: string; runId: string; spec: { type: string }; logTail: string } }>('jobs.get', { id: train.jobId });
    expect(trainJob).toMatchObject({ kind: 'pipeline_step', executor: 'local', status: 'succeeded', runId: trainDetail.runId, spec: { type: 'project' } });
    expect(train.log).toContain('$ bash train.sh --data');
    expect(train.log).toMatch(/epoch \d+/);
    // What the pipeline did with the result ends the job's log.
    expect(train.log).toMatch(new RegExp(`\\[pipeline\\] registered run ${trainDetail.runId} as ${MODEL} version 2, alias 'challenger'\\n$`));

    // The audit trail: the policy moved the champion, with the numbers.
    const history = await app<{ entries: { alias: string; toVersion: string | null; actorIdentity: string; reason: string }[] }>('models.aliasHistory', { name: MODEL });
    const move = history.entries.find((e) => e.alias === 'champion' && e.toVersion === '2');
    expect(move?.actorIdentity).toBe(`policy:${MODEL}`);
    expect(move?.reason).toMatch(/accuracy on churn-holdout@1: challenger v2 0\.\d+, champion v1 0\.\d+/);

    // A worse challenger (one epoch at a crawl) is kept as challenger; the champion stays v2.
    const worse = { ...basePolicy, triggers: [{ type: 'manual' }], parameters: { epochs: '1', learning_rate: '0.00001' } };
    expect((await runCli(['ct', 'policy', 'set', MODEL, '--file', await policyFile('worse.yaml', worse), '--data-dir', dataDir])).code).toBe(0);
    const junit = join(work, 'pipeline.xml');
    const second = await runCli(['pipeline', 'run', '--model', MODEL, '--junit', junit, '--json', '--data-dir', dataDir], { timeoutMs: 60_000 });
    expect(second.code, second.stderr).toBe(0);
    const kept = (JSON.parse(second.stdout) as { pipeline: PipelineRun }).pipeline;
    expect(kept.state, kept.decision ?? '').toBe('kept_champion');
    expect(kept.championVersion).toBe('2');
    expect(kept.challengerVersion).toBe('3');
    const model = await app<{ model: { aliases: { alias: string; version: string }[] } }>('models.get', { name: MODEL });
    expect(model.model.aliases).toEqual(expect.arrayContaining([{ alias: 'champion', version: '2' }, { alias: 'challenger', version: '3' }]));
    const xml = await readFile(junit, 'utf8');
    expect(xml).toContain('name="6. promote"');
    expect(xml).toMatch(/<testcase classname="pipeline churn.gates" name="accuracy: challenger beats champion by 0.02" time="0">\s*<failure message="challenger accuracy/);
    expect((await predict([plain[2000]!])).version).toBe('2');
    // v3 is the challenger now: the model server scores it on live traffic too, answering with v2 only.
    const live = await until('shadow rows for the challenger', async () => {
      const answer = await predict([plain[2001]!, plain[2002]!]);
      expect(answer.version).toBe('2');
      const { comparison } = await app<{ comparison: { challengerVersion: string; rows: number; agreement: number | null } | null }>('pipelines.shadow', { model: MODEL });
      // Agreement needs the champion's own row, which the prediction log stores a moment after the shadow row.
      return comparison && comparison.rows > 0 && comparison.agreement !== null ? comparison : undefined;
    }, 20_000);
    expect(live.challengerVersion).toBe('3');
    expect(live.agreement).not.toBeNull();

    // A held-out set the champion trained on is refused before anything trains, naming the overlap.
    const leaky = { ...worse, holdout: 'train@1' };
    expect((await runCli(['ct', 'policy', 'set', MODEL, '--file', await policyFile('leaky.yaml', leaky), '--data-dir', dataDir])).code).toBe(0);
    const refused = await runCli(['pipeline', 'run', '--model', MODEL, '--junit', junit, '--data-dir', dataDir], { timeoutMs: 30_000 });
    expect(refused.code).toBe(3);
    expect(refused.stdout).toContain("trigger  failed");
    expect(refused.stdout).toContain("Held-out data train@1 is not held out: 600 of its 600 rows (by row hash) are in the champion's training data ct-churn@1");
    expect(await readFile(junit, 'utf8')).toMatch(/name="1. trigger"[^>]*>\s*<failure message="Held-out data train@1 is not held out/);
  }, 150_000);
});
