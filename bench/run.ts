/**
 * `npm run bench`: builds, then measures the tracking server against baselines taken in the same
 * run and prints one table (also written to bench/results/latest.json). It reports; it never fails
 * on a missed target. BENCH_INGEST_POINTS, BENCH_INGEST_ROUNDS and BENCH_LARGE_RUNS shrink it for a quick look;
 * BENCH_SKIP_UI / BENCH_SKIP_MONITORING_PAGE / BENCH_SKIP_TRAINING / BENCH_SKIP_SERVING / BENCH_SKIP_LATENCY / BENCH_SKIP_MLFLOW_CLIENT / BENCH_SKIP_DRIFT / BENCH_SKIP_BUNDLE / BENCH_SKIP_BUNDLE_OPEN / BENCH_SKIP_SCHEDULING leave parts out; BENCH_KEEP_DATA=1 keeps the temporary data dirs; BENCH_SERVER_NODE_ARGS="--cpu-prof" profiles the server.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeHttpClient } from './http-client.js';
import { benchDrift, driftTargetChecks, formatDriftTable } from './drift-bench.js';
import { benchBundle, bundleTargetChecks, formatBundleTable } from './bundle-bench.js';
import { benchScheduling, formatSchedulingTable, schedulingTargetChecks } from './scheduling-bench.js';
import { benchBundleOpen, bundleOpenTargetChecks, formatBundleOpenTable } from './bundle-open-bench.js';
import { environment, formatNotes, formatTable, targetChecks, writeJson, type BenchResults } from './report.js';
import { benchIngest } from './tracking-ingest.js';
import { benchSearch } from './tracking-search.js';
import { benchMlflowClient, formatMlflowClientTable } from './mlflow-client-bench.js';
import { benchServing, formatServingTable, servingTargetChecks } from './serving-bench.js';
import { benchTrackingLatency, formatTrackingLatencyTable, trackingLatencyTargetChecks } from './tracking-latency.js';
import { benchTraining, formatTrainingTable, trainingTargetChecks } from './training-bench.js';
import { benchUi, formatUiTable, uiTargetChecks } from './ui-bench.js';
import { benchMonitoringPage, formatMonitoringPageTable, monitoringPageTargetCheck } from './monitoring-page.js';

const RESULTS = fileURLToPath(new URL('./results/latest.json', import.meta.url));

function positiveInt(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got '${text}'`);
  return value;
}

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function main(): Promise<void> {
  if (process.platform !== 'linux') log('warning: memory figures read /proc/<pid>/status and need Linux.');
  const env = environment();
  log(`node ${env.node}, ${env.cpus} × ${env.cpuModel}`);
  const workDir = mkdtempSync(join(tmpdir(), 'mldesk-bench-'));
  const started = performance.now();
  try {
    const ingest = await benchIngest({
      workDir,
      points: positiveInt('BENCH_INGEST_POINTS', 500_000),
      connectionLevels: [1, 4],
      rounds: positiveInt('BENCH_INGEST_ROUNDS', 3),
      log,
    });
    const searchSmall = await benchSearch({ workDir, runs: 1_000, maxResults: 1_000, warmUp: 10, calls: 50, log });
    const searchLarge = await benchSearch({ workDir, runs: positiveInt('BENCH_LARGE_RUNS', 50_000), maxResults: 100, warmUp: 10, calls: 50, log });
    const latency = process.env.BENCH_SKIP_LATENCY
      ? undefined
      : await benchTrackingLatency({
          workDir,
          calls: positiveInt('BENCH_LATENCY_CALLS', 200),
          rounds: positiveInt('BENCH_LATENCY_ROUNDS', 3),
          warmUp: 20,
          log,
        });
    const ui = process.env.BENCH_SKIP_UI
      ? undefined
      : await benchUi({
          workDir,
          runs: positiveInt('BENCH_UI_RUNS', 10_000),
          points: positiveInt('BENCH_UI_POINTS', 1_000_000),
          repeats: 5,
          screenshotsDir: fileURLToPath(new URL('./results/', import.meta.url)),
          log,
        });
    const monitoringPage = process.env.BENCH_SKIP_MONITORING_PAGE
      ? undefined
      : await benchMonitoringPage({
          workDir,
          predictions: positiveInt('BENCH_MONITORING_PREDICTIONS', 1_000_000),
          features: 30,
          windows: positiveInt('BENCH_MONITORING_WINDOWS', 1000),
          repeats: 5,
          screenshotsDir: fileURLToPath(new URL('./results/', import.meta.url)),
          log,
        });
    const training = process.env.BENCH_SKIP_TRAINING ? undefined : await benchTraining({ log, rows: positiveInt('BENCH_TRAIN_ROWS', 50_000) });
    const serving = process.env.BENCH_SKIP_SERVING ? undefined : await benchServing({ log, seconds: positiveInt('BENCH_SERVING_SECONDS', 8) });
    const mlflowClient = process.env.BENCH_SKIP_MLFLOW_CLIENT ? undefined : await benchMlflowClient({ workDir, log });
    const drift = process.env.BENCH_SKIP_DRIFT ? undefined : await benchDrift({ workDir, log });
    const bundle = process.env.BENCH_SKIP_BUNDLE ? undefined : await benchBundle({ workDir, log });
    // The lightest trial a template can be (a Node process that runs nothing), then /bin/true: no
    // interpreter at all, where what the executors add per trial weighs most (issue 15's strict reading).
    const scheduling = process.env.BENCH_SKIP_SCHEDULING ? undefined : await benchScheduling({ workDir, log });
    const schedulingBareCommand = process.env.BENCH_SKIP_SCHEDULING || !existsSync('/bin/true') ? undefined : await benchScheduling({ workDir, log, command: ['/bin/true'] });
    const bundleOpen = process.env.BENCH_SKIP_BUNDLE_OPEN ? undefined : await benchBundleOpen({ workDir: join(workDir, 'bundle-open'), log });
    const results: BenchResults = { ingest, searchSmall, searchLarge, totalSeconds: (performance.now() - started) / 1000 };
    const latencyChecks = latency ? trackingLatencyTargetChecks(latency) : [];
    const uiChecks = ui ? uiTargetChecks(ui) : [];
    const trainingChecks = training ? trainingTargetChecks(training) : [];
    const servingChecks = serving ? servingTargetChecks(serving) : [];
    const monitoringChecks = monitoringPage ? [monitoringPageTargetCheck(monitoringPage)] : [];
    const driftChecks = drift ? driftTargetChecks(drift) : [];
    const bundleChecks = bundle ? bundleTargetChecks(bundle) : [];
    const schedulingChecks = [...(scheduling ? schedulingTargetChecks(scheduling) : []), ...(schedulingBareCommand ? schedulingTargetChecks(schedulingBareCommand) : [])];
    const bundleOpenChecks = bundleOpen ? bundleOpenTargetChecks(bundleOpen) : [];
    const checks = [...targetChecks(results), ...latencyChecks, ...uiChecks, ...monitoringChecks, ...trainingChecks, ...servingChecks, ...driftChecks, ...bundleChecks, ...bundleOpenChecks, ...schedulingChecks];
    const table = formatTable(results, checks);
    const latencyTable = latency ? `\n\n${formatTrackingLatencyTable(latency, latencyChecks)}` : '\n\n(tracking latency skipped: BENCH_SKIP_LATENCY is set)';
    const uiTable = ui ? `\n\n${formatUiTable(ui, uiChecks)}` : '\n\n(UI figures skipped: BENCH_SKIP_UI is set)';
    const monitoringTable = monitoringPage ? `\n\n${formatMonitoringPageTable(monitoringPage)}` : '\n\n(monitoring page figures skipped: BENCH_SKIP_MONITORING_PAGE is set)';
    const trainingTable = training ? `\n\n${formatTrainingTable(training, trainingChecks)}` : '\n\n(training figures skipped: BENCH_SKIP_TRAINING is set)';
    const servingTable = serving ? `\n\n${formatServingTable(serving, servingChecks)}` : '\n\n(serving figures skipped: BENCH_SKIP_SERVING is set)';
    const clientTable = `\n\n${mlflowClient ? formatMlflowClientTable(mlflowClient) : '(MLflow client figures skipped: BENCH_SKIP_MLFLOW_CLIENT is set)'}`;
    const driftTable = `\n\n${drift ? formatDriftTable(drift, driftChecks) : '(drift figures skipped: BENCH_SKIP_DRIFT is set)'}`;
    const bundleTable = `\n\n${bundle ? formatBundleTable(bundle, bundleChecks) : '(bundle figures skipped: BENCH_SKIP_BUNDLE is set)'}`;
    const bundleOpenTable = `\n\n${bundleOpen ? formatBundleOpenTable(bundleOpen) : '(bundle open figures skipped: BENCH_SKIP_BUNDLE_OPEN is set)'}`;
    const schedulingTable = `\n\n${
      scheduling
        ? [scheduling, schedulingBareCommand].flatMap((result) => (result ? [formatSchedulingTable(result)] : [])).join('\n\n')
        : '(scheduling figures skipped: BENCH_SKIP_SCHEDULING is set)'
    }`;
    const tables = `${table}${latencyTable}${uiTable}${monitoringTable}${trainingTable}${servingTable}${clientTable}${driftTable}${bundleTable}${bundleOpenTable}${schedulingTable}`;
    writeJson(RESULTS, { ...results, latency, ui, monitoringPage, training, serving, mlflowClient, drift, bundle, bundleOpen, scheduling, schedulingBareCommand }, checks, tables);
    process.stdout.write(
      `\nMLDesk tracking server benchmark: node ${env.node}, ${env.cpus} CPUs (${env.cpuModel}), ` +
        `commit ${env.commit ?? 'unknown'}${env.uncommittedChanges ? ' + uncommitted changes' : ''}\n\n${tables}\n\n${formatNotes(results)}\n` +
        `Targets met: ${checks.filter((c) => c.met).length}/${checks.length}. Written to ${RESULTS}\n`,
    );
  } finally {
    closeHttpClient();
    if (process.env.BENCH_KEEP_DATA) log(`data kept in ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
