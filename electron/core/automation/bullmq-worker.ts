import { UnrecoverableError, Worker, type Job as BullJob } from 'bullmq';
import { statSync } from 'node:fs';
import { mkdtemp, rm, rmdir } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CANCELLED_PREFIX, DEFAULT_QUEUE, QueuedJobDataSchema, REPLACES_RUN_TAG, cancelChannel, cancelKey, checkQueueName, endRunIfOpen, redisConnection, type QueuedJobData } from './bullmq-protocol.js';
import { JobReporter } from './bullmq-reporter.js';
import { runCommand } from './command-process.js';
import { JobSpawner } from './job-spawner.js';
import { launchProjectRun } from './project-launch.js';
import { TrackingClient, type KV, type RestRun } from './projects/tracking-client.js';
import { openRedis } from './bullmq-redis.js';
import { MLDeskError } from '../errors.js';

/**
 * `mldesk worker`: takes jobs from a BullMQ queue on any machine and runs them, logging only
 * through the tracking server's REST API and artifact proxy named in each job (no data dir, no
 * shared disk). Liveness is BullMQ's job lock: a worker that dies stops renewing it, and BullMQ's
 * stalled-job check (run by every other worker) hands the job to someone else.
 */

export interface QueueWorkerOptions {
  redisUrl: string;
  queue?: string;
  concurrency?: number;
  workerId?: string;
  /** BullMQ's lock: a job whose worker has not renewed it for this long is stalled. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
  /** Bearer token for the tracking servers jobs name (`--token`, MLDESK_TOKEN); it never travels through Redis. */
  token?: string;
  log?(line: string): void;
}

export interface QueueWorker {
  readonly workerId: string;
  readonly queue: string;
  /** Stops taking jobs; jobs still running are killed and handed back to the queue for another worker. */
  close(): Promise<void>;
}

interface Outcome {
  status: 'succeeded' | 'failed' | 'cancelled';
  exitCode: number | null;
  reason: string | null;
}

const OUTPUT_CAP = 8 * 1024 * 1024;
const CANCELLED_LATELY_MAX = 10_000;
const RUN_END: Record<Outcome['status'], 'FINISHED' | 'FAILED' | 'KILLED'> = { succeeded: 'FINISHED', failed: 'FAILED', cancelled: 'KILLED' };
const NOT_COPIED = /^(mlflow\.runName|mldesk\.(attempt|replaces_run|worker|failure_reason))$/;

/**
 * The run this attempt logs into: the job's own for the first attempt, a fresh one replacing the
 * last for a retry. Tags are carried over (sweep, parent run); params are not, since the process may
 * have logged some and MLflow refuses a param logged again with another value: a project's launch
 * logs its parameters into the new run itself.
 */
async function runForAttempt(client: TrackingClient, job: BullJob, data: QueuedJobData, attempt: number, workerId: string): Promise<RestRun | null> {
  const previousId = data.currentRunId ?? data.runId;
  if (previousId === null) return null;
  const previous = await client.getRun(previousId);
  const mine: KV[] = [
    { key: 'mldesk.worker', value: workerId },
    { key: 'mldesk.attempt', value: String(attempt) },
    { key: 'mldesk.job_id', value: data.jobId },
  ];
  if (attempt === 1 && data.currentRunId === null) {
    await client.logParamsAndTags(previousId, [], mine);
    return previous;
  }
  const tags = (previous.data.tags ?? []).filter((tag) => !NOT_COPIED.test(tag.key) && tag.key !== 'mldesk.job_id');
  const previousName = previous.data.tags?.find((tag) => tag.key === 'mlflow.runName')?.value ?? data.name;
  const created = await client.createRun(previous.info.experiment_id, [...tags, ...mine, { key: REPLACES_RUN_TAG, value: previousId }], `${previousName.replace(/ \(attempt \d+\)$/, '')} (attempt ${attempt})`);
  // Recorded before the process starts, so the attempt after this one knows which run it replaces.
  await job.updateData({ ...data, currentRunId: created.info.run_id });
  return created;
}

