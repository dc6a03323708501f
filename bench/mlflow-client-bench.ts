/**
 * The tracking figures as a Python user gets them: MLflow 2.12.2's own client (vendored in
 * ../shared/vendor) timing log_metric, a 1,000-key log_batch and a 1,000-run search_runs against
 * `mldesk serve` and against MLflow's own server started from the same folder, same data, same
 * run. Each figure is also sent raw through the client's HTTP layer, so the client's own share shows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mlflowAvailability, pythonEnv, PYTHON } from '../tests/integration/mlflow-client/python-client.js';
import { loadTrackingStoreModule } from './project-modules.js';
import { startServerProcess } from './server-process.js';
import { summarize, textTable, type LatencySummary } from './stats.js';

const SCRIPT = fileURLToPath(new URL('./mlflow_client_bench.py', import.meta.url));
const SEARCH_RUNS = 1000;
const SEARCH_EXPERIMENT = 'client-bench-search';
const T0 = 1_700_000_000_000;

/** A client call, the same request sent raw right after it, and the difference of each such pair. */
export interface PairedFigure {
  call: LatencySummary;
  raw: LatencySummary;
  clientShare: LatencySummary;
}

export interface ClientFigures {
  logMetric: PairedFigure;
  logBatch: PairedFigure;
  searchRuns: PairedFigure;
  searchReturned: number;
  searchReplyBytes: number;
}

export type MlflowClientBenchResult = { skipped: string } | { mldesk: ClientFigures; mlflow: ClientFigures; mlflowStartSeconds: number };

interface Options {
  workDir: string;
  log: (line: string) => void;
}

/** Seeds MLDesk with the runs mlflow_client_bench.py's seed_rows writes into MLflow's database. */
async function seedMldesk(dataDir: string): Promise<void> {
  const { TrackingStore } = await loadTrackingStoreModule();
  const store = TrackingStore.open(dataDir);
  try {
    const experimentId = store.experiments.create(SEARCH_EXPERIMENT, undefined, []);
    store.db.transaction(() => {
      for (let i = 0; i < SEARCH_RUNS; i++) {
        const name = `run-${String(i).padStart(5, '0')}`;
        const tags = [{ key: 'team', value: 'bench' }, ...Array.from({ length: 5 }, (_, k) => ({ key: `t${k}`, value: `tag-${k}-${i % 7}` }))];
        const run = store.createRun({ experimentId, userId: 'bench', runName: name, startTime: T0 + i * 1000, tags: [...tags, { key: 'mlflow.user', value: 'bench' }] });
        store.logBatch(run.info.run_id, {
          metrics: Array.from({ length: 10 }, (_, k) => ({ key: `m${k}`, value: ((i * 7919 + k * 104729) % 1000) / 1000, timestamp: T0, step: 0 })),
          params: Array.from({ length: 10 }, (_, k) => ({ key: `p${k}`, value: `value-${k}-${i % 13}` })),
          tags: [],
        });
      }
    })();
  } finally {
    store.close();
  }
}

