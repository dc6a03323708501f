import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { dirname } from 'node:path';
import type { IngestResult } from './tracking-ingest.js';
import type { SearchScenarioResult } from './tracking-search.js';
import { PROJECT_ROOT } from './server-process.js';
import type { MlflowClientBenchResult } from './mlflow-client-bench.js';
import type { LatencySummary } from './stats.js';
import type { ServingBenchResult } from './serving-bench.js';
import type { TrainingBenchResult } from './training-bench.js';
import type { BundleBenchResult } from './bundle-bench.js';
import type { SchedulingBenchResult } from './scheduling-bench.js';
import type { BundleOpenBenchResult } from './bundle-open-bench.js';
import type { DriftBenchResult } from './drift-bench.js';
import type { TrackingLatencyResult } from './tracking-latency.js';
import type { UiBenchResult } from './ui-bench.js';
import type { MonitoringPageResult } from './monitoring-page.js';

/** Figures quoted for MLflow 2.12's tracking server on this class of machine; never measured here. */
export const QUOTED_MLFLOW = { ingestPointsPerSecond: 5_000, search1kRunsMedianMs: 700 } as const;

export const TARGETS = {
  ingestShareOfRaw: 0.25,
  search1kMedianMs: 35,
  search50kMedianMs: 100,
} as const;

export interface BenchResults {
  ingest: IngestResult;
  searchSmall: SearchScenarioResult;
  searchLarge: SearchScenarioResult;
  /** Figures measured in Chromium; absent when BENCH_SKIP_UI is set. */
  ui?: UiBenchResult;
  /** The monitoring page of a model with 1,000,000 predictions; absent when BENCH_SKIP_MONITORING_PAGE is set. */
  monitoringPage?: MonitoringPageResult;
  /** Absent when BENCH_SKIP_LATENCY is set. */
  latency?: TrackingLatencyResult;
  training?: TrainingBenchResult;
  serving?: ServingBenchResult;
  /** MLflow's own Python client against mldesk serve and MLflow's server; absent when BENCH_SKIP_MLFLOW_CLIENT is set. */
  mlflowClient?: MlflowClientBenchResult;
  /** mldesk drift vs pandas + SciPy; absent when BENCH_SKIP_DRIFT is set. */
  drift?: DriftBenchResult;
  /** Experiment bundle export/import vs zip -r; absent when BENCH_SKIP_BUNDLE is set. */
  bundle?: BundleBenchResult;
  /** Scheduling overhead per no-op trial (local pool, BullMQ) vs a bare spawn; absent when BENCH_SKIP_SCHEDULING is set. */
  scheduling?: SchedulingBenchResult;
  /** The same with `/bin/true` as the trial: no interpreter to start, so the executors' own cost shows at its largest. */
  schedulingBareCommand?: SchedulingBenchResult;
  /** `mldesk bundle open` start → runs table drawn, beside `mldesk serve`; absent when BENCH_SKIP_BUNDLE_OPEN is set. */
  bundleOpen?: BundleOpenBenchResult;
  totalSeconds: number;
}

interface Row {
  figure: string;
  measured?: string;
  baseline?: string;
  ratio?: string;
  target?: string;
  met?: boolean;
}

