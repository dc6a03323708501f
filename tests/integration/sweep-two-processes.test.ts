/**
 * Two MLDesk processes on one data dir: a sweep driven by `mldesk sweep` keeps running when the
 * app (`mldesk serve`) starts beside it. The starting process ends only sweeps whose driving
 * process is gone; before, it took every 'running' sweep for an orphan of a crash.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { NODE_TRIAL_MLPROJECT, nodeTrialJs, writeProject } from './project-fixture.js';
import { childEnv, CLI, cleanupTempDirs, makeTempDir, REPO_ROOT, runCli, startServer, stopAllServers } from './server-process.js';

afterAll(async () => {
  await stopAllServers();
  await cleanupTempDirs();
});

/** A grid of 4 trials, each logging a step every 300 ms for ~3 s. */
async function writeSweep(): Promise<string> {
  return writeProject(
    {
      'p/MLproject': NODE_TRIAL_MLPROJECT,
      'p/train.js': nodeTrialJs(10, 300),
      'sweep.yaml': 'name: two-processes\nproject: p\nmethod: grid\nmetric: {name: loss, goal: minimize}\nparameters:\n  x: {values: [0.1, 0.3, 0.5, 0.7]}\n',
    },
    'sweep2-project',
  );
}

async function sweepRunning(dataDir: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (sweepState(dataDir)?.state !== 'running') {
    if (Date.now() > deadline) throw new Error(`the sweep never started: ${JSON.stringify(sweepState(dataDir))}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function sweepState(dataDir: string): { state: string; reason: string | null } | undefined {
  if (!existsSync(join(dataDir, 'mldesk.db'))) return undefined;
  const db = new Database(join(dataDir, 'mldesk.db'), { readonly: true, timeout: 5_000 });
  try {
    // Until the CLI has migrated the new database there is no sweeps table yet.
    if (!db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'sweeps'`).get()) return undefined;
    return db.prepare('SELECT state, reason FROM sweeps').get() as { state: string; reason: string | null } | undefined;
  } finally {
    db.close();
  }
}

describe('a sweep and the app on one data dir', () => {
  it('mldesk serve started mid-sweep leaves the other process’s sweep running; it finishes with every trial', { timeout: 90_000 }, async () => {
    const project = await writeSweep();
    const dataDir = await makeTempDir('sweep2-data');

    const sweep = runCli(['sweep', join(project, 'sweep.yaml'), '--parallel', '2', '--json', '--data-dir', dataDir], { timeoutMs: 80_000 });
    // Once the sweep runs, start the app on the same data dir.
    await sweepRunning(dataDir);
    const server = await startServer({ dataDir });
    expect(sweepState(dataDir)).toEqual({ state: 'running', reason: null });
    const listed = await server.post<{ ok: true; value: { sweeps: Array<{ name: string; state: string }> } }>('/app-api/sweeps.list', { limit: 10 });
    expect(listed.body.value.sweeps).toEqual([expect.objectContaining({ name: 'two-processes', state: 'running' })]);

    const result = await sweep;
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { state: string; trials: Array<{ state: string }>; best: { parameters: { x: number } } };
    expect(summary.state).toBe('finished');
    expect(summary.trials.map((trial) => trial.state)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(summary.best.parameters.x).toBe(0.3);
    expect(sweepState(dataDir)?.state).toBe('finished');
  });

  it('a sweep whose process was killed is ended as failed by the next start, its job too, and no trial is left running', { timeout: 90_000 }, async () => {
    const project = await writeSweep();
    const dataDir = await makeTempDir('sweep2-data');
    const sweep = spawn(process.execPath, [CLI, 'sweep', join(project, 'sweep.yaml'), '--parallel', '2', '--data-dir', dataDir], { cwd: REPO_ROOT, env: childEnv(), stdio: 'ignore' });
    const exited = new Promise((resolve) => sweep.once('exit', resolve));
    await sweepRunning(dataDir);
    sweep.kill('SIGKILL');
    await exited;

    await startServer({ dataDir });
    expect(sweepState(dataDir)).toEqual({ state: 'failed', reason: 'MLDesk stopped while the sweep ran' });
    const db = new Database(join(dataDir, 'mldesk.db'), { readonly: true, timeout: 5_000 });
    try {
      expect(db.prepare(`SELECT status FROM jobs WHERE kind = 'sweep'`).all()).toEqual([{ status: 'failed' }]);
      expect(db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE status = 'running'`).get()).toEqual({ n: 0 });
      expect(db.prepare(`SELECT COUNT(*) AS n FROM sweep_trials WHERE state IN ('queued', 'running')`).get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });
});
