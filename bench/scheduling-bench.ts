/**
 * Scheduling overhead per trial (issue 15): N no-op trials ('command' jobs) through each executor,
 * beside the bare spawn time of the same command measured in the same run, spawned one after another
 * from a minimal Node process (bare-spawner.mjs) as small as the executors' own spawner. Overhead =
 * (per-trial wall time − bare spawn time) / bare spawn time; target < 20% (Ray Tune's own).
 * Trials run one at a time on each executor (the local pool at concurrency 1; one BullMQ worker
 * process at concurrency 1), so the per-trial time compares with one spawn after another.
 * The trials are split into rounds, each timing the bare spawn, then the local pool, then BullMQ:
 * a shared machine's load drifts over a run (the bare spawn measured once before and once after the
 * executors differed by 10-15%), and interleaving puts every figure under the same drift.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as BullMqExecutorModule from '../electron/core/automation/bullmq-executor.js';
import type * as JobStoreModule from '../electron/core/automation/job-store.js';
import type * as LocalPoolModule from '../electron/core/automation/local-pool.js';
import type { JobExecutor } from '../electron/core/automation/executor.js';
import type { ExecutorKind, Job, JobSpec } from '../shared/automation.js';
import { startRedis, type RedisServer } from '../tests/integration/redis-fixture.js';
import { childPids, startCpuSample } from './process-cpu.js';
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
  /** CPU ms per trial of each process involved (Linux /proc; `spawner jobs` = the no-op processes themselves). */
  cpuPerTrialMs: Record<string, number>;
  /** Median time between two successive trials ending: the per-trial time with the load bursts of a shared machine left out. */
  medianPerTrialMs: number;
  /** A reference, not an MLDesk executor (BullMQ's own worker): no target applies. */
  floor: boolean;
}

export interface SchedulingBenchResult {
  trials: number;
  /** Rounds the trials were split into, each timing the bare spawn and every executor in turn. */
  rounds: number;
  command: string[];
  /** Mean wall time of one spawn-to-exit of the command, over every round. */
  bareSpawnMs: number;
  /** Median of one spawn-to-exit, over every round. */
  bareSpawnMedianMs: number;
  /** CPU ms per bare spawn: the process spawning them (`spawner`), and the spawned processes (`spawner jobs`). */
  bareCpuPerTrialMs: Record<string, number>;
  executors: ExecutorFigure[];
  skipped: string[];
  /** 1, 5 and 15 minute load averages when the bench started and ended (2-core machine shared with others). */
  loadAtStart: number[];
  loadAtEnd: number[];
}

