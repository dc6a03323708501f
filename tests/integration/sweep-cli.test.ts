/**
 * `mldesk sweep` as a user runs it: a real CLI process with its tracking server in-process, trials
 * as real child processes on the local pool (a generated Python project logging through the real
 * MLflow 2.12.2 client, and a node script logging over REST), a real SQLite store read back after.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mlflowAvailability } from './mlflow-client/python-client.js';
import { CURVE_TRAIN_JS as TRAIN_JS, CURVE_XS as XS, pythonRunEnv, readDb, writeProject, type SweepJson } from './project-fixture.js';
import { cleanupTempDirs, makeTempDir, runCli, stopAllServers } from './server-process.js';

afterAll(async () => {
  await stopAllServers();
  await cleanupTempDirs();
});

// The loss is ordered by |x − 0.3| at every step, so the best trial is known in advance: x = 0.3.
const TRAIN_PY = `
import sys, time, mlflow
x = float(sys.argv[1])
with mlflow.start_run():
    for step in range(1, 10):
        mlflow.log_metric("loss", (0.05 + abs(x - 0.3)) * (1 + 3.0 / step), step=step)
        time.sleep(0.1)
`;

async function asha16(kind: 'Python' | 'node', files: Record<string, string>, env: Record<string, string | undefined>): Promise<void> {
  const dir = await writeProject({
    ...files,
    'sweep.yaml': `name: asha-curve\nproject: project\nmethod: grid\nmetric: {name: loss, goal: minimize}\nparameters:\n  x: {values: [${XS.join(', ')}]}\nearly_terminate: {type: asha, min_iter: 1, eta: 3}\nstale_after_s: 60\n`,
  });
  const dataDir = await makeTempDir('sweep-data');
  const started = Date.now();
  const result = await runCli(['sweep', join(dir, 'sweep.yaml'), '--parallel', '4', '--json', '--data-dir', dataDir], { env, timeoutMs: 160_000 });
  const seconds = (Date.now() - started) / 1000;
  expect(result.code, result.stderr).toBe(0);
  const summary = JSON.parse(result.stdout) as SweepJson;
  expect(summary.state).toBe('finished');
  expect(summary.trials).toHaveLength(16);
  expect(summary.best).toMatchObject({ parameters: { x: 0.3 } });
  expect(summary.best!.value).toBeCloseTo(0.05 * (1 + 3 / 9));
  const pruned = summary.trials.filter((trial) => trial.state === 'pruned');
  expect(pruned.length).toBeGreaterThanOrEqual(6);
  for (const trial of pruned) {
    // Rungs at steps 1, 3 and 9 (min_iter 1, eta 3).
    expect([1, 3, 9]).toContain(trial.pruned_at_step);
    expect(trial.reason).toMatch(/^pruned at step [139]: rung [012] \(step [139]\): loss [\d.]+ is outside the top \d+ of \d+ at this rung \(cut-off [\d.]+, eta 3\)$/);
  }
  // Most losers go at the early rungs.
  expect(pruned.filter((trial) => trial.pruned_at_step! <= 3).length).toBeGreaterThanOrEqual(6);
  expect(summary.trials.filter((trial) => trial.state === 'completed').length + pruned.length).toBe(16);
  // Progress lines went to stderr as trials were pruned.
  expect(result.stderr).toMatch(/trial \d+ pruned at step 1: rung 0/);

  readDb(dataDir, (db) => {
    // The pruned runs ended KILLED with the reason and step as tags; every trial is a child of the sweep run.
    for (const trial of pruned) {
      const run = db.prepare('SELECT run_pk, status FROM runs WHERE run_uuid = ?').get(trial.run_id) as { run_pk: number; status: string };
      expect(run.status).toBe('KILLED');
      const tags = Object.fromEntries((db.prepare('SELECT key, value FROM tags WHERE run_pk = ?').all(run.run_pk) as Array<{ key: string; value: string }>).map((t) => [t.key, t.value]));
      expect(tags['mldesk.pruned']).toBe(trial.reason);
      expect(tags['mldesk.pruned_at_step']).toBe(String(trial.pruned_at_step));
      expect(tags['mlflow.parentRunId']).toBe(summary.run_id);
    }
    // Nothing left running: no job, no run.
    expect(db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running')`).get()).toEqual({ n: 0 });
    expect(db.prepare(`SELECT COUNT(*) AS n FROM runs WHERE status = 'RUNNING'`).get()).toEqual({ n: 0 });
    expect(db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE kind = 'trial' AND status = 'cancelled'`).get()).toEqual({ n: pruned.length });
    // Never more than --parallel trial processes at once: a pruned trial frees its slot only when its process has ended.
    const spans = db.prepare(`SELECT start_time AS start, end_time AS end FROM jobs WHERE kind = 'trial'`).all() as Array<{ start: number; end: number }>;
    const overlap = Math.max(...spans.map((span) => spans.filter((other) => other.start <= span.start && other.end > span.start).length));
    expect(overlap).toBeLessThanOrEqual(4);
    expect(overlap).toBeGreaterThanOrEqual(2);
    // Every prune is a stored decision; promotions are stored too.
    const decisions = db.prepare('SELECT decision, COUNT(*) AS n FROM sweep_decisions WHERE sweep_id = ? GROUP BY decision ORDER BY decision').all(summary.sweep_id);
    expect(decisions).toEqual([
      { decision: 'continue', n: expect.any(Number) as number },
      { decision: 'prune', n: pruned.length },
    ]);
  });
  process.stdout.write(`16-trial ${kind} sweep took ${seconds.toFixed(1)} s, ${pruned.length} pruned\n`);
}

describe('mldesk sweep', () => {
  it('runs 16 trials 4 at a time (a node script logging over REST); ASHA prunes the losers at early rungs and the best trial is found', { timeout: 120_000 }, async () => {
    await asha16('node', { 'project/MLproject': 'name: curve\nentry_points:\n  main:\n    parameters:\n      x: {type: float, default: 0.5}\n    command: "node train.js {x}"\n', 'project/train.js': TRAIN_JS }, {});
  });

  it('runs 16 Python trials 4 at a time with the real MLflow client; ASHA prunes the losers at early rungs and the best trial is found', { timeout: 170_000 }, async () => {
    expect(mlflowAvailability()).toEqual({ ok: true });
    await asha16('Python', { 'project/MLproject': 'name: curve\nentry_points:\n  main:\n    parameters:\n      x: {type: float, default: 0.5}\n    command: "python3 train.py {x}"\n', 'project/train.py': TRAIN_PY }, pythonRunEnv());
  });

  it('marks a trial that goes silent as stale and stops its process; the sweep still ends', { timeout: 60_000 }, async () => {
    // A node script logging over the REST API, as any language's client would.
    const work = `
const [x] = process.argv.slice(2);
const uri = process.env.MLFLOW_TRACKING_URI, run_id = process.env.MLFLOW_RUN_ID;
const log = (step, value) => fetch(uri + '/api/2.0/mlflow/runs/log-metric', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ run_id, key: 'loss', value, step, timestamp: Date.now() }) });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  for (let step = 1; step <= 4; step++) {
    if (x === 'silent' && step === 3) { require('fs').writeFileSync('silent.pid', String(process.pid)); await sleep(120000); }
    await log(step, 1 / step);
    await sleep(100);
  }
})();
`;
    const dir = await writeProject({
      MLproject: 'entry_points:\n  main:\n    parameters:\n      x: {type: string}\n    command: "node work.js {x}"\n',
      'work.js': work,
      'sweep.yaml': 'project: .\nmethod: grid\nmetric: {name: loss, goal: minimize}\nparameters:\n  x: {values: [silent, fine]}\nstale_after_s: 5\n',
    });
    const dataDir = await makeTempDir('sweep-data');
    const result = await runCli(['sweep', join(dir, 'sweep.yaml'), '--parallel', '2', '--json', '--data-dir', dataDir], { timeoutMs: 50_000 });
    const summary = JSON.parse(result.stdout) as SweepJson;
    const silent = summary.trials.find((trial) => String(trial.parameters.x) === 'silent')!;
    expect(silent.state).toBe('stale');
    expect(silent.reason).toMatch(/^stale: no loss reported for \d+ s since step 2 \(stale_after_s 5\)$/);
    expect(summary.trials.find((trial) => String(trial.parameters.x) === 'fine')!.state).toBe('completed');
    expect(result.code).toBe(0);
    readDb(dataDir, (db) => {
      const run = db.prepare('SELECT status FROM runs WHERE run_uuid = ?').get(silent.run_id) as { status: string };
      expect(run.status).toBe('KILLED');
      expect(db.prepare(`SELECT status, reason FROM jobs WHERE run_uuid = ?`).get(silent.run_id)).toEqual({ status: 'cancelled', reason: silent.reason });
    });
    // Its process is gone, not left sleeping.
    const pid = Number((await import('node:fs')).readFileSync(join(dir, 'silent.pid'), 'utf8'));
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('refuses a bad spec naming the field, before anything is created', { timeout: 30_000 }, async () => {
    const dir = await writeProject({
      MLproject: 'entry_points:\n  main:\n    parameters:\n      x: {type: int}\n    command: "node -e 0 {x}"\n',
      'bad.yaml': 'project: .\nmethod: grid\nmetric: {name: loss, goal: minimize}\nparameters:\n  x: {distribution: log_uniform_values, min: 0, max: 1}\n',
      'wrong-param.yaml': 'project: .\nmethod: grid\nmetric: {name: loss, goal: minimize}\nparameters:\n  x: {values: [many]}\n',
      'no-project.yaml': 'project: ../nowhere\nmethod: random\nmetric: {name: loss, goal: minimize}\nparameters:\n  x: {values: [1]}\n',
    });
    const dataDir = await makeTempDir('sweep-data');
    const bad = await runCli(['sweep', join(dir, 'bad.yaml'), '--data-dir', dataDir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('parameters.x: log_uniform_values needs min > 0');
    const wrong = await runCli(['sweep', join(dir, 'wrong-param.yaml'), '--data-dir', dataDir]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("Parameter 'x' (int): 'many' is not an integer.");
    const missing = await runCli(['sweep', join(dir, 'no-project.yaml'), '--data-dir', dataDir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('project: no folder at');
    const redis = await runCli(['sweep', join(dir, 'wrong-param.yaml'), '--redis', 'http://127.0.0.1:6379', '--data-dir', dataDir]);
    expect(redis.code).toBe(2);
    expect(redis.stderr).toContain("--redis: 'http://127.0.0.1:6379' must start with redis:// or rediss://.");
    const queue = await runCli(['sweep', join(dir, 'wrong-param.yaml'), '--queue', 'q1', '--data-dir', dataDir]);
    expect(queue.code).toBe(2);
    expect(queue.stderr).toContain('--queue needs --redis');
    readDb(dataDir, (db) => {
      expect(db.prepare('SELECT COUNT(*) AS n FROM runs').get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT COUNT(*) AS n FROM sweeps').get()).toEqual({ n: 0 });
    });
  });
});
