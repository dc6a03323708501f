/**
 * Training throughput of the MLP template: a 20 → 64 → 64 → 1 regressor on 50,000 rows, batch 256,
 * on the fastest TF.js backend available here, with per-epoch metrics and system metrics logged
 * live to a real store (as a training run does) against a no-op logger, plus the same network in
 * PyTorch on the CPU (bench/torch_mlp.py) when /usr/bin/python3 has torch. It reports; it never
 * fails on a figure.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as BackendModule from '../electron/core/training/backend.js';
import type * as HyperparamsModule from '../electron/core/training/hyperparams.js';
import type * as SystemMetricsModule from '../electron/core/training/system-metrics.js';
import type { TrainingTable } from '../electron/core/training/table.js';
import type * as TrainerModule from '../electron/core/training/trainer.js';
import { textTable } from './stats.js';
import type * as TrackingStoreModule from '../electron/core/store/tracking-store.js';

/** The compiled modules, as the training worker runs them (npm run build writes dist/). */
async function loadDist<T>(relative: string): Promise<T> {
  const url = new URL(`../dist/${relative}`, import.meta.url);
  if (!existsSync(fileURLToPath(url))) throw new Error(`${fileURLToPath(url)} is missing: run \`npm run build\` first.`);
  return (await import(url.href)) as T;
}

export interface TrainingBenchOptions {
  log: (line: string) => void;
  rows?: number;
  batchSize?: number;
  /** Epochs per measured training; the first epoch of each is reported but not counted. */
  epochs?: number;
  /** Trainings per logger mode, alternated (no-op, logged, no-op, ...) so drift hits both alike. */
  repeats?: number;
  /** Backends to measure, 'auto' being the fastest available; the first gets the logging comparison. */
  backends?: (BackendModule.BackendName | 'auto')[];
  torch?: boolean;
}

export interface ThroughputFigure {
  backend: string;
  details: Record<string, string | number | boolean>;
  /** Median over trainings of rows per second in optimizer steps, warm-up epoch excluded. */
  samplesPerSecond: number;
  perTraining: number[];
}

export interface TrainingBenchResult {
  rows: number;
  batchSize: number;
  network: string;
  noLogging: ThroughputFigure;
  withLogging: ThroughputFigure;
  /** (no-op − logged) / no-op throughput, in percent; negative means noise exceeded the cost. */
  loggingSlowdownPercent: number;
  /** Time spent inside the logging calls (epoch metrics + system samples) as a share of training time. */
  loggingTimePercent: number;
  loggingCalls: number;
  otherBackends: ThroughputFigure[];
  torch: { samplesPerSecond: number; threads: number; version: string; perThreads: Record<string, number> } | { skipped: string };
}

function syntheticTable(rows: number): TrainingTable {
  // A fixed LCG: the bench data is the same on every run without tying it to the trainer's PRNG.
  let state = 12345;
  const uniform = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
  const weights = Array.from({ length: 20 }, uniform);
  const columns = [...Array.from({ length: 20 }, (_, i) => ({ name: `x${i}`, type: 'numeric' as const })), { name: 'y', type: 'numeric' as const }];
  const data = Array.from({ length: rows }, () => {
    const x = Array.from({ length: 20 }, uniform);
    return [...x, x.reduce((sum, v, i) => sum + v * weights[i]!, 0) + 0.1 * uniform()];
  });
  return { columns, rows: data };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function runTorch(rows: number, batchSize: number, threads: number): Promise<{ samples_per_second: number; threads: number; version: string }> {
  const script = fileURLToPath(new URL('./torch_mlp.py', import.meta.url));
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', [script, '--rows', String(rows), '--batch-size', String(batchSize), '--threads', String(threads)], { timeout: 300_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(stderr.trim().split('\n').at(-1) || error.message));
      resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as { samples_per_second: number; threads: number; version: string });
    });
  });
}