function perTrial(cpu: Record<string, number>, trials: number): Record<string, number> {
  return Object.fromEntries(Object.entries(cpu).map(([name, ms]) => [name, ms / trials]));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** bare-spawner.mjs: spawns the command one after another and answers each spawn's time. */
function startBareSpawner(): ChildProcess {
  return fork(fileURLToPath(new URL('./bare-spawner.mjs', import.meta.url)), [], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
}

async function bareSpawnMs(spawner: ChildProcess, argv: readonly string[], trials: number): Promise<{ ms: number; each: number[]; cpu: Record<string, number> }> {
  const cpu = startCpuSample({ spawner: spawner.pid });
  const started = performance.now();
  const reply = await new Promise<{ each?: number[]; error?: string }>((resolve) => {
    spawner.once('message', resolve);
    spawner.send({ argv, trials });
  });
  if (!reply.each) throw new Error(`bare spawn of ${argv.join(' ')}: ${reply.error ?? 'no answer'}`);
  return { ms: (performance.now() - started) / trials, each: reply.each, cpu: cpu.take() };
}

/** The job spawner among a process's children (spawner-process.ts). */
function spawnerOf(pid: number): number | undefined {
  return childPids(pid).find((child) => {
    try {
      return readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('spawner-process');
    } catch {
      return false;
    }
  });
}

interface Subject {
  name: string;
  kind: ExecutorKind;
  executor: Pick<JobExecutor, 'submit' | 'waitFor'>;
  /** See ExecutorFigure.floor. */
  floor?: boolean;
  /** The processes whose CPU time is counted (after the warm-up, so spawners exist). */
  processes(): Record<string, number | undefined>;
  close(): Promise<void>;
}

function submitter(jobs: JobStoreModule.JobStore, subject: Subject, argv: string[]) {
  return async (name: string) => {
    const job = jobs.create({ kind: 'trial', name, executor: subject.kind, spec: { type: 'command', argv } });
    await subject.executor.submit(job);
    return job.id;
  };
}

/** Connections, the worker's first job, JIT: before anything is timed. */
async function warmUp(jobs: JobStoreModule.JobStore, subject: Subject, argv: string[]): Promise<void> {
  const submit = submitter(jobs, subject, argv);
  for (let i = 0; i < 5; i++) await subject.executor.waitFor(await submit(`warm-up ${i}`));
}

/** One round's trials on one executor: wall time, the intervals between trials' ends, CPU ms per process. */
async function timeTrials(jobs: JobStoreModule.JobStore, subject: Subject, argv: string[], trials: number): Promise<{ wall: number; intervals: number[]; cpu: Record<string, number> }> {
  const submit = submitter(jobs, subject, argv);
  const cpu = startCpuSample(subject.processes());
  const started = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < trials; i++) ids.push(await submit(`no-op ${i}`));
  const endedAt: number[] = [];
  const done = await Promise.all(ids.map((id) => subject.executor.waitFor(id).then((job) => (endedAt.push(performance.now()), job))));
  const wall = performance.now() - started;
  const cpuMs = cpu.take();
  const failed = done.filter((job) => job.status !== 'succeeded');
  if (failed.length) throw new Error(`${subject.name}: ${failed.length} of ${trials} no-op trials did not succeed (first: ${failed[0]!.status}, ${failed[0]!.reason})`);
  const intervals = endedAt.sort((a, b) => a - b).flatMap((t, i) => (i === 0 ? [] : [t - endedAt[i - 1]!]));
  return { wall, intervals, cpu: cpuMs };
}

function addCpu(total: Record<string, number>, more: Record<string, number>): void {
  for (const [name, ms] of Object.entries(more)) total[name] = (total[name] ?? 0) + ms;
}

async function bullMqSubject(jobs: JobStoreModule.JobStore, redis: RedisServer, log: (line: string) => void): Promise<Subject> {
  const redisUrl = redis.url;
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
    processes: () => ({ controller: process.pid, worker: worker.pid, spawner: worker.pid === undefined ? undefined : spawnerOf(worker.pid), 'redis-server': redis.child.pid }),
    async close() {
      await executor.close();
      worker.kill('SIGTERM');
    },
  };
}

/**
 * BullMQ's floor: its own Queue, QueueEvents and Worker (raw-bullmq-worker.mjs, spawning through a
 * bare spawner as MLDesk's worker does through its own), with nothing of MLDesk's. What it adds over
 * the bare spawn is BullMQ's per-job work, which any executor on BullMQ pays; the rest of MLDesk's
 * BullMQ figure is MLDesk's own (the jobs table, start and end reports, their events).
 */
async function rawBullMqSubject(redis: RedisServer): Promise<Subject> {
  const { Queue, QueueEvents } = await import('bullmq');
  const name = `bench-raw-${process.pid}`;
  const connection = { host: '127.0.0.1', port: redis.port };
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  await events.waitUntilReady();
  /** Ends heard of (an end can come before waitFor is called), and who waits for which job. */
  const ended = new Map<string, Pick<Job, 'status' | 'reason'>>();
  const waiting = new Map<string, (end: Pick<Job, 'status' | 'reason'>) => void>();
  const end = (jobId: string, outcome: Pick<Job, 'status' | 'reason'>) => {
    const waiter = waiting.get(jobId);
    waiting.delete(jobId);
    if (waiter) waiter(outcome);
    else ended.set(jobId, outcome);
  };
  events.on('completed', ({ jobId }) => end(jobId, { status: 'succeeded', reason: null }));
  events.on('failed', ({ jobId, failedReason }) => end(jobId, { status: 'failed', reason: failedReason }));
  const submitted = new Map<string, Job>();
  const worker = spawn(process.execPath, [fileURLToPath(new URL('./raw-bullmq-worker.mjs', import.meta.url)), redis.url, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    worker.stdout.setEncoding('utf8').on('data', (chunk: string) => chunk.includes('taking jobs') && resolve());
    worker.once('exit', (code) => reject(new Error(`raw-bullmq-worker.mjs exited with ${code}`)));
  });
  return {
    name: 'raw BullMQ floor (its own worker, no MLDesk)',
    kind: 'bullmq',
    floor: true,
    executor: {
      async submit(job) {
        submitted.set(job.id, job);
        await queue.add('trial', { argv: (job.spec as Extract<JobSpec, { type: 'command' }>).argv }, { jobId: job.id, removeOnComplete: true, removeOnFail: true });
      },
      async waitFor(jobId) {
        const known = ended.get(jobId);
        ended.delete(jobId);
        const outcome = known ?? (await new Promise<Pick<Job, 'status' | 'reason'>>((resolve) => waiting.set(jobId, resolve)));
        const job = submitted.get(jobId)!;
        submitted.delete(jobId);
        return { ...job, ...outcome };
      },
    },
    processes: () => ({ controller: process.pid, worker: worker.pid, spawner: worker.pid === undefined ? undefined : childPids(worker.pid)[0], 'redis-server': redis.child.pid }),
    async close() {
      worker.kill('SIGTERM');
      await events.close();
      await queue.close();
    },
  };
}

