/**
 * `mldesk sweep --redis` (issue 15, done means): a real CLI process drives a 16-trial ASHA sweep whose
 * trials run on two real `mldesk worker` processes through a real redis-server; the project goes to
 * them as a snapshot artifact (no shared disk). One worker is SIGKILLed mid-trial: the sweep still
 * finds the best trial, the abandoned run is FAILED as "worker lost" and the trial goes on in a new run.
 * Needs `npm run build`.
 */
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { startWorkerProcess, useQueueCleanup } from './bullmq-fixture.js';
import { CURVE_TRAIN_JS, CURVE_XS, readDb, writeProject, type SweepJson } from './project-fixture.js';
import { startRedis } from './redis-fixture.js';
import { makeTempDir, runCli } from './server-process.js';

const rig = useQueueCleanup();
const workers = rig.workers;

interface JobRow {
  job_id: string;
  status: string;
  worker_id: string | null;
  pid: number | null;
  run_uuid: string;
  attempts: number;
}

const tagsOf = (db: Database.Database, runId: string): Record<string, string> =>
  Object.fromEntries(
    (db.prepare('SELECT t.key, t.value FROM tags t JOIN runs r ON r.run_pk = t.run_pk WHERE r.run_uuid = ?').all(runId) as Array<{ key: string; value: string }>).map((t) => [t.key, t.value]),
  );

/** Polls the sweep's database until the trial with x = 0.3 (the best, never pruned) runs on a worker and has logged a step. */
async function runningBestTrial(dataDir: string, timeoutMs: number): Promise<JobRow> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const row = readDb(dataDir, (db) =>
        db
          .prepare(
            `SELECT j.job_id, j.status, j.worker_id, j.pid, j.run_uuid, j.attempts FROM jobs j JOIN runs r ON r.run_uuid = j.run_uuid
             WHERE j.kind = 'trial' AND j.status = 'running' AND j.worker_id IS NOT NULL AND j.pid IS NOT NULL
               AND json_extract(j.spec_json, '$.parameters.x') = '0.3'
               AND EXISTS (SELECT 1 FROM metrics m WHERE m.run_pk = r.run_pk AND m.key = 'loss')
             ORDER BY j.start_time LIMIT 1`,
          )
          .get(),
      ) as JobRow | undefined;
      if (row) return row;
    } catch {
      // The database does not exist yet (the sweep process is starting).
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  throw new Error(`the x = 0.3 trial did not run within ${timeoutMs} ms`);
}