export async function benchTraining(options: TrainingBenchOptions): Promise<TrainingBenchResult> {
  const { log } = options;
  const rows = options.rows ?? 50_000;
  const batchSize = options.batchSize ?? 256;
  const epochs = Math.max(2, options.epochs ?? 3);
  const repeats = options.repeats ?? 3;
  const backendModule = await loadDist<typeof BackendModule>('electron/core/training/backend.js');
  const { train } = await loadDist<typeof TrainerModule>('electron/core/training/trainer.js');
  const { resolveHyperparameters } = await loadDist<typeof HyperparamsModule>('electron/core/training/hyperparams.js');
  const { SystemMetricsSampler } = await loadDist<typeof SystemMetricsModule>('electron/core/training/system-metrics.js');
  const { TrackingStore } = await loadDist<typeof TrackingStoreModule>('electron/core/store/tracking-store.js');
  const table = syntheticTable(rows);
  // Every row trains (no validation split) and nothing stops early: each training is `epochs` full epochs.
  const hp = resolveHyperparameters({ hiddenUnits: [64, 64], batchSize, epochs, validationSplit: 0, earlyStoppingPatience: 0 }, 7);

  const measure = async (logger?: TrainerModule.TrainingLogger): Promise<number> => {
    const epochEnds: number[] = [];
    const timed: TrainerModule.TrainingLogger = {
      logEpoch: (step, metrics) => {
        logger?.logEpoch(step, metrics);
        epochEnds.push(performance.now());
      },
    };
    const result = await train({ tf, table, target: 'y', hyperparameters: hp, logger: timed });
    result.model.dispose();
    // Epochs 2..N end to end, logging included (JIT and wasm warm-up land in epoch 1).
    return (rows * (epochs - 1)) / ((epochEnds.at(-1)! - epochEnds[0]!) / 1000);
  };

  const requested = options.backends ?? ['auto'];
  const load = (name: BackendModule.BackendName | 'auto' | undefined) => backendModule.loadBackend(name === 'auto' ? undefined : name);
  let loaded = await load(requested[0]);
  let tf = loaded.tf;
  log(`training bench: ${rows} rows, batch ${batchSize}, 20→64→64→1 on ${loaded.info.name}`);
  const workDir = mkdtempSync(join(tmpdir(), 'mldesk-train-bench-'));
  const store = TrackingStore.open(workDir);
  const noop: number[] = [];
  const logged: number[] = [];
  let loggingMs = 0;
  let loggingCalls = 0;
  let loggedTrainingMs = 0;
  // Wall time inside a logging call: the direct cost, immune to the run-to-run noise of a busy machine.
  const timedCall = (write: () => void) => {
    const start = performance.now();
    write();
    loggingMs += performance.now() - start;
    loggingCalls++;
  };
  const toPoints = (metrics: Record<string, number>, step: number) => Object.entries(metrics).map(([key, value]) => ({ key, value, step, timestamp: Date.now() }));
  try {
    const experimentId = store.experiments.create('bench', undefined, []);
    await measure(); // Warm-up: the process's first training pays for JIT and wasm compilation.
    for (let i = 0; i < repeats; i++) {
      noop.push(await measure());
      log(`  no-op logger: ${noop.at(-1)!.toFixed(0)} samples/s`);
      const runId = store.createRun({ experimentId, tags: [] }).info.run_id;
      // As the worker does: per-epoch metrics and system metrics (every second here, 5 s in runs) to SQLite.
      const sampler = new SystemMetricsSampler((metrics, step) => timedCall(() => store.logBatch(runId, { metrics: toPoints(metrics, step), params: [], tags: [] })), 1000);
      sampler.start();
      const started = performance.now();
      logged.push(await measure({ logEpoch: (step, metrics) => timedCall(() => store.logBatch(runId, { metrics: toPoints(metrics, step), params: [], tags: [] })) }));
      loggedTrainingMs += performance.now() - started;
      sampler.stop();
      log(`  live logging: ${logged.at(-1)!.toFixed(0)} samples/s`);
    }
  } finally {
    store.close();
    rmSync(workDir, { recursive: true, force: true });
  }
  const figure = (perTraining: number[]): ThroughputFigure => ({ backend: loaded.info.name, details: loaded.info.details, samplesPerSecond: median(perTraining), perTraining });
  const noLogging = figure(noop);
  const withLogging = figure(logged);

  const otherBackends: ThroughputFigure[] = [];
  for (const name of requested.slice(1)) {
    loaded = await load(name);
    tf = loaded.tf;
    const rates = [await measure()];
    otherBackends.push(figure(rates));
    log(`  ${name}: ${rates[0]!.toFixed(0)} samples/s`);
  }

  let torch: TrainingBenchResult['torch'] = { skipped: 'not requested' };
  if (options.torch !== false) {
    try {
      const perThreads: Record<string, number> = {};
      let best = { samples_per_second: 0, threads: 0, version: '' };
      for (const threads of [1, 2]) {
        const result = await runTorch(rows, batchSize, threads);
        perThreads[String(threads)] = result.samples_per_second;
        log(`  pytorch ${result.version}, ${threads} thread(s): ${result.samples_per_second.toFixed(0)} samples/s`);
        if (result.samples_per_second > best.samples_per_second) best = result;
      }
      torch = { samplesPerSecond: best.samples_per_second, threads: best.threads, version: best.version, perThreads };
    } catch (error) {
      torch = { skipped: `PyTorch not runnable with /usr/bin/python3 (apt-get install -y python3-torch): ${(error as Error).message}` };
      log(`  pytorch skipped: ${torch.skipped}`);
    }
  }
  return {
    rows,
    batchSize,
    network: '20→64→64→1 MLP, ReLU, Adam 1e-3, MSE',
    noLogging,
    withLogging,
    loggingSlowdownPercent: (100 * (noLogging.samplesPerSecond - withLogging.samplesPerSecond)) / noLogging.samplesPerSecond,
    loggingTimePercent: (100 * loggingMs) / loggedTrainingMs,
    loggingCalls,
    otherBackends,
    torch,
  };
}

