/**
 * Tracking-write latency as one MLflow client sees it: single calls, one keep-alive connection,
 * against `mldesk serve` started with a bench-only preload (parse-only-route.mjs) that adds
 * `/bench/parse-only`, a route that goes through the same hooks and JSON body parser and answers
 * `{}`. Every timed call is followed by the same body sent to the parse-only route, so machine
 * noise hits both alike; the table shows each beside the other. It reports; it never fails on a
 * figure.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpRequest, postJson } from './http-client.js';
import { loadTrackingStoreModule } from './project-modules.js';
import { startServerProcess } from './server-process.js';
import { summarize, textTable, type LatencySummary } from './stats.js';
import { FILTER, ORDER_BY, seed } from './tracking-search.js';

const PRELOAD = fileURLToPath(new URL('./parse-only-route.mjs', import.meta.url));
const API = '/api/2.0/mlflow';
const PARSE_ONLY = '/bench/parse-only';
const T0 = 1_700_000_000_000;
const SEARCH_RUNS = 1_000;

export const LATENCY_TARGETS = {
  logBatchWideMedianMs: 6,
  logMetricOverExperimentsGetMs: 0.3,
  search1kMedianMs: 15,
} as const;

export interface LatencyPair {
  route: LatencySummary;
  parseOnly: LatencySummary;
  /**
   * Server process CPU (all threads, user + system) per call, in ms: read from /proc around each
   * call (10 ms ticks, so only the mean over many calls means anything). Less sensitive than wall
   * time to other work on the machine, and it counts work moved off the request path too.
   */
  routeCpuMs: number;
  /** The part of routeCpuMs spent on the thread that answers requests (the rest is background work). */
  routeMainThreadCpuMs: number;
  parseOnlyCpuMs: number;
  /** Size of one request body (the parse-only route gets the same bytes). */
  bodyBytes: number;
}

export interface TrackingLatencyResult {
  calls: number;
  rounds: number;
  logBatchWide: LatencyPair;
  logBatchNarrow: LatencyPair;
  logMetric: LatencyPair;
  experimentsGet: LatencyPair;
  /** The request of the search figures above (filter and order_by over 1,000 runs), as the issue measured it. */
  search: LatencyPair & { runs: number; returned: number; replyBytes: number };
  /** Every one of the 1,000 runs in one answer, ordered by a metric: the heaviest reply (report only). */
  searchAll: LatencyPair & { runs: number; returned: number; replyBytes: number };
  /** Points the runs hold after the bench, counted through metrics/get-history of a few keys, against points sent. */
  pointsChecked: { expected: number; found: number };
  seedSeconds: number;
}

export interface TrackingLatencyOptions {
  workDir: string;
  /** Timed calls per figure and round. */
  calls: number;
  rounds: number;
  warmUp: number;
  log: (line: string) => void;
}

interface Scenario {
  name: keyof Pick<TrackingLatencyResult, 'logBatchWide' | 'logBatchNarrow' | 'logMetric' | 'experimentsGet' | 'search' | 'searchAll'>;
  method: 'GET' | 'POST';
  path: string;
  /** The query string (GET) or JSON body (POST) of call number `i`. */
  input(i: number): Record<string, unknown>;
}

const WIDE_KEYS = Array.from({ length: 1000 }, (_, i) => `layer_${String(Math.floor(i / 4)).padStart(3, '0')}/${['weight_norm', 'grad_norm', 'update_ratio', 'activation_mean'][i % 4]}`);
const NARROW_KEYS = Array.from({ length: 10 }, (_, i) => `metric_${i}`);
const value = (step: number, k: number) => Math.abs(Math.sin(step * 12.9898 + k * 78.233));

/** One step of a model's per-layer statistics: 1,000 keys, one point each. */
function wideBatch(runId: string, call: number) {
  return { run_id: runId, metrics: WIDE_KEYS.map((key, k) => ({ key, value: value(call, k), timestamp: T0 + call, step: call })) };
}

