/**
 * Scheduling overhead per trial (issue 15): N no-op trials ('command' jobs) through each executor,
 * beside the bare spawn time of the same command measured in the same run. Overhead =
 * (per-trial wall time − bare spawn time) / bare spawn time; target < 20% (Ray Tune's own).
 * Trials run one at a time on each executor (the local pool at concurrency 1; one BullMQ worker
 * process at concurrency 1), so the per-trial time compares with one spawn after another.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as BullMqExecutorModule from '../electron/core/automation/bullmq-executor.js';
import type * as JobStoreModule from '../electron/core/automation/job-store.js';
import type * as LocalPoolModule from '../electron/core/automation/local-pool.js';
import type { JobExecutor } from '../electron/core/automation/executor.js';
import type { ExecutorKind } from '../shared/automation.js';
import { startRedis } from '../tests/integration/redis-fixture.js';
import { loadTrackingStoreModule } from './project-modules.js';
import type { TargetCheck } from './report.js';
import { textTable } from './stats.js';

const CLI = fileURLToPath(new URL('../bin/mldesk.js', import.meta.url));
export const SCHEDULING_TARGET = { overhead: 0.2 } as const;

async function loadDist<T>(relative: string): Promise<T> {
  const url = new URL(`../dist/${relative}`, import.meta.url);
  if (!existsSync(fileURLToPath(url))) throw new Error(`${fileURLToPath(url)} is missing: run \`npm run build\` first.`);
  return (await import(url.href)) as T;
}

export interface ExecutorFigure {
  executor: string;
  /** Wall time from the first submit to the last job succeeded, per trial. */
  perTrialMs: number;
  overhead: number;
}

export interface SchedulingBenchResult {
  trials: number;
  command: string[];
  /** Mean wall time of one spawn-to-exit of the command, measured before and after the executors. */
  bareSpawnMs: number;
  executors: ExecutorFigure[];
  skipped: string[];
  /** 1, 5 and 15 minute load averages when the bench started and ended (2-core machine shared with others). */
  loadAtStart: number[];
  loadAtEnd: number[];
}

function spawnOnce(argv: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${argv.join(' ')} exited ${code}`))));
  });
}

async function bareSpawnMs(argv: readonly string[], trials: number): Promise<number> {
  await spawnOnce(argv);
  const started = performance.now();
  for (let i = 0; i < trials; i++) await spawnOnce(argv);
  return (performance.now() - started) / trials;
}

interface Subject {
  name: string;
  kind: ExecutorKind;
  executor: JobExecutor;
  close(): Promise<void>;
}

async function timeTrials(jobs: JobStoreModule.JobStore, subject: Subject, argv: string[], trials: number): Promise<number> {
  const submit = async (name: string) => {
    const job = jobs.create({ kind: 'trial', name, executor: subject.kind, spec: { type: 'command', argv } });
    await subject.executor.submit(job);
    return job.id;
  };
  // Warm-up: connections, the worker's first job, JIT.
  for (let i = 0; i < 5; i++) await subject.executor.waitFor(await submit(`warm-up ${i}`));
  const started = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < trials; i++) ids.push(await submit(`no-op ${i}`));
  const done = await Promise.all(ids.map((id) => subject.executor.waitFor(id)));
  const wall = performance.now() - started;
  const failed = done.filter((job) => job.status !== 'succeeded');
  if (failed.length) throw new Error(`${subject.name}: ${failed.length} of ${trials} no-op trials did not succeed (first: ${failed[0]!.status}, ${failed[0]!.reason})`);
  return wall / trials;
}

async function bullMqSubject(jobs: JobStoreModule.JobStore, redisUrl: string, log: (line: string) => void): Promise<Subject> {
  const { BullMqExecutor } = await loadDist<typeof BullMqExecutorModule>('electron/core/automation/bullmq-executor.js');
  const queue = `bench-${process.pid}`;
  // Workers only pass the tracking URI on to a job's process; no-op trials never call it.
  const executor = await BullMqExecutor.open({ store: jobs, redisUrl, queue, trackingUri: 'http://127.0.0.1:9' });
  const worker = spawn(process.execPath, [CLI, 'worker', '--redis', redisUrl, '--queue', queue, '--concurrency', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  worker.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  worker.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mldesk worker did not start:\n${out}`)), 20_000);
    worker.stdout.on('data', () => {
      if (out.includes('taking jobs')) {
        clearTimeout(timer);
        resolve();
      }
    });
    worker.once('exit', () => reject(new Error(`mldesk worker exited:\n${out}`)));
  });
  log('scheduling bench: BullMQ worker up');
  return {
    name: 'BullMQ (1 worker process, concurrency 1)',
    kind: 'bullmq',
    executor,
    async close() {
      await executor.close();
      worker.kill('SIGTERM');
    },
  };
}

