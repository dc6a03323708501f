import { join } from 'node:path';
import type { TrackingStore } from '../electron/core/store/tracking-store.js';
import { SeededRandom } from '../electron/core/training/prng.js';
import { httpRequest } from './http-client.js';
import { loadTrackingStoreModule } from './project-modules.js';
import { startServerProcess, type MemorySample } from './server-process.js';
import { timeCalls, timeSync, type LatencySummary } from './stats.js';

const RUNS_SEARCH = '/api/2.0/mlflow/runs/search';
export const FILTER = 'metrics.m0 > 0.5';
export const ORDER_BY = 'metrics.m1 DESC';
const PARAMS_PER_RUN = 10;
const METRICS_PER_RUN = 10;
const TAGS_PER_RUN = 5;
const T0 = 1_700_000_000_000;

/**
 * Seeds `runs` runs through the store API (the code the server runs), 1,000 runs per outer
 * transaction: the store's own per-call transactions nest as savepoints, so only the commits are saved.
 */
export function seed(store: TrackingStore, runs: number): void {
  // Seeded, so every bench run seeds the same values.
  const random = new SeededRandom(42);
  const next = () => random.next();
  const chunk = store.db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const tags = Array.from({ length: TAGS_PER_RUN }, (_, t) => ({ key: `t${t}`, value: `tag-${t}-${i % 7}` }));
      const run = store.createRun({ experimentId: '0', runName: `run-${i}`, startTime: T0 + i * 1000, tags });
      store.logBatch(run.info.run_id, {
        metrics: Array.from({ length: METRICS_PER_RUN }, (_, m) => ({ key: `m${m}`, value: next(), timestamp: T0 + i * 1000 + 500, step: 0 })),
        params: Array.from({ length: PARAMS_PER_RUN }, (_, p) => ({ key: `p${p}`, value: `value-${p}-${i % 13}` })),
        tags: [],
      });
    }
  });
  for (let from = 0; from < runs; from += 1000) chunk(from, Math.min(runs, from + 1000));
}

/**
 * The statement run-search.ts builds for this filter and order_by, written out by hand: the bare
 * SQL cost with no parsing and no run documents (the keys by which the server finds each run's
 * cached document). The bench checks it returns the same run ids as the server, in the same order.
 */
const BARE_SQL = `SELECT r.run_pk, r.run_uuid, r.data_version
  FROM runs r LEFT JOIN latest_metrics o0 ON o0.run_pk = r.run_pk AND o0.key = ?
  WHERE r.experiment_id IN (?) AND r.lifecycle_stage = 'active'
    AND EXISTS (SELECT 1 FROM latest_metrics m WHERE m.run_pk = r.run_pk AND m.key = ? AND m.is_nan = 0 AND m.value > ?)
  ORDER BY CASE WHEN o0.run_pk IS NULL THEN 2 WHEN o0.is_nan = 1 THEN 1 ELSE 0 END, o0.value DESC, r.start_time DESC, r.run_uuid ASC
  LIMIT ? OFFSET ?`;

export interface SearchScenarioResult {
  runs: number;
  maxResults: number;
  seedSeconds: number;
  /** Runs on the first page of the reply, and whether there was a next page. */
  returned: number;
  nextPage: boolean;
  responseBytes: number;
  /** The bare SQL and the server returned the same run ids in the same order. */
  sameIdsAsBareSql: boolean;
  httpSearch: LatencySummary;
  httpHealth: LatencySummary;
  bareSql: LatencySummary;
  /** store.searchRunsJson in-process: the server's answer bytes (SQL plus cached run documents), no HTTP. */
  inProcessStore: LatencySummary;
  serverMemory: MemorySample;
}

export interface SearchOptions {
  workDir: string;
  runs: number;
  maxResults: number;
  warmUp: number;
  calls: number;
  log: (line: string) => void;
}

export async function benchSearch(options: SearchOptions): Promise<SearchScenarioResult> {
  const { TrackingStore } = await loadTrackingStoreModule();
  const dataDir = join(options.workDir, `search-${options.runs}`);
  const request = { experiment_ids: ['0'], filter: FILTER, order_by: [ORDER_BY], run_view_type: 'ACTIVE_ONLY', max_results: options.maxResults };

  options.log(`search: seeding ${options.runs} runs (${PARAMS_PER_RUN} params, ${METRICS_PER_RUN} metrics, ${TAGS_PER_RUN} tags each)...`);
  const store = TrackingStore.open(dataDir);
  let seedSeconds: number;
  let bareSql: LatencySummary;
  let inProcessStore: LatencySummary;
  let bareIds: string[];
  try {
    seedSeconds = timeSync(() => seed(store, options.runs)) / 1000;
    const statement = store.db.prepare(BARE_SQL);
    const bareArgs = ['m1', 0, 'm0', 0.5, options.maxResults + 1, 0];
    bareIds = (statement.all(...bareArgs) as Array<{ run_uuid: string }>).slice(0, options.maxResults).map((row) => row.run_uuid);
    options.log(`search: ${options.runs} runs seeded in ${seedSeconds.toFixed(1)} s; in-process baselines...`);
    bareSql = await timeCalls(options.warmUp, options.calls, () => timeSync(() => statement.all(...bareArgs)));
    const query = { experimentIds: ['0'], filter: FILTER, orderBy: [ORDER_BY], viewType: 'ACTIVE_ONLY' as const, maxResults: options.maxResults };
    inProcessStore = await timeCalls(options.warmUp, options.calls, () => timeSync(() => store.searchRunsJson(query)));
  } finally {
    store.close();
  }

  const server = await startServerProcess(dataDir);
  try {
    options.log(`search: ${options.runs} runs over HTTP...`);
    const first = await httpRequest(server.url, 'POST', RUNS_SEARCH, request);
    if (first.status !== 200) throw new Error(`runs/search answered ${first.status}: ${first.body.slice(0, 300)}`);
    const page = JSON.parse(first.body) as { runs?: Array<{ info: { run_id: string } }>; next_page_token?: string };
    const ids = (page.runs ?? []).map((run) => run.info.run_id);
    const timedSearch = async () => {
      const reply = await httpRequest(server.url, 'POST', RUNS_SEARCH, request);
      if (reply.status !== 200) throw new Error(`runs/search answered ${reply.status}`);
      return reply.elapsedMs;
    };
    const httpSearch = await timeCalls(options.warmUp, options.calls, timedSearch);
    const httpHealth = await timeCalls(options.warmUp, options.calls, async () => (await httpRequest(server.url, 'GET', '/health')).elapsedMs);
    return {
      runs: options.runs,
      maxResults: options.maxResults,
      seedSeconds,
      returned: ids.length,
      nextPage: page.next_page_token !== undefined,
      responseBytes: Buffer.byteLength(first.body),
      sameIdsAsBareSql: ids.length === bareIds.length && ids.every((id, i) => id === bareIds[i]),
      httpSearch,
      httpHealth,
      bareSql,
      inProcessStore,
      serverMemory: server.memory(),
    };
  } finally {
    await server.stop();
  }
}
