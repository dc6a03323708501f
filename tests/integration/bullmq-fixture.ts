/**
 * A BullMQ setup for integration tests: a real redis-server, an in-process tracking server on
 * 127.0.0.1:0 (its database holds the jobs table the controller writes), the controller
 * (BullMqExecutor) and real `mldesk worker` child processes. Needs `npm run build` (workers run dist/).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { BullMqExecutor } from '../../electron/core/automation/bullmq-executor.js';
import { JobStore } from '../../electron/core/automation/job-store.js';
import { startServer, type RunningServer } from '../../electron/cli/serve-command.js';
import type { Job } from '../../shared/automation.js';
import { startRedis, type RedisServer } from './redis-fixture.js';
import { afterAll, beforeAll } from 'vitest';
import { CLI, REPO_ROOT, childEnv, cleanupTempDirs, makeTempDir, stopAllServers } from './server-process.js';

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** As it names itself in the jobs table: HOST:PID. */
  readonly workerId: string;
  output(): string;
  exited: Promise<void>;
}

export interface QueueRig {
  redis: RedisServer;
  server: RunningServer;
  jobs: JobStore;
  /** Replaceable: a test may close it and open another, as an app restart would. */
  executor: BullMqExecutor;
  queue: string;
  startWorker(extraArgs?: string[], env?: Record<string, string | undefined>): Promise<WorkerProcess>;
  /** Creates a command job for BullMQ in the jobs table and hands it to the executor. */
  submitCommand(name: string, argv: string[], options?: { maxAttempts?: number; backoffMs?: number }): Promise<Job>;
  /** Polls the jobs table until `test` holds for the job. */
  until(jobId: string, test: (job: Job) => boolean, timeoutMs?: number, what?: string): Promise<Job>;
  runGet(runId: string): Promise<{ info: { status: string; run_name: string; experiment_id: string }; data: { tags?: { key: string; value: string }[]; metrics?: { key: string; value: number }[] } }>;
  stop(): Promise<void>;
}

/**
 * The workers and Redis servers a test file starts, all stopped after its tests (with every
 * `mldesk serve` it started and its temp dirs): register with `useQueueCleanup()` at the top.
 */
export function useQueueCleanup(): { workers: WorkerProcess[]; redis: RedisServer[] } {
  const started = { workers: [] as WorkerProcess[], redis: [] as RedisServer[] };
  afterAll(async () => {
    for (const worker of started.workers) worker.child.kill('SIGKILL');
    await Promise.all(started.workers.map((worker) => worker.exited));
    await stopAllServers();
    await Promise.all(started.redis.map((server) => server.stop()));
    await cleanupTempDirs();
  });
  return started;
}

export const tagsOf = (run: { data: { tags?: { key: string; value: string }[] } }): Record<string, string> => Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));

/** A real `mldesk worker` child process on `queue`, with a short lock (2 s) so a lost worker is noticed fast. */
export async function startWorkerProcess(redisUrl: string, queue: string, extraArgs: string[] = [], env: Record<string, string | undefined> = {}): Promise<WorkerProcess> {
  const args = [CLI, 'worker', '--redis', redisUrl, '--queue', queue, '--lock-duration', '2000', '--stalled-interval', '1000', ...extraArgs];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const workerId = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mldesk worker did not start within 20 s:\n${out}`)), 20_000);
    const check = () => {
      const match = /MLDesk worker (\S+) taking jobs/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => reject(new Error(`mldesk worker exited early:\n${out}`)));
  });
  return { child, workerId, output: () => out, exited };
}

/** The argv of a Node process running `source`: a job's command in these tests. */
export const nodeArgv = (source: string): string[] => [process.execPath, '-e', source];

/**
 * A queue rig started before a test file's tests and stopped after them (with its temp dirs). The
 * object answers for the rig once it has started; assigning to it (a replaced executor) reaches the rig.
 */
export function useQueueRig(): QueueRig {
  let started: QueueRig | null = null;
  beforeAll(async () => {
    started = await startQueueRig();
  });
  afterAll(async () => {
    await started?.stop();
    await cleanupTempDirs();
  });
  const rig = (): QueueRig => {
    if (!started) throw new Error('the queue rig is used before its beforeAll ran');
    return started;
  };
  return new Proxy({} as QueueRig, {
    get: (_target, key) => Reflect.get(rig(), key),
    set: (_target, key, value) => Reflect.set(rig(), key, value),
  });
}

export async function startQueueRig(queue = `q${Date.now().toString(36)}`): Promise<QueueRig> {
  const redis = await startRedis();
  const dataDir = await makeTempDir('bullmq');
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, version: 'test', quiet: true });
  const jobs = new JobStore(server.store.db);
  const executor = await BullMqExecutor.open({ store: jobs, redisUrl: redis.url, queue, trackingUri: server.url });
  const workers = new Set<WorkerProcess>();

  async function startWorker(extraArgs: string[] = [], env: Record<string, string | undefined> = {}): Promise<WorkerProcess> {
    const worker = await startWorkerProcess(redis.url, queue, extraArgs, env);
    workers.add(worker);
    void worker.exited.then(() => workers.delete(worker));
    return worker;
  }

  async function submitCommand(name: string, argv: string[], options: { maxAttempts?: number; backoffMs?: number } = {}): Promise<Job> {
    const job = jobs.create({ kind: 'command', name, executor: 'bullmq', spec: { type: 'command', argv }, maxAttempts: options.maxAttempts ?? 1, ...(options.backoffMs === undefined ? {} : { backoffMs: options.backoffMs }) });
    await executor.submit(job);
    return job;
  }

  async function until(jobId: string, test: (job: Job) => boolean, timeoutMs = 30_000, what = 'the expected state'): Promise<Job> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = jobs.get(jobId);
      if (test(job)) return job;
      if (Date.now() > deadline) throw new Error(`job ${jobId} did not reach ${what} within ${timeoutMs} ms: ${JSON.stringify(job, null, 1)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function runGet(runId: string) {
    const response = await fetch(`${server.url}/api/2.0/mlflow/runs/get?run_id=${runId}`);
    if (!response.ok) throw new Error(`runs/get ${runId}: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { run: Awaited<ReturnType<QueueRig['runGet']>> }).run;
  }

  const rig: QueueRig = {
    redis,
    server,
    jobs,
    executor,
    queue,
    startWorker,
    submitCommand,
    until,
    runGet,
    async stop() {
      for (const worker of workers) worker.child.kill('SIGTERM');
      await Promise.all([...workers].map((w) => Promise.race([w.exited, new Promise((r) => setTimeout(r, 5000))])));
      for (const worker of workers) worker.child.kill('SIGKILL');
      await rig.executor.close();
      await server.close();
      await redis.stop();
    },
  };
  return rig;
}