async function localPoolSubject(jobs: JobStoreModule.JobStore): Promise<Subject> {
  const { LocalPoolExecutor } = await loadDist<typeof LocalPoolModule>('electron/core/automation/local-pool.js');
  const executor = new LocalPoolExecutor(jobs, { concurrency: 1 });
  return {
    name: 'local pool (concurrency 1)',
    kind: 'local',
    executor,
    processes: () => ({ controller: process.pid, spawner: spawnerOf(process.pid) }),
    close: () => executor.close(),
  };
}

export async function benchScheduling(options: { workDir: string; log: (line: string) => void; trials?: number; rounds?: number; command?: string[] }): Promise<SchedulingBenchResult> {
  const { workDir, log } = options;
  const rounds = Math.max(1, options.rounds ?? 4);
  const perRound = Math.max(1, Math.round((options.trials ?? 200) / rounds));
  const trials = perRound * rounds;
  const argv = options.command ?? [process.execPath, '-e', ''];
  const loadAtStart = loadavg().map((n) => Number(n.toFixed(2)));
  log(`scheduling bench: ${trials} no-op trials of \`${argv.join(' ')}\` in ${rounds} rounds, load average ${loadAtStart.join(' ')}`);
  const { TrackingStore } = await loadTrackingStoreModule();
  const { JobStore } = await loadDist<typeof JobStoreModule>('electron/core/automation/job-store.js');
  const store = TrackingStore.open(join(workDir, 'scheduling-bench'));
  const jobs = new JobStore(store.db);
  const redis = await startRedis();
  const subjects: Subject[] = [];
  const bareSpawner = startBareSpawner();
  try {
    subjects.push(await localPoolSubject(jobs), await bullMqSubject(jobs, redis, log), await rawBullMqSubject(redis));
    // The command's pages into the cache, the bare spawner's first spawns: before anything is timed.
    await bareSpawnMs(bareSpawner, argv, 5);
    for (const subject of subjects) await warmUp(jobs, subject, argv);
    const bare = { wall: 0, each: [] as number[], cpu: {} as Record<string, number> };
    const totals = subjects.map(() => ({ wall: 0, intervals: [] as number[], cpu: {} as Record<string, number> }));
    for (let round = 1; round <= rounds; round++) {
      const spawned = await bareSpawnMs(bareSpawner, argv, perRound);
      bare.wall += spawned.ms * perRound;
      bare.each.push(...spawned.each);
      addCpu(bare.cpu, spawned.cpu);
      const line = [`bare spawn ${spawned.ms.toFixed(2)} ms`];
      for (const [i, subject] of subjects.entries()) {
        const timed = await timeTrials(jobs, subject, argv, perRound);
        totals[i]!.wall += timed.wall;
        totals[i]!.intervals.push(...timed.intervals);
        addCpu(totals[i]!.cpu, timed.cpu);
        line.push(`${subject.name.split(' (')[0]} ${(timed.wall / perRound).toFixed(2)} ms`);
      }
      log(`scheduling bench: round ${round} of ${rounds} (${perRound} trials each): ${line.join(', ')} per trial`);
    }
    const bareMs = bare.wall / trials;
    return {
      trials,
      rounds,
      command: argv,
      bareSpawnMs: bareMs,
      bareSpawnMedianMs: median(bare.each),
      bareCpuPerTrialMs: perTrial(bare.cpu, trials),
      executors: subjects.map((subject, i) => {
        const perTrialMs = totals[i]!.wall / trials;
        return { executor: subject.name, perTrialMs, medianPerTrialMs: median(totals[i]!.intervals), cpuPerTrialMs: perTrial(totals[i]!.cpu, trials), overhead: (perTrialMs - bareMs) / bareMs, floor: subject.floor === true };
      }),
      skipped: [],
      loadAtStart,
      loadAtEnd: loadavg().map((n) => Number(n.toFixed(2))),
    };
  } finally {
    bareSpawner.kill();
    for (const subject of subjects) await subject.close();
    store.close();
    await redis.stop();
  }
}