export interface TargetCheck {
  id: string;
  description: string;
  measured: number;
  target: string;
  met: boolean;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => `${n < 1 ? n.toFixed(2) : n.toFixed(1)} ms`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const pct = (share: number) => `${(share * 100).toFixed(1)}%`;
const medianP95 = (s: LatencySummary) => `${ms(s.medianMs)} (p95 ${ms(s.p95Ms)})`;

export function targetChecks(results: BenchResults): TargetCheck[] {
  const { ingest, searchSmall, searchLarge } = results;
  const share = ingest.best.pointsPerSecond / ingest.raw.perBatchTransaction.pointsPerSecond;
  return [
    {
      id: 'ingest',
      description: `log-batch points/s over HTTP (best: ${ingest.best.connections} connection(s)) as a share of raw SQLite inserts, one transaction per 1,000`,
      measured: share,
      target: `>= ${pct(TARGETS.ingestShareOfRaw)}`,
      met: share >= TARGETS.ingestShareOfRaw,
    },
    {
      id: 'search-1k',
      description: `runs/search median over ${int(searchSmall.runs)} runs`,
      measured: searchSmall.httpSearch.medianMs,
      target: `< ${TARGETS.search1kMedianMs} ms`,
      met: searchSmall.httpSearch.medianMs < TARGETS.search1kMedianMs,
    },
    {
      id: 'search-50k',
      description: `runs/search median, first page of ${searchLarge.maxResults}, over ${int(searchLarge.runs)} runs`,
      measured: searchLarge.httpSearch.medianMs,
      target: `< ${TARGETS.search50kMedianMs} ms`,
      met: searchLarge.httpSearch.medianMs < TARGETS.search50kMedianMs,
    },
  ];
}

function rows(results: BenchResults, checks: TargetCheck[]): Row[] {
  const { ingest, searchSmall, searchLarge } = results;
  const check = (id: string) => checks.find((c) => c.id === id)!;
  const raw = ingest.raw.perBatchTransaction.pointsPerSecond;
  const out: Row[] = [
    {
      figure: `(a) metric ingest, HTTP log-batch ×1,000, best = ${ingest.best.connections} conn`,
      measured: `${int(ingest.best.pointsPerSecond)} points/s`,
      baseline: `${int(raw)} points/s`,
      ratio: pct(check('ingest').measured),
      target: `>= ${pct(TARGETS.ingestShareOfRaw)} of raw`,
      met: check('ingest').met,
    },
  ];
  for (const level of ingest.http) {
    out.push({
      figure: `    HTTP, ${level.connections} connection${level.connections === 1 ? '' : 's'} (p50 ${ms(level.latencyP50Ms)}/call)`,
      measured: `${int(level.pointsPerSecond)} points/s`,
      ratio: pct(level.pointsPerSecond / raw),
    });
  }
  out.push(
    { figure: '    baseline: raw better-sqlite3, 1 transaction per 1,000', baseline: `${int(raw)} points/s` },
    { figure: '    baseline: raw better-sqlite3, 1 transaction overall', baseline: `${int(ingest.raw.singleTransaction.pointsPerSecond)} points/s` },
    {
      figure: '    reference: MLflow 2.12 server (quoted, not measured)',
      measured: `~${int(QUOTED_MLFLOW.ingestPointsPerSecond)} points/s`,
      ratio: `MLDesk ${(ingest.best.pointsPerSecond / QUOTED_MLFLOW.ingestPointsPerSecond).toFixed(0)}×`,
    },
  );
  const search = (id: string, label: string, s: SearchScenarioResult, target: number, quoted?: number) => {
    out.push(
      {
        figure: `(b) runs/search, ${label}, median`,
        measured: medianP95(s.httpSearch),
        baseline: `bare SQL ${ms(s.bareSql.medianMs)}`,
        ratio: `${(s.httpSearch.medianMs / s.bareSql.medianMs).toFixed(1)}× SQL`,
        target: `< ${target} ms`,
        met: check(id).met,
      },
      { figure: '    baseline: bare SQL query (same WHERE/ORDER BY/LIMIT)', baseline: medianP95(s.bareSql) },
      { figure: '    baseline: store.searchRunsJson in-process (SQL + run documents)', baseline: medianP95(s.inProcessStore) },
      { figure: '    baseline: GET /health round trip', baseline: medianP95(s.httpHealth) },
    );
    if (quoted !== undefined) {
      out.push({
        figure: '    reference: MLflow 2.12 (quoted, not measured)',
        measured: `~${int(quoted)} ms`,
        ratio: `MLDesk ${(quoted / s.httpSearch.medianMs).toFixed(0)}× faster`,
      });
    }
  };
  search('search-1k', `${int(searchSmall.runs)} runs, ${searchSmall.returned} returned`, searchSmall, TARGETS.search1kMedianMs, QUOTED_MLFLOW.search1kRunsMedianMs);
  search('search-50k', `${int(searchLarge.runs)} runs, first ${searchLarge.maxResults}`, searchLarge, TARGETS.search50kMedianMs);
  out.push(
    {
      figure: '(c) server peak memory during (a), VmHWM',
      measured: mb(ingest.memory.ingest.hwmBytes),
      baseline: `idle ${mb(ingest.memory.idle.hwmBytes)}`,
      ratio: `${(ingest.memory.ingest.hwmBytes / ingest.memory.idle.hwmBytes).toFixed(2)}×`,
      target: 'report only',
    },
    {
      figure: '    VmRSS, highest 50 ms sample during (a)',
      measured: mb(ingest.memory.ingest.peakSampledRssBytes),
      baseline: `idle ${mb(ingest.memory.idle.rssBytes)}`,
      ratio: `${(ingest.memory.ingest.peakSampledRssBytes / ingest.memory.idle.rssBytes).toFixed(2)}×`,
    },
  );
  return out;
}

const HEADERS = ['Figure', 'Measured', 'Baseline (same run)', 'vs baseline', 'Target', 'Met'] as const;

export function formatTable(results: BenchResults, checks: TargetCheck[]): string {
  const cells = rows(results, checks).map((row) => [
    row.figure,
    row.measured ?? '',
    row.baseline ?? '',
    row.ratio ?? '',
    row.target ?? '',
    row.met === undefined ? '' : row.met ? 'yes' : 'NO',
  ]);
  const widths = HEADERS.map((header, column) => Math.max(header.length, ...cells.map((cell) => cell[column]!.length)));
  const line = (cell: readonly string[]) =>
    cell
      .map((text, column) => text.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  return [line(HEADERS), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

export function formatNotes(results: BenchResults): string {
  const { ingest, searchSmall, searchLarge } = results;
  const rounds = ingest.allRounds.http;
  const stored = rounds.reduce((sum, r) => sum + r.rowsStored, 0);
  const sent = rounds.reduce((sum, r) => sum + r.points, 0);
  const failed = rounds.reduce((sum, r) => sum + r.failedRequests, 0);
  const levels = `all rounds: ${int(stored)}/${int(sent)} points stored (counted with SQL), ${failed} failed requests`;
  const kThousands = (n: number) => `${Math.round(n / 1000)}k`;
  const spread = [
    `raw 1 txn/1,000 ${ingest.allRounds.raw.filter((r) => r.mode === 'per-batch').map((r) => kThousands(r.pointsPerSecond)).join(', ')}`,
    ...ingest.http.map(
      (level) =>
        `${level.connections} conn ${rounds
          .filter((r) => r.connections === level.connections)
          .map((r) => kThousands(r.pointsPerSecond))
          .join(', ')}`,
    ),
  ].join('; ');
  return [
    `Ingest: ${int(ingest.pointsPerLevel)} points per connection level and raw mode, 1,000 per call (5 keys × 200 steps), ` +
      `best of ${ingest.rounds} interleaved rounds each; ${levels}.`,
    `Ingest rounds (points/s): ${spread}.`,
    `Search: seeded ${int(searchSmall.runs)} runs in ${searchSmall.seedSeconds.toFixed(1)} s and ${int(searchLarge.runs)} in ${searchLarge.seedSeconds.toFixed(1)} s; ` +
      `filter "metrics.m0 > 0.5", order_by "metrics.m1 DESC"; ${searchSmall.httpSearch.calls} timed calls after warm-up; ` +
      `server ids match bare SQL: ${searchSmall.sameIdsAsBareSql && searchLarge.sameIdsAsBareSql ? 'yes' : 'NO'}; ` +
      `reply sizes ${int(searchSmall.responseBytes / 1024)} KB and ${int(searchLarge.responseBytes / 1024)} KB.`,
    `Whole bench: ${results.totalSeconds.toFixed(0)} s.`,
  ].join('\n');
}

function gitDescription(): { commit: string | null; uncommittedChanges: boolean | null } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    return { commit, uncommittedChanges: status.trim() !== '' };
  } catch {
    return { commit: null, uncommittedChanges: null };
  }
}

export function environment() {
  const cpuList = cpus();
  return {
    node: process.version,
    platform: `${platform()} ${release()}`,
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model ?? 'unknown',
    totalMemoryBytes: totalmem(),
    ...gitDescription(),
  };
}

export function writeJson(path: string, results: BenchResults, checks: Array<Omit<TargetCheck, 'id'> & { id: string }>, table: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const document = {
    generatedAt: new Date().toISOString(),
    environment: environment(),
    targets: checks,
    quotedNotMeasured: { mlflow212: QUOTED_MLFLOW },
    results,
    table: table.split('\n'),
  };
  writeFileSync(path, `${JSON.stringify(document, null, 2)}\n`);
}