describe('mldesk sweep --redis', () => {
  it('runs 16 trials on two BullMQ workers, survives one SIGKILLed mid-trial, and still finds the best trial', { timeout: 60_000 }, async () => {
    const redis = await startRedis();
    rig.redis.push(redis);
    const queue = `sweep${Date.now().toString(36)}`;
    workers.push(...(await Promise.all([0, 1].map(() => startWorkerProcess(redis.url, queue, ['--concurrency', '2'])))));
    const dir = await writeProject(
      {
        'project/MLproject': 'name: curve\nentry_points:\n  main:\n    parameters:\n      x: {type: float, default: 0.5}\n    command: "node train.js {x}"\n',
        'project/train.js': CURVE_TRAIN_JS,
        'sweep.yaml': `name: asha-queue\nproject: project\nmethod: grid\nmetric: {name: loss, goal: minimize}\nparameters:\n  x: {values: [${CURVE_XS.join(', ')}]}\nearly_terminate: {type: asha, min_iter: 1, eta: 3}\nstale_after_s: 30\n`,
      },
      'sweep-bullmq-project',
    );
    const dataDir = await makeTempDir('sweep-bullmq-data');
    const started = Date.now();
    const sweep = runCli(['sweep', join(dir, 'sweep.yaml'), '--parallel', '4', '--json', '--data-dir', dataDir, '--redis', redis.url, '--queue', queue], { timeoutMs: 55_000 });

    // Kill the worker running the best trial mid-trial (a trial ASHA never prunes, so it must finish
    // elsewhere), taking its trial processes with it as a machine going down would.
    const lost = await runningBestTrial(dataDir, 30_000);
    const victim = workers.find((worker) => worker.workerId === lost.worker_id)!;
    const survivor = workers.find((worker) => worker !== victim)!;
    const lostPids = readDb(dataDir, (db) => db.prepare(`SELECT pid FROM jobs WHERE status = 'running' AND worker_id = ? AND pid IS NOT NULL`).all(victim.workerId) as Array<{ pid: number }>);
    victim.child.kill('SIGKILL');
    await victim.exited;
    for (const { pid } of lostPids) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }

    const result = await sweep;
    const seconds = (Date.now() - started) / 1000;
    expect(result.code, `${result.stderr}\n--- survivor:\n${survivor.output()}`).toBe(0);
    const summary = JSON.parse(result.stdout) as SweepJson;
    expect(summary.state).toBe('finished');
    expect(summary.trials).toHaveLength(16);
    expect(summary.best, JSON.stringify(summary.trials.map((t) => [t.number, t.state, t.value, t.reason]))).toMatchObject({ parameters: { x: 0.3 } });
    expect(summary.best!.value).toBeCloseTo(0.05 * (1 + 3 / 9));
    const pruned = summary.trials.filter((trial) => trial.state === 'pruned');
    expect(pruned.length).toBeGreaterThanOrEqual(4);
    expect(summary.trials.filter((trial) => trial.state === 'completed').length + pruned.length, JSON.stringify(summary.trials.map((t) => [t.number, t.state, t.value, t.reason]))).toBe(16);

    readDb(dataDir, (db) => {
      // Nothing left queued or running.
      expect(db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running')`).get()).toEqual({ n: 0 });
      expect(db.prepare(`SELECT COUNT(*) AS n FROM runs WHERE status = 'RUNNING'`).get()).toEqual({ n: 0 });
      // Every trial ran on a worker, from the snapshot stored on the sweep run (not the folder: no shared disk).
      const specs = db.prepare(`SELECT executor, spec_json FROM jobs WHERE kind = 'trial'`).all() as Array<{ executor: string; spec_json: string }>;
      expect(specs).toHaveLength(16);
      for (const row of specs) {
        expect(row.executor).toBe('bullmq');
        expect((JSON.parse(row.spec_json) as { project: unknown }).project).toMatchObject({ kind: 'artifact', runId: summary.run_id, path: 'mldesk/project-snapshot.zip' });
      }
      // The abandoned run: FAILED with the reason.
      const abandoned = db.prepare('SELECT status FROM runs WHERE run_uuid = ?').get(lost.run_uuid) as { status: string };
      expect(abandoned.status).toBe('FAILED');
      expect(tagsOf(db, lost.run_uuid)['mldesk.failure_reason']).toMatch(/^worker lost: /);
      // The trial's job went on in a new run (on the survivor) and is not left failed.
      const job = db.prepare('SELECT status, run_uuid, worker_id, reason FROM jobs WHERE job_id = ?').get(lost.job_id) as { status: string; run_uuid: string; worker_id: string; reason: string | null };
      expect(job.status, job.reason ?? '').toBe('succeeded');
      expect(job.run_uuid).not.toBe(lost.run_uuid);
      expect(job.worker_id).toBe(survivor.workerId);
      expect(tagsOf(db, job.run_uuid)['mldesk.replaces_run']).toBe(lost.run_uuid);
      // The sweep followed its trial into the new run.
      const trial = summary.trials.find((t) => t.run_id === job.run_uuid);
      expect(trial, 'the sweep reports the trial under its new run').toMatchObject({ number: summary.best!.number, state: 'completed' });
    });
    expect(result.stderr).toMatch(/continues in run [0-9a-f]+ \(attempt retried\)/);
    process.stdout.write(`16-trial sweep on BullMQ with a worker killed took ${seconds.toFixed(1)} s, ${pruned.length} pruned\n`);
  });
});
