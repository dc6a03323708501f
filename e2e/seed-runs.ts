import { spawn } from 'node:child_process';
import type { ServedApp } from './serve-fixture.js';

/** One run to log through the MLflow REST API, the way a Python client would. */
export interface SeedRun {
  name: string;
  startTime: number;
  metrics?: Record<string, number>;
  params?: Record<string, string>;
  tags?: Record<string, string>;
  /** Terminates the run (runs/update) with this status; left RUNNING when absent. */
  status?: 'FINISHED' | 'FAILED' | 'KILLED';
  endTime?: number;
}

export async function createExperiment(app: ServedApp, name: string): Promise<string> {
  return (await app.api<{ experiment_id: string }>('experiments/create', { name })).experiment_id;
}

async function logRun(app: ServedApp, experimentId: string, run: SeedRun): Promise<string> {
  const { run: created } = await app.api<{ run: { info: { run_id: string } } }>('runs/create', {
    experiment_id: experimentId,
    run_name: run.name,
    start_time: run.startTime,
    tags: Object.entries(run.tags ?? {}).map(([key, value]) => ({ key, value })),
  });
  const runId = created.info.run_id;
  // JSON has no NaN; MLflow clients send it spelled out.
  const metrics = Object.entries(run.metrics ?? {}).map(([key, value]) => ({ key, value: Number.isNaN(value) ? 'NaN' : value, timestamp: run.startTime, step: 0 }));
  const params = Object.entries(run.params ?? {}).map(([key, value]) => ({ key, value }));
  if (metrics.length > 0 || params.length > 0) await app.api('runs/log-batch', { run_id: runId, metrics, params });
  if (run.status) await app.api('runs/update', { run_id: runId, status: run.status, end_time: run.endTime ?? run.startTime + 60_000 });
  return runId;
}

/**
 * Logs runs with `concurrency` clients in parallel (the server batches each request in one
 * transaction), so 10,000 runs take seconds. Returns run ids in the order of `runs`.
 */
export async function seedRuns(app: ServedApp, experimentId: string, runs: SeedRun[], concurrency = 24): Promise<string[]> {
  const ids = new Array<string>(runs.length);
  let next = 0;
  const worker = async () => {
    while (next < runs.length) {
      const index = next++;
      ids[index] = await logRun(app, experimentId, runs[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, runs.length) }, worker));
  return ids;
}

/**
 * Writes runs into the served data dir from a second process (e2e/seed-store.mjs) instead of the
 * REST API: for tests about a big table, where how the runs arrived is not the subject.
 */
export async function seedRunsInStore(app: ServedApp, experimentId: string, runs: SeedRun[]): Promise<string[]> {
  const child = spawn(process.execPath, ['e2e/seed-store.mjs'], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.end(JSON.stringify({ dataDir: app.dataDir, experimentId, runs }));
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`e2e/seed-store.mjs exited with ${code}`);
  return JSON.parse(out) as string[];
}