function outcomeOfCommand(result: Awaited<ReturnType<typeof runCommand>>, shuttingDown: string | null): Outcome {
  if (result.abortedWith !== null) {
    return shuttingDown !== null ? { status: 'failed', exitCode: result.exitCode, reason: shuttingDown } : { status: 'cancelled', exitCode: result.exitCode, reason: result.abortedWith };
  }
  if (result.spawnError !== null) return { status: 'failed', exitCode: null, reason: result.spawnError };
  if (result.lost) return { status: 'failed', exitCode: null, reason: result.lost };
  if (result.exitCode === 0) return { status: 'succeeded', exitCode: 0, reason: null };
  return { status: 'failed', exitCode: result.exitCode, reason: result.signal ? `killed by ${result.signal}` : `exit code ${result.exitCode}` };
}

/** A tracking server refusing this worker's credentials, said so the operator knows which flag to fix (the secret itself is never shown). */
function refusalAdvice(error: unknown, trackingUri: string, hasToken: boolean): string | null {
  if (!(error instanceof MLDeskError) || (error.code !== 'UNAUTHENTICATED' && error.code !== 'PERMISSION_DENIED')) return null;
  return hasToken
    ? `the tracking server ${trackingUri} refused this worker's token (HTTP ${error.httpStatus}): start the worker with the token that server was given (--token <secret> or MLDESK_TOKEN).`
    : `the tracking server ${trackingUri} requires a token and this worker has none (HTTP 401): start the worker with --token <secret> or set MLDESK_TOKEN to the server's token.`;
}