function targetCheck(result: SchedulingBenchResult, figure: ExecutorFigure): TargetCheck {
  return {
    id: `scheduling-overhead-${figure.executor.split(' ')[0]!.toLowerCase()}-${(result.command[0]!.split('/').pop() ?? 'command').replace(/[^a-z0-9]+/gi, '-')}`,
    description: `scheduling overhead per no-op trial on ${figure.executor} over a bare spawn of \`${result.command.join(' ')}\` (${result.trials} trials)`,
    measured: figure.overhead,
    target: `< ${SCHEDULING_TARGET.overhead * 100}%`,
    met: figure.overhead < SCHEDULING_TARGET.overhead,
  };
}

/** One check per MLDesk executor (the raw BullMQ floor is a reference: no target). */
export function schedulingTargetChecks(result: SchedulingBenchResult): TargetCheck[] {
  return result.executors.filter((figure) => !figure.floor).map((figure) => targetCheck(result, figure));
}

export function formatSchedulingTable(result: SchedulingBenchResult): string {
  const ms = (n: number) => `${n.toFixed(2)} ms`;
  const rows = [
    ['scheduling (no-op trials)', 'per trial', 'added', 'overhead', 'target'],
    [`bare spawn: ${result.command.map((a) => (a === '' ? '""' : a)).join(' ')}`, ms(result.bareSpawnMs), '-', '-', '-'],
    ...result.executors.map((figure) => {
      const check = figure.floor ? null : targetCheck(result, figure);
      const target = check ? `${check.target} ${check.met ? 'met' : 'MISSED'}` : 'reference';
      return [figure.executor, ms(figure.perTrialMs), ms(figure.perTrialMs - result.bareSpawnMs), `${(figure.overhead * 100).toFixed(1)}%`, target];
    }),
  ];
  const cpu = (figures: Record<string, number>) =>
    Object.entries(figures)
      .map(([name, ms]) => `${name} ${ms.toFixed(2)}`)
      .join(', ');
  const medians = result.executors.map((f) => `${f.executor.split(' (')[0]} ${ms(f.medianPerTrialMs)} (${f.medianPerTrialMs >= result.bareSpawnMedianMs ? '+' : ''}${(((f.medianPerTrialMs - result.bareSpawnMedianMs) / result.bareSpawnMedianMs) * 100).toFixed(1)}%)`);
  const cpuLines = [
    `median per trial (time between two trials' ends; load bursts left out): bare spawn ${ms(result.bareSpawnMedianMs)}, ${medians.join(', ')}`,
    `CPU ms per trial (/proc; the machine has 2 cores): bare spawn: ${cpu(result.bareCpuPerTrialMs)}`,
    ...result.executors.map((figure) => `  ${figure.executor}: ${cpu(figure.cpuPerTrialMs)}`),
  ];
  const notes = [...cpuLines, `${result.trials} trials in ${result.rounds} rounds (each: bare spawn, then every executor); load average ${result.loadAtStart.join(' ')} at start, ${result.loadAtEnd.join(' ')} at end`, ...result.skipped.map((s) => `skipped: ${s}`)];
  return `${textTable(rows)}\n${notes.join('\n')}`;
}
