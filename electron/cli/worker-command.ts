import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEFAULT_QUEUE } from '../core/automation/bullmq-protocol.js';
import { MLDeskError } from '../core/errors.js';
import { parseTokenSpec } from '../core/http-auth.js';

/**
 * `mldesk worker --redis redis://HOST:PORT`: takes jobs from a BullMQ queue on this machine and
 * runs them, logging through the tracking server each job names (no data dir needed). Exit codes:
 * 0 stopped by SIGINT/SIGTERM, 1 an unexpected error, 2 bad flags or an unreachable Redis.
 */
const EXIT_USAGE = 2;
const CONNECT_TIMEOUT_MS = 15_000;

function intIn(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`${flag} must be a whole number from ${min} to ${max}, got '${value}'.`);
    return n;
  };
}

interface Flags {
  redis: string;
  concurrency: number;
  queue: string;
  lockDuration: number;
  stalledInterval: number;
  maxStalled: number;
  token?: string;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'Run jobs from a BullMQ queue on Redis (sweep trials, training projects, commands) on this machine. Each job logs into the tracking server ' +
        'that queued it, over its REST API and artifact proxy; a worker needs no data dir and no shared disk. A worker that dies mid-job loses ' +
        'nothing: BullMQ hands the job to another worker once its lock expires.',
    )
    .requiredOption('--redis <url>', 'the Redis server holding the queue: redis://[user:password@]HOST:PORT[/db]')
    .option('--concurrency <n>', 'jobs run at once', intIn('--concurrency', 1, 256), 1)
    .option('--queue <name>', 'queue name (the controller uses the same)', DEFAULT_QUEUE)
    .option('--lock-duration <ms>', 'BullMQ job lock: a job whose worker stops renewing it for this long is handed to another worker', intIn('--lock-duration', 1000, 3_600_000), 30_000)
    .option('--stalled-interval <ms>', 'how often this worker looks for stalled jobs', intIn('--stalled-interval', 500, 3_600_000), 30_000)
    .option('--max-stalled <n>', 'times one job may be recovered from a lost worker before it fails', intIn('--max-stalled', 0, 100), 1)
    .addOption(
      new Option('--token <secret>', "bearer token of the tracking servers the jobs log into (the one `mldesk serve`/`mldesk sweep` was given; a NAME=SECRET form is taken as the secret after '=')")
        .env('MLDESK_TOKEN')
        .argParser((spec: string) => parseTokenSpec(spec).secret),
    )
    .action(async (flags: Flags) => {
      const { startQueueWorker } = await import('../core/automation/bullmq-worker.js');
      const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
      let timer: NodeJS.Timeout | undefined;
      let worker;
      try {
        worker = await Promise.race([
          startQueueWorker({
            redisUrl: flags.redis,
            queue: flags.queue,
            concurrency: flags.concurrency,
            lockDurationMs: flags.lockDuration,
            stalledIntervalMs: flags.stalledInterval,
            maxStalledCount: flags.maxStalled,
            token: flags.token,
            log,
          }),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new MLDeskError('TEMPORARILY_UNAVAILABLE', `cannot reach Redis at ${flags.redis} within ${CONNECT_TIMEOUT_MS / 1000} s.`)), CONNECT_TIMEOUT_MS);
          }),
        ]);
      } catch (error) {
        process.stderr.write(`mldesk worker: ${(error as Error).message}\n`);
        process.exit(error instanceof MLDeskError ? EXIT_USAGE : 1);
      } finally {
        clearTimeout(timer);
      }
      process.stdout.write(`MLDesk worker ${worker.workerId} taking jobs from queue '${worker.queue}' (concurrency ${flags.concurrency})\n`);
      const shutdown = (signal: string) => {
        log(`received ${signal}: handing running jobs back to the queue and stopping`);
        worker.close().then(
          () => process.exit(0),
          (error: unknown) => {
            process.stderr.write(`mldesk worker: error while stopping: ${(error as Error).message}\n`);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    });
}