async function localPoolSubject(jobs: JobStoreModule.JobStore): Promise<Subject> {
  const { LocalPoolExecutor } = await loadDist<typeof LocalPoolModule>('electron/core/automation/local-pool.js');
  const executor = new LocalPoolExecutor(jobs, { concurrency: 1 });
  return { name: 'local pool (concurrency 1)', kind: 'local', executor, close: () => executor.close() };
}

export async function benchScheduling(options: { workDir: string; log: (line: string) => void; trials?: number; command?: string[] }): Promise<SchedulingBenchResult> {
  const { workDir, log } = options;
  const trials = options.trials ?? 200;
  const argv = options.command ?? [process.execPath, '-e', ''];
  const loadAtStart = loadavg().map((n) => Number(n.toFixed(2)));
  log(`scheduling bench: ${trials} no-op trials of \`${argv.join(' ')}\`, load average ${loadAtStart.join(' ')}`);
  const { TrackingStore } = await loadTrackingStoreModule();
  const { JobStore } = await loadDist<typeof JobStoreModule>('electron/core/automation/job-store.js');
  const store = TrackingStore.open(join(workDir, 'scheduling-bench'));
  const jobs = new JobStore(store.db);
  const redis = await startRedis();
  const skipped: string[] = [];
  const figures: { executor: string; perTrialMs: number }[] = [];
  try {
    const bareBefore = await bareSpawnMs(argv, trials);
    log(`scheduling bench: bare spawn ${bareBefore.toFixed(2)} ms`);
    for (const open of [() => localPoolSubject(jobs), () => bullMqSubject(jobs, redis.url, log)]) {
      const subject = await open();
      try {
        const perTrialMs = await timeTrials(jobs, subject, argv, trials);
        log(`scheduling bench: ${subject.name} ${perTrialMs.toFixed(2)} ms per trial`);
        figures.push({ executor: subject.name, perTrialMs });
      } finally {
        await subject.close();
      }
    }
    const bareAfter = await bareSpawnMs(argv, trials);
    log(`scheduling bench: bare spawn (again) ${bareAfter.toFixed(2)} ms`);
    const bare = (bareBefore + bareAfter) / 2;
    return {
      trials,
      command: argv,
      bareSpawnMs: bare,
      executors: figures.map((f) => ({ ...f, overhead: (f.perTrialMs - bare) / bare })),
      skipped,
      loadAtStart,
      loadAtEnd: loadavg().map((n) => Number(n.toFixed(2))),
    };
  } finally {
    store.close();
    await redis.stop();
  }
}

export function schedulingTargetChecks(result: SchedulingBenchResult): TargetCheck[] {
  return result.executors.map((figure) => ({
    id: `scheduling-overhead-${figure.executor.split(' ')[0]!.toLowerCase()}`,
    description: `scheduling overhead per no-op trial on ${figure.executor} over a bare spawn of \`${result.command.join(' ')}\` (${result.trials} trials)`,
    measured: figure.overhead,
    target: `< ${SCHEDULING_TARGET.overhead * 100}%`,
    met: figure.overhead < SCHEDULING_TARGET.overhead,
  }));
}

export function formatSchedulingTable(result: SchedulingBenchResult, checks: TargetCheck[]): string {
  const ms = (n: number) => `${n.toFixed(2)} ms`;
  const rows = [
    ['scheduling (no-op trials)', 'per trial', 'added', 'overhead', 'target'],
    [`bare spawn: ${result.command.map((a) => (a === '' ? '""' : a)).join(' ')}`, ms(result.bareSpawnMs), '-', '-', '-'],
    ...result.executors.map((figure, i) => {
      const check = checks[i];
      return [figure.executor, ms(figure.perTrialMs), ms(figure.perTrialMs - result.bareSpawnMs), `${(figure.overhead * 100).toFixed(1)}%`, check ? `${check.target} ${check.met ? 'met' : 'MISSED'}` : '-'];
    }),
  ];
  const notes = [`${result.trials} trials; load average ${result.loadAtStart.join(' ')} at start, ${result.loadAtEnd.join(' ')} at end`, ...result.skipped.map((s) => `skipped: ${s}`)];
  return `${textTable(rows)}\n${notes.join('\n')}`;
}