/** 1,000 points over 10 keys: 100 consecutive steps of each, as a training loop flushing its buffer. */
function narrowBatch(runId: string, call: number) {
  const metrics = [];
  for (let j = 0; j < 100; j++) {
    const step = call * 100 + j;
    for (let k = 0; k < NARROW_KEYS.length; k++) metrics.push({ key: NARROW_KEYS[k]!, value: value(step, k), timestamp: T0 + step, step });
  }
  return { run_id: runId, metrics };
}

/**
 * utime + stime in ms (Linux /proc, clock ticks of 10 ms) of a whole process, or of its main
 * thread (the one answering requests) with `mainThread`; NaN elsewhere.
 */
function cpuMs(pid: number, mainThread = false): number {
  try {
    const fields = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

const query = (input: Record<string, unknown>) => `?${new URLSearchParams(Object.entries(input).map(([k, v]): [string, string] => [k, String(v)])).toString()}`;

async function call(url: string, method: 'GET' | 'POST', path: string, input: Record<string, unknown>): Promise<{ ms: number; body: string }> {
  const reply = method === 'GET' ? await httpRequest(url, 'GET', `${path}${query(input)}`) : await httpRequest(url, 'POST', path, input);
  if (reply.status !== 200) throw new Error(`${method} ${path} answered ${reply.status}: ${reply.body.slice(0, 300)}`);
  return { ms: reply.elapsedMs, body: reply.body };
}

export async function benchTrackingLatency(options: TrackingLatencyOptions): Promise<TrackingLatencyResult> {
  const { TrackingStore } = await loadTrackingStoreModule();
  const dataDir = join(options.workDir, 'tracking-latency');
  options.log(`tracking latency: seeding ${SEARCH_RUNS} runs for runs/search...`);
  const store = TrackingStore.open(dataDir);
  const seedStarted = performance.now();
  try {
    seed(store, SEARCH_RUNS);
  } finally {
    store.close();
  }
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  const server = await startServerProcess(dataDir, { nodeArgs: ['--import', PRELOAD] });
  try {
    // The logging runs live in their own experiment so the search over experiment 0 sees exactly the seeded runs.
    const { experiment_id: experimentId } = await postJson<{ experiment_id: string }>(server.url, `${API}/experiments/create`, { name: 'tracking-latency' });
    const newRun = async (name: string) =>
      (await postJson<{ run: { info: { run_id: string } } }>(server.url, `${API}/runs/create`, { experiment_id: experimentId, run_name: name, start_time: T0 })).run.info.run_id;
    const wideRun = await newRun('wide');
    const narrowRun = await newRun('narrow');
    const metricRun = await newRun('single');
    const scenarios: Scenario[] = [
      { name: 'logBatchWide', method: 'POST', path: `${API}/runs/log-batch`, input: (i) => wideBatch(wideRun, i) },
      { name: 'logBatchNarrow', method: 'POST', path: `${API}/runs/log-batch`, input: (i) => narrowBatch(narrowRun, i) },
      { name: 'logMetric', method: 'POST', path: `${API}/runs/log-metric`, input: (i) => ({ run_id: metricRun, key: 'loss', value: value(i, 0), timestamp: T0 + i, step: i }) },
      { name: 'experimentsGet', method: 'GET', path: `${API}/experiments/get`, input: () => ({ experiment_id: experimentId }) },
      { name: 'search', method: 'POST', path: `${API}/runs/search`, input: () => ({ experiment_ids: ['0'], filter: FILTER, order_by: [ORDER_BY], max_results: SEARCH_RUNS }) },
      { name: 'searchAll', method: 'POST', path: `${API}/runs/search`, input: () => ({ experiment_ids: ['0'], order_by: [ORDER_BY], max_results: SEARCH_RUNS }) },
    ];
    const samples = new Map(scenarios.map((s) => [s.name, { route: [] as number[], parseOnly: [] as number[], routeCpu: 0, routeMainCpu: 0, parseCpu: 0, bodyBytes: 0 }]));
    /** One call, with the server CPU it took (read before and after; includes work it does right after answering). */
    const timed = async (method: 'GET' | 'POST', path: string, input: Record<string, unknown>) => {
      const before = cpuMs(server.pid);
      const mainBefore = cpuMs(server.pid, true);
      const result = await call(server.url, method, path, input);
      return { ...result, cpu: cpuMs(server.pid) - before, mainCpu: cpuMs(server.pid, true) - mainBefore };
    };
    const perScenario = options.warmUp + options.calls * options.rounds;
    const searchReplies = new Map<string, string>();
    // Rounds go over every scenario in turn, so a burst of load from elsewhere spreads over all of them.
    for (let round = 0; round < options.rounds; round++) {
      for (const scenario of scenarios) {
        options.log(`tracking latency: round ${round + 1}/${options.rounds}, ${scenario.name}...`);
        const into = samples.get(scenario.name)!;
        const first = round === 0 ? 0 : options.warmUp + round * options.calls;
        const count = round === 0 ? options.warmUp + options.calls : options.calls;
        for (let n = 0; n < count; n++) {
          const i = first + n;
          const input = scenario.input(i);
          // Which of the pair goes first alternates, so neither always follows the other's garbage.
          const parseFirst = n % 2 === 1;
          const parseBefore = parseFirst ? await timed(scenario.method, PARSE_ONLY, input) : undefined;
          const routeCall = await timed(scenario.method, scenario.path, input);
          const parseCall = parseBefore ?? (await timed(scenario.method, PARSE_ONLY, input));
          if (round === 0 && n < options.warmUp) continue;
          into.route.push(routeCall.ms);
          into.parseOnly.push(parseCall.ms);
          into.routeCpu += routeCall.cpu;
          into.routeMainCpu += routeCall.mainCpu;
          into.parseCpu += parseCall.cpu;
          into.bodyBytes = scenario.method === 'POST' ? Buffer.byteLength(JSON.stringify(input)) : query(input).length;
          if (scenario.name === 'search' || scenario.name === 'searchAll') searchReplies.set(scenario.name, routeCall.body);
        }
      }
    }
    const pair = (name: Scenario['name']): LatencyPair => {
      const s = samples.get(name)!;
      return {
        route: summarize(s.route),
        parseOnly: summarize(s.parseOnly),
        routeCpuMs: s.routeCpu / s.route.length,
        routeMainThreadCpuMs: s.routeMainCpu / s.route.length,
        parseOnlyCpuMs: s.parseCpu / s.parseOnly.length,
        bodyBytes: s.bodyBytes,
      };
    };
    const pointsChecked = await checkStored(server.url, [
      [wideRun, WIDE_KEYS[0]!, perScenario],
      [wideRun, WIDE_KEYS[999]!, perScenario],
      [narrowRun, NARROW_KEYS[9]!, perScenario * 100],
      [metricRun, 'loss', perScenario],
    ]);
    const searchFigures = (name: 'search' | 'searchAll') => {
      const reply = searchReplies.get(name) ?? '{}';
      return { ...pair(name), runs: SEARCH_RUNS, returned: (JSON.parse(reply) as { runs?: unknown[] }).runs?.length ?? 0, replyBytes: Buffer.byteLength(reply) };
    };
    return {
      calls: options.calls,
      rounds: options.rounds,
      logBatchWide: pair('logBatchWide'),
      logBatchNarrow: pair('logBatchNarrow'),
      logMetric: pair('logMetric'),
      experimentsGet: pair('experimentsGet'),
      search: searchFigures('search'),
      searchAll: searchFigures('searchAll'),
      pointsChecked,
      seedSeconds,
    };
  } finally {
    await server.stop();
  }
}

/** Reads whole histories back: every point sent must be there, once. */
async function checkStored(url: string, histories: Array<[runId: string, key: string, expected: number]>): Promise<{ expected: number; found: number }> {
  let expected = 0;
  let found = 0;
  for (const [runId, key, count] of histories) {
    const reply = await call(url, 'GET', `${API}/metrics/get-history`, { run_id: runId, metric_key: key });
    expected += count;
    found += ((JSON.parse(reply.body) as { metrics?: unknown[] }).metrics ?? []).length;
  }
  return { expected, found };
}

export interface LatencyCheck {
  id: string;
  description: string;
  measured: number;
  target: string;
  met: boolean;
}

export function trackingLatencyTargetChecks(result: TrackingLatencyResult): LatencyCheck[] {
  const overGet = result.logMetric.route.medianMs - result.experimentsGet.route.medianMs;
  return [
    {
      id: 'latency-log-batch-wide',
      description: 'log-batch of 1,000 points with 1,000 distinct keys, median (ms)',
      measured: result.logBatchWide.route.medianMs,
      target: `<= ${LATENCY_TARGETS.logBatchWideMedianMs} ms`,
      met: result.logBatchWide.route.medianMs <= LATENCY_TARGETS.logBatchWideMedianMs,
    },
    {
      id: 'latency-log-metric',
      description: 'log-metric median minus experiments/get median (ms)',
      measured: overGet,
      target: `<= ${LATENCY_TARGETS.logMetricOverExperimentsGetMs} ms`,
      met: overGet <= LATENCY_TARGETS.logMetricOverExperimentsGetMs,
    },
    {
      id: 'latency-search-1k',
      description: `runs/search over ${result.search.runs} runs ("${FILTER}", order by ${ORDER_BY}; ${result.search.returned} returned), median (ms)`,
      measured: result.search.route.medianMs,
      target: `<= ${LATENCY_TARGETS.search1kMedianMs} ms`,
      met: result.search.route.medianMs <= LATENCY_TARGETS.search1kMedianMs,
    },
    {
      id: 'latency-points-stored',
      description: 'points read back through get-history against points sent (must be equal)',
      measured: result.pointsChecked.found,
      target: `= ${result.pointsChecked.expected}`,
      met: result.pointsChecked.found === result.pointsChecked.expected,
    },
  ];
}

export function formatTrackingLatencyTable(result: TrackingLatencyResult, checks: LatencyCheck[]): string {
  const met = (id: string) => (checks.find((c) => c.id === id)?.met ? 'yes' : 'NO');
  const ms = (n: number) => n.toFixed(2);
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
  const row = (label: string, p: LatencyPair, target = '', ok = '') => [
    label,
    `${ms(p.route.medianMs)} (p95 ${ms(p.route.p95Ms)})`,
    `${ms(p.parseOnly.medianMs)} (p95 ${ms(p.parseOnly.p95Ms)})`,
    `+${ms(p.route.medianMs - p.parseOnly.medianMs)}`,
    `${ms(p.routeCpuMs)} (main ${ms(p.routeMainThreadCpuMs)}) / ${ms(p.parseOnlyCpuMs)}`,
    kb(p.bodyBytes),
    target,
    ok,
  ];
  const overGet = result.logMetric.route.medianMs - result.experimentsGet.route.medianMs;
  const rows: string[][] = [
    [
      `Tracking latency, 1 connection, ${result.rounds}×${result.calls} calls each`,
      'route ms, median (p95)',
      'parse-only same body',
      'over parse',
      'server CPU ms/call: route (main thread) / parse',
      'request',
      'Target',
      'Met',
    ],
    row('log-batch, 1,000 points, 1,000 distinct keys', result.logBatchWide, `<= ${LATENCY_TARGETS.logBatchWideMedianMs} ms`, met('latency-log-batch-wide')),
    row('log-batch, 1,000 points, 10 keys', result.logBatchNarrow),
    row(
      `log-metric, 1 point (${overGet >= 0 ? '+' : ''}${ms(overGet)} over experiments/get)`,
      result.logMetric,
      `<= get + ${LATENCY_TARGETS.logMetricOverExperimentsGetMs} ms`,
      met('latency-log-metric'),
    ),
    row('experiments/get', result.experimentsGet),
    row(
      `runs/search, ${result.search.runs} runs, filter: ${result.search.returned} returned (reply ${kb(result.search.replyBytes)})`,
      result.search,
      `<= ${LATENCY_TARGETS.search1kMedianMs} ms`,
      met('latency-search-1k'),
    ),
    row(`runs/search, all ${result.searchAll.returned} of ${result.searchAll.runs} runs (reply ${kb(result.searchAll.replyBytes)})`, result.searchAll),
    ['points read back / sent', `${result.pointsChecked.found} / ${result.pointsChecked.expected}`, '', '', '', '', 'equal', met('latency-points-stored')],
  ];
  return textTable(rows);
}