export const TRAINING_TARGETS = { shareOfTorch: 0.6, loggingSlowdownPercent: 2 } as const;

export interface TrainingCheck {
  id: string;
  description: string;
  measured: number;
  target: string;
  met: boolean;
}

export function trainingTargetChecks(result: TrainingBenchResult): TrainingCheck[] {
  const checks: TrainingCheck[] = [];
  if ('samplesPerSecond' in result.torch) {
    const share = result.noLogging.samplesPerSecond / result.torch.samplesPerSecond;
    checks.push({
      id: 'train-vs-torch',
      description: `TF.js (${result.noLogging.backend}) training samples/s as a share of PyTorch ${result.torch.version} on the same CPU`,
      measured: share,
      target: `>= ${TRAINING_TARGETS.shareOfTorch}×`,
      met: share >= TRAINING_TARGETS.shareOfTorch,
    });
  }
  // Throughput differences between alternated trainings are dominated by machine noise here, so
  // the slowdown is judged on the time measured inside the logging calls.
  checks.push({
    id: 'train-logging',
    description: 'share of training time spent in live logging (epoch metrics + system samples)',
    measured: result.loggingTimePercent,
    target: `< ${TRAINING_TARGETS.loggingSlowdownPercent}%`,
    met: result.loggingTimePercent < TRAINING_TARGETS.loggingSlowdownPercent,
  });
  return checks;
}

export function formatTrainingTable(result: TrainingBenchResult, checks: TrainingCheck[]): string {
  const int = (n: number) => Math.round(n).toLocaleString('en-US');
  const met = (id: string) => {
    const check = checks.find((c) => c.id === id);
    return check ? (check.met ? 'yes' : 'NO') : 'n/a';
  };
  const torch = 'samplesPerSecond' in result.torch ? result.torch : undefined;
  const rows: string[][] = [
    [`Training ${result.network}, ${int(result.rows)} rows, batch ${result.batchSize}`, 'Measured', 'Baseline (same run)', 'Ratio', 'Target', 'Met'],
    [
      `TF.js ${result.noLogging.backend} samples/s`,
      int(result.noLogging.samplesPerSecond),
      torch ? `PyTorch ${torch.version} (${torch.threads} thread(s)) ${int(torch.samplesPerSecond)}` : `PyTorch skipped: ${'skipped' in result.torch ? result.torch.skipped : ''}`,
      torch ? `${(result.noLogging.samplesPerSecond / torch.samplesPerSecond).toFixed(2)}×` : '',
      `>= ${TRAINING_TARGETS.shareOfTorch}×`,
      met('train-vs-torch'),
    ],
    ...result.otherBackends.map((b) => [`TF.js ${b.backend} samples/s`, int(b.samplesPerSecond), '', '', '', '']),
    [
      'live logging: time inside logging calls',
      `${result.loggingTimePercent.toFixed(2)}% (${result.loggingCalls} calls)`,
      `throughput with vs without: ${result.loggingSlowdownPercent.toFixed(1)}% (noise-dominated)`,
      '',
      `< ${TRAINING_TARGETS.loggingSlowdownPercent}%`,
      met('train-logging'),
    ],
  ];
  return textTable(rows);
}