export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const connection = redisConnection(options.redisUrl);
  const queueName = checkQueueName(options.queue ?? DEFAULT_QUEUE);
  const workerId = options.workerId ?? `${hostname()}:${process.pid}`;
  const log = options.log ?? (() => undefined);
  const token = options.token || undefined;
  const running = new Map<string, AbortController>();
  /** Jobs whose cancel message came while this worker was not running them (oldest first); a cancel is final. */
  const cancelledLately = new Set<string>();
  let shuttingDown: string | null = null;
  // Command jobs start in a spawner process, so this one's Redis and HTTP work between jobs pays no fork's page faults.
  const spawner = new JobSpawner();
  const removals = new Set<Promise<void>>();
  /**
   * A job's scratch folder goes in the background, after its end is reported: removing even an
   * empty folder took ~1.5 ms on a disk mounted with `discard` (the block is trimmed at once),
   * a fifth of a no-op job's spawn. close() waits for the removals still under way.
   */
  function removeLater(dir: string): void {
    // Most jobs leave their folder empty: one rmdir, the recursive walk only when it is not.
    const removal: Promise<void> = rmdir(dir)
      .catch(() => rm(dir, { recursive: true, force: true }))
      .catch(() => undefined)
      .then(() => void removals.delete(removal));
    removals.add(removal);
  }
  /**
   * The next job's scratch folder, made while the job before it runs: mkdtemp took ~0.7 ms here,
   * on the path from taking a job to starting its process. Named by this worker's pid, so a
   * folder left by a killed worker says whose it was.
   */
  const makeWorkDir = () => {
    const dir = mkdtemp(join(tmpdir(), `mldesk-worker-${process.pid}-`));
    // Handled where it is awaited; this keeps a failure from counting as unhandled in the meantime.
    dir.catch(() => undefined);
    return dir;
  };
  let spareWorkDir: Promise<string> | null = null;
  function takeWorkDir(): Promise<string> {
    const dir = spareWorkDir ?? makeWorkDir();
    spareWorkDir = shuttingDown === null ? makeWorkDir() : null;
    return dir;
  }
  // Read once: copying process.env (each variable read through libuv) cost ~0.2 ms per job.
  const baseEnv: NodeJS.ProcessEnv = { ...process.env };

  async function execute(data: QueuedJobData, run: RestRun | null, attempt: number, reporter: JobReporter, started: (pid: number) => void, signal: AbortSignal, workDir: string): Promise<Outcome> {
    const { spec } = data;
    let output = '';
    const onOutput = (chunk: string) => {
      reporter.log(chunk);
      if (output.length < OUTPUT_CAP) output += chunk;
    };
    let outcome: Outcome;
    if (spec.type === 'command') {
      if (spec.cwd !== undefined && !statSync(spec.cwd, { throwIfNoEntry: false })?.isDirectory()) {
        return { status: 'failed', exitCode: null, reason: `cwd '${spec.cwd}' is not a folder on worker ${workerId}` };
      }
      const env: NodeJS.ProcessEnv = { ...baseEnv, ...spec.env, MLFLOW_TRACKING_URI: data.trackingUri, MLDESK_JOB_ID: data.jobId, MLDESK_JOB_ATTEMPT: String(attempt) };
      if (token) env.MLFLOW_TRACKING_TOKEN = token;
      if (run) Object.assign(env, { MLFLOW_RUN_ID: run.info.run_id, MLFLOW_EXPERIMENT_ID: run.info.experiment_id });
      const result = await runCommand({ argv: spec.argv, cwd: spec.cwd ?? workDir, env, signal, onOutput, onStarted: started, spawner });
      outcome = outcomeOfCommand(result, shuttingDown);
    } else if (spec.type === 'project') {
      if (!run) return { status: 'failed', exitCode: null, reason: 'a project job needs a run' };
      const result = await launchProjectRun(
        { ...spec, runId: run.info.run_id, env: { ...spec.env, MLDESK_JOB_ID: data.jobId, MLDESK_JOB_ATTEMPT: String(attempt) } },
        { trackingUri: data.trackingUri, token, runId: run.info.run_id, workDir, signal, onOutput, onStarted: started },
      );
      const status = result.runStatus === 'FINISHED' ? 'succeeded' : result.runStatus === 'KILLED' ? (shuttingDown !== null ? 'failed' : 'cancelled') : 'failed';
      outcome = { status, exitCode: result.exitCode, reason: status === 'failed' && shuttingDown !== null ? shuttingDown : result.reason };
    } else {
      return { status: 'failed', exitCode: null, reason: `an '${spec.type}' job runs in the controlling process, not on a queue worker` };
    }
    if (run && spec.type === 'command') {
      const client = new TrackingClient(data.trackingUri, token);
      // A lost log upload is reported, not turned into a failed job: the process's own status stands.
      await client.uploadArtifact(run, `mldesk-job/attempt-${attempt}.log`, output).catch((error: Error) => reporter.log(`mldesk: could not upload the output log: ${error.message}\n`));
      await endRunIfOpen(client, run.info.run_id, RUN_END[outcome.status], outcome.reason);
    }
    return outcome;
  }

  async function processJob(job: BullJob): Promise<{ exitCode: number | null }> {
    const data = QueuedJobDataSchema.parse(job.data);
    const attempt = job.attemptsStarted;
    // BullMQ counts every start, so starts are capped here; a lost worker's attempt (the job stalled)
    // spends none, as JobStore.finish's `lost` has it: maxStalledCount bounds how often that happens.
    if (attempt - job.stalledCounter > data.maxAttempts) throw new UnrecoverableError(`no attempts left: this would be attempt ${attempt} of ${data.maxAttempts}`);
    const abort = new AbortController();
    running.set(data.jobId, abort);
    const reporter = new JobReporter(job);
    const workDir = takeWorkDir();
    const rest = new TrackingClient(data.trackingUri, token);
    let run: RestRun | null = null;
    try {
      let outcome: Outcome;
      // A cancel from before BullMQ handed this job over never gets here (the controller set the
      // job's deferred failure, see BullMqExecutor.cancel); one whose message came since, does.
      const cancelled = cancelledLately.has(data.jobId) ? ((await client.get(cancelKey(queueName, data.jobId))) ?? 'cancelled') : null;
      if (cancelled !== null) {
        outcome = { status: 'cancelled', exitCode: null, reason: cancelled };
      } else {
        run = await runForAttempt(rest, job, data, attempt, workerId);
        const startReport = { t: 'start', attempt, workerId, runId: run?.info.run_id ?? null, experimentId: run?.info.experiment_id ?? null } as const;
        let announced = false;
        const announce = (pid?: number) => {
          if (announced) {
            if (pid !== undefined) reporter.send({ t: 'pid', pid });
            return;
          }
          announced = true;
          reporter.send(pid === undefined ? startReport : { ...startReport, pid });
          log(`job ${data.jobId} (${data.name}) attempt ${attempt}${run ? ` into run ${run.info.run_id}` : ''}${pid === undefined ? '' : `, pid ${pid}`}`);
        };
        // A command's process starts within milliseconds: its start report waits for the pid. A
        // project prepares first (snapshot, environment), and shows as running meanwhile.
        if (data.spec.type !== 'command') announce();
        outcome = await execute(data, run, attempt, reporter, announce, abort.signal, await workDir);
        // One that never started (a bad cwd, a missing program, cancelled first) is started, then ended.
        announce();
      }
      await reporter.finish(outcome.status === 'succeeded' ? null : { t: 'end', ...outcome });
      // Written once BullMQ has sent the completion on its way (a write to a pipe is a system call).
      setImmediate(log, `job ${data.jobId} ${outcome.status}${outcome.reason ? `: ${outcome.reason}` : ''}`);
      if (outcome.status === 'succeeded') return { exitCode: outcome.exitCode };
      if (outcome.status === 'cancelled') throw new UnrecoverableError(`${CANCELLED_PREFIX}${outcome.reason ?? ''}`);
      throw new Error(outcome.reason ?? 'failed');
    } catch (error) {
      if (!reporter.ended) {
        // Anything unexpected (tracking server unreachable, bad job data) still ends the attempt visibly.
        const advice = refusalAdvice(error, data.trackingUri, token !== undefined);
        const reason = `worker ${workerId}: ${advice ?? (error as Error).message}`;
        if (run) await endRunIfOpen(rest, run.info.run_id, 'FAILED', reason).catch(() => undefined);
        reporter.send({ t: 'end', status: 'failed', exitCode: null, reason });
        await reporter.close().catch(() => undefined);
        log(`job ${data.jobId} failed: ${reason}`);
        // BullMQ's failed event may reach the controller first: it carries the same words.
        if (advice) throw new Error(reason);
      }
      throw error;
    } finally {
      running.delete(data.jobId);
      void workDir.then(removeLater, () => undefined);
    }
  }

  const worker = new Worker(queueName, processJob, {
    connection,
    name: workerId,
    concurrency: options.concurrency ?? 1,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    maxStalledCount: options.maxStalledCount ?? 1,
    autorun: false,
  });
  worker.on('error', (error) => log(`worker error: ${error.message}`));
  const client = openRedis(options.redisUrl);
  const subscriber = openRedis(options.redisUrl);
  await subscriber.subscribe(cancelChannel(queueName));
  subscriber.on('message', (_channel: string, jobId: string) => {
    const abort = running.get(jobId);
    if (!abort) {
      // The job may be on its way to processJob already (taken before the cancel, not started yet).
      cancelledLately.add(jobId);
      if (cancelledLately.size > CANCELLED_LATELY_MAX) cancelledLately.delete(cancelledLately.values().next().value!);
      return;
    }
    void client.get(cancelKey(queueName, jobId)).then((reason) => abort.abort(reason ?? 'cancelled'));
  });
  void worker.run();
  await worker.waitUntilReady();
  return {
    workerId,
    queue: queueName,
    async close() {
      shuttingDown = `worker ${workerId} was stopped mid-job`;
      for (const abort of running.values()) abort.abort(shuttingDown);
      await worker.close();
      await spawner.close();
      if (spareWorkDir) await spareWorkDir.then(removeLater, () => undefined);
      spareWorkDir = null;
      await Promise.all(removals);
      await subscriber.quit().catch(() => undefined);
      await client.quit().catch(() => undefined);
    },
  };
}