function python(args: string[], env: Record<string, string>, log: (line: string) => void): Promise<string> {
  const child = spawn(PYTHON, [SCRIPT, ...args], { env: pythonEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    for (const line of chunk.split('\n')) if (line.startsWith('[mlflow-client-bench]')) log(line.slice(22));
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${SCRIPT} ${args.join(' ')} exited with ${code}:\n${stderr.slice(-3000)}`))));
  });
}

async function measure(url: string, log: (line: string) => void): Promise<ClientFigures> {
  const stdout = await python([], { MLFLOW_TRACKING_URI: url }, log);
  const line = stdout.split('\n').find((l) => l.startsWith('RESULTS '));
  if (!line) throw new Error(`${SCRIPT} printed no results:\n${stdout.slice(-2000)}`);
  const raw = JSON.parse(line.slice('RESULTS '.length)) as Record<string, number[] | number>;
  const paired = (key: string): PairedFigure => {
    const call = raw[key] as number[];
    const sent = raw[`${key}_raw`] as number[];
    return { call: summarize(call), raw: summarize(sent), clientShare: summarize(call.map((ms, i) => ms - sent[i]!)) };
  };
  return {
    logMetric: paired('log_metric'),
    logBatch: paired('log_batch'),
    searchRuns: paired('search_runs'),
    searchReturned: raw.search_returned as number,
    searchReplyBytes: raw.search_reply_bytes as number,
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** `python3 -m mlflow server` (gunicorn and its workers) in its own process group, stopped as a group. */
async function startMlflowServer(dir: string): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const args = ['-m', 'mlflow', 'server', '--backend-store-uri', `sqlite:///${join(dir, 'mlflow.db')}`, '--default-artifact-root', join(dir, 'art'), '--host', '127.0.0.1', '--port', String(port)];
  const child = spawn(PYTHON, args, { cwd: dir, env: pythonEnv({}), stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGTERM');
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mlflow server exited with ${child.exitCode}:\n${stderr}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, child, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`mlflow server did not answer /health within 90 s:\n${stderr}`);
}

export async function benchMlflowClient(options: Options): Promise<MlflowClientBenchResult> {
  const availability = mlflowAvailability();
  if (!availability.ok) return { skipped: availability.reason };
  const mldeskDir = join(options.workDir, 'client-mldesk');
  const mlflowDir = join(options.workDir, 'client-mlflow');
  mkdirSync(mlflowDir, { recursive: true });

  options.log(`mlflow client: seeding ${SEARCH_RUNS} runs into each server's store...`);
  await seedMldesk(mldeskDir);
  await python(['seed-mlflow', join(mlflowDir, 'mlflow.db'), join(mlflowDir, 'art'), String(SEARCH_RUNS)], {}, options.log);

  const mldeskServer = await startServerProcess(mldeskDir);
  let mldesk: ClientFigures;
  try {
    options.log('mlflow client: against mldesk serve...');
    mldesk = await measure(mldeskServer.url, options.log);
  } finally {
    await mldeskServer.stop();
  }
  const started = performance.now();
  const mlflowServer = await startMlflowServer(mlflowDir);
  const mlflowStartSeconds = (performance.now() - started) / 1000;
  try {
    options.log(`mlflow client: against MLflow's own server (up in ${mlflowStartSeconds.toFixed(1)} s)...`);
    return { mldesk, mlflow: await measure(mlflowServer.url, options.log), mlflowStartSeconds };
  } finally {
    await mlflowServer.stop();
  }
}

export function formatMlflowClientTable(result: MlflowClientBenchResult): string {
  if ('skipped' in result) return `(MLflow client figures skipped: ${result.skipped})`;
  const ms = (n: number) => `${Math.abs(n) < 10 ? n.toFixed(2) : n.toFixed(1)} ms`;
  const cell = (s: LatencySummary) => `${ms(s.medianMs)} (p95 ${ms(s.p95Ms)})`;
  const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
  const { mldesk, mlflow } = result;
  const figure = (label: string, key: 'logMetric' | 'logBatch' | 'searchRuns'): string[][] => {
    const [d, f] = [mldesk[key], mlflow[key]];
    return [
      [label, cell(d.call), cell(f.call), ratio(f.call.medianMs, d.call.medianMs)],
      ['    same request sent raw (client HTTP layer + server)', cell(d.raw), cell(f.raw), ratio(f.raw.medianMs, d.raw.medianMs)],
      ['    the client\'s own share (call − raw, paired)', cell(d.clientShare), cell(f.clientShare), ''],
    ];
  };
  return textTable([
    ['MLflow 2.12.2 Python client, median per call, same data, same run', 'mldesk serve', 'MLflow server (same folder)', 'MLflow ÷ MLDesk'],
    ...figure(`log_metric, one point (${mldesk.logMetric.call.calls} calls)`, 'logMetric'),
    ...figure(`log_batch, 1,000 metrics × 1,000 keys (${mldesk.logBatch.call.calls} calls)`, 'logBatch'),
    ...figure(`search_runs, ${mldesk.searchReturned}/${mlflow.searchReturned} of ${SEARCH_RUNS} runs (${mldesk.searchRuns.call.calls} calls)`, 'searchRuns'),
    ['    reply size', `${Math.round(mldesk.searchReplyBytes / 1024)} KB`, `${Math.round(mlflow.searchReplyBytes / 1024)} KB`, ''],
  ]);
}
