import autocannon from 'autocannon';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { postJson } from './http-client.js';
import { loadDatabaseModule } from './project-modules.js';
import { sampleRss, startServerProcess, type MemorySample } from './server-process.js';

const LOG_BATCH = '/api/2.0/mlflow/runs/log-batch';
export const BATCH_SIZE = 1000;
/** A handful of keys, each getting BATCH_SIZE / KEYS consecutive steps per call, as a training loop flushing its buffer. */
const KEYS = ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'learning_rate'];
const STEPS_PER_KEY = BATCH_SIZE / KEYS.length;
const T0 = 1_700_000_000_000;

interface Point {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

/** Batch number `index`: every key, steps [index * 200, index * 200 + 200), deterministic values. */
function batchPoints(index: number): Point[] {
  const points: Point[] = [];
  for (let j = 0; j < STEPS_PER_KEY; j++) {
    const step = index * STEPS_PER_KEY + j;
    KEYS.forEach((key, k) => {
      points.push({ key, value: Math.abs(Math.sin(step * 12.9898 + k * 78.233)), timestamp: T0 + step * 10, step });
    });
  }
  return points;
}

/** The body the MLflow Python client sends for log_batch with metrics only (empty repeated fields are omitted). */
function batchBody(runId: string, index: number): Buffer {
  return Buffer.from(JSON.stringify({ run_id: runId, metrics: batchPoints(index) }));
}

export interface RateFigure {
  points: number;
  seconds: number;
  pointsPerSecond: number;
}

export interface HttpIngestFigure extends RateFigure {
  connections: number;
  requests: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  failedRequests: number;
  /** Metric rows the run holds afterwards, counted with SQL: must equal `points`. */
  rowsStored: number;
}

export interface IngestResult {
  pointsPerLevel: number;
  rounds: number;
  /** Best round of each raw mode. */
  raw: { perBatchTransaction: RateFigure; singleTransaction: RateFigure };
  /** Best round of each connection level. */
  http: HttpIngestFigure[];
  /** Every measured round, in the order run. */
  allRounds: { raw: Array<RateFigure & { mode: string }>; http: HttpIngestFigure[] };
  best: HttpIngestFigure;
  memory: { idle: MemorySample; ingest: { hwmBytes: number; peakSampledRssBytes: number } };
}

type InsertPoint = (runPk: number, point: Point) => void;

/**
 * The baseline: the same points inserted with better-sqlite3 prepared statements into a fresh
 * database opened by the project's openDatabase (same pragmas and schema) with the INSERT the store
 * uses; once with one transaction per 1,000 points (one log-batch call's worth) and once with a
 * single transaction for everything.
 */
async function rawInsertRates(workDir: string, batches: number, round: number): Promise<Array<RateFigure & { mode: string }>> {
  const { openDatabase } = await loadDatabaseModule();
  const all = Array.from({ length: batches }, (_, i) => batchPoints(i));
  const expected = batches * BATCH_SIZE;
  const measure = (name: string, mode: 'per-batch' | 'single'): RateFigure => {
    const path = join(workDir, `raw-${name}-${round}.db`);
    const db = openDatabase(path);
    try {
      db.prepare(
        `INSERT INTO experiments (experiment_id, name, artifact_location, creation_time, last_update_time) VALUES (0, 'Default', 'raw', 0, 0)`,
      ).run();
      const runPk = Number(
        db
          .prepare(`INSERT INTO runs (run_uuid, experiment_id, name, status, start_time, artifact_uri) VALUES ('raw', 0, 'raw', 'RUNNING', 0, 'raw')`)
          .run().lastInsertRowid,
      );
      const statement = db.prepare('INSERT OR IGNORE INTO metrics (run_pk, key, step, timestamp, value, is_nan) VALUES (?, ?, ?, ?, ?, ?)');
      const insert: InsertPoint = (pk, p) => statement.run(pk, p.key, p.step, p.timestamp, p.value, 0);
      const insertBatches = db.transaction((list: Point[][]) => {
        for (const batch of list) for (const point of batch) insert(runPk, point);
      });
      const started = performance.now();
      if (mode === 'single') insertBatches(all);
      else for (const batch of all) insertBatches([batch]);
      const seconds = (performance.now() - started) / 1000;
      const stored = (db.prepare('SELECT count(*) AS n FROM metrics').get() as { n: number }).n;
      if (stored !== expected) throw new Error(`raw baseline stored ${stored} points, expected ${expected}`);
      return { points: stored, seconds, pointsPerSecond: stored / seconds };
    } finally {
      db.close();
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    }
  };
  return [
    { mode: 'per-batch', ...measure('per-batch', 'per-batch') },
    { mode: 'single', ...measure('single', 'single') },
  ];
}

async function createRun(url: string, name: string): Promise<string> {
  const reply = await postJson<{ run: { info: { run_id: string } } }>(url, '/api/2.0/mlflow/runs/create', {
    experiment_id: '0',
    run_name: name,
    start_time: Date.now(),
  });
  return reply.run.info.run_id;
}

/** Sends `requests` log-batch calls of 1,000 fresh points each over `connections` keep-alive connections. */
async function httpIngest(url: string, runId: string, connections: number, requests: number): Promise<Omit<HttpIngestFigure, 'rowsStored'>> {
  // Bodies are built before the clock starts so the client's CPU goes to sending; autocannon may
  // build a request or two it never sends, so a few spares are made lazily.
  const bodies = Array.from({ length: requests }, (_, i) => batchBody(runId, i));
  let next = 0;
  const instance = autocannon({
    url,
    connections,
    amount: requests,
    sampleInt: 100,
    timeout: 60,
    requests: [
      {
        method: 'POST',
        path: LOG_BATCH,
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => {
          const index = next++;
          return { ...request, body: bodies[index] ?? batchBody(runId, index) };
        },
      },
    ],
  });
  // autocannon's own duration is rounded up to its sampling tick; time the first to the last reply here.
  const started = performance.now();
  let lastReply = started;
  instance.on('response', () => {
    lastReply = performance.now();
  });
  const result = await instance;
  const seconds = (lastReply - started) / 1000;
  const ok = result['2xx'];
  return {
    connections,
    requests: ok,
    points: ok * BATCH_SIZE,
    seconds,
    pointsPerSecond: (ok * BATCH_SIZE) / seconds,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    failedRequests: result.non2xx + result.errors,
  };
}

async function countRows(databasePath: string, runId: string): Promise<number> {
  const { openDatabase } = await loadDatabaseModule();
  // A second connection on the live WAL database: reads never block the server's writer.
  const db = openDatabase(databasePath);
  try {
    const row = db.prepare('SELECT count(*) AS n FROM metrics m JOIN runs r ON r.run_pk = m.run_pk WHERE r.run_uuid = ?').get(runId) as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}

export interface IngestOptions {
  workDir: string;
  /** Points sent at each connection level (and inserted by each raw baseline). */
  points: number;
  connectionLevels: number[];
  /**
   * Each measurement (raw modes and connection levels, interleaved) is repeated this many times and
   * the best kept: other work on a small machine only ever slows a round down.
   */
  rounds: number;
  log: (line: string) => void;
}

function fastest<T extends RateFigure>(figures: T[]): T {
  return figures.reduce((a, b) => (b.pointsPerSecond > a.pointsPerSecond ? b : a));
}

export async function benchIngest(options: IngestOptions): Promise<IngestResult> {
  const batches = Math.round(options.points / BATCH_SIZE);
  const dataDir = join(options.workDir, 'ingest-server');
  const server = await startServerProcess(dataDir);
  try {
    // Idle: right after the listening line, once startup garbage has settled.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const idle = server.memory();
    const sampler = sampleRss(server.pid);
    // Warm-up (JIT, page cache) on its own run so the measured runs hold only measured points.
    await httpIngest(server.url, await createRun(server.url, 'warm-up'), 2, 30);
    const rawRounds: Array<RateFigure & { mode: string }> = [];
    const httpRounds: HttpIngestFigure[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      options.log(`ingest round ${round}/${options.rounds}: raw better-sqlite3 baseline, ${batches * BATCH_SIZE} points per mode...`);
      rawRounds.push(...(await rawInsertRates(options.workDir, batches, round)));
      for (const connections of options.connectionLevels) {
        options.log(`ingest round ${round}/${options.rounds}: ${batches} log-batch calls over ${connections} connection(s)...`);
        const runId = await createRun(server.url, `ingest-c${connections}-r${round}`);
        const figure = await httpIngest(server.url, runId, connections, batches);
        const rowsStored = await countRows(join(dataDir, 'mldesk.db'), runId);
        httpRounds.push({ ...figure, rowsStored });
      }
    }
    const peakSampledRssBytes = sampler.stop();
    const { hwmBytes } = server.memory();
    const bestRaw = (mode: string) => {
      const { mode: _mode, ...figure } = fastest(rawRounds.filter((r) => r.mode === mode));
      return figure;
    };
    const http = options.connectionLevels.map((c) => fastest(httpRounds.filter((r) => r.connections === c)));
    return {
      pointsPerLevel: batches * BATCH_SIZE,
      rounds: options.rounds,
      raw: { perBatchTransaction: bestRaw('per-batch'), singleTransaction: bestRaw('single') },
      http,
      allRounds: { raw: rawRounds, http: httpRounds },
      best: fastest(http),
      memory: { idle, ingest: { hwmBytes, peakSampledRssBytes } },
    };
  } finally {
    await server.stop();
  }
}
