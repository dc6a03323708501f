import type { Command } from 'commander';
import { JOB_STATUSES, isTerminalJobStatus, type Job, type JobStatus } from '../../shared/automation.js';
import { JobsService } from '../core/automation/jobs-service.js';
import { resolveDataDir } from '../core/data-dir.js';
import { MLDeskError, invalidParameter } from '../core/errors.js';
import { NewerDatabaseError } from '../core/store/database.js';
import { TrackingStore } from '../core/store/tracking-store.js';

/**
 * `mldesk jobs`: list, show and cancel the jobs of a data dir, and run a command as a job.
 * Exit codes: 0 success (run: the job succeeded), 1 an unexpected error, 2 bad input,
 * 3 the job run by `jobs run` failed or was cancelled.
 */
const EXIT_UNEXPECTED = 1;
const EXIT_USAGE = 2;
const EXIT_JOB_FAILED = 3;
const DATA_DIR_HELP = 'directory holding the database (default: $MLDESK_HOME, else the OS app-data folder)';

interface Flags {
  dataDir?: string;
  json?: boolean;
}

async function withJobs<T>(command: string, flags: Flags, action: (jobs: JobsService) => Promise<T> | T, text: (value: T) => string): Promise<void> {
  let store: TrackingStore | undefined;
  let jobs: JobsService | undefined;
  try {
    store = TrackingStore.open(resolveDataDir(flags.dataDir));
    jobs = new JobsService(store, { concurrency: 1 });
    const value = await action(jobs);
    process.stdout.write(flags.json ? `${JSON.stringify(value)}\n` : text(value));
    if (process.exitCode === undefined) process.exitCode = 0;
  } catch (error) {
    const usage = error instanceof MLDeskError || error instanceof NewerDatabaseError;
    const message = usage ? (error as Error).message : `unexpected error: ${(error as Error).message}`;
    if (flags.json) process.stdout.write(`${JSON.stringify({ error: { code: error instanceof MLDeskError ? error.code : 'INTERNAL_ERROR', message } })}\n`);
    process.stderr.write(`mldesk ${command}: ${message}\n`);
    process.exitCode = usage ? EXIT_USAGE : EXIT_UNEXPECTED;
  } finally {
    await jobs?.close();
    store?.close();
  }
}

const time = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

function line(job: Job): string {
  const ended = job.reason ? ` (${job.reason})` : job.exitCode !== null ? ` (exit ${job.exitCode})` : '';
  return `${job.id}  ${job.status.toUpperCase().padEnd(9)} ${job.kind.padEnd(8)} ${job.name}${ended}\n`;
}

function detail(job: Job): string {
  const rows: Array<[string, string]> = [
    ['id', job.id],
    ['status', job.status],
    ['kind', job.kind],
    ['name', job.name],
    ['executor', job.executor],
    ['run', job.runId ?? '-'],
    ['parent', job.parentId ?? '-'],
    ['attempts', `${job.attempts} of ${job.maxAttempts}`],
    ['worker', job.workerId ?? '-'],
    ['pid', job.pid === null ? '-' : String(job.pid)],
    ['created', time(job.createdAt)],
    ['started', time(job.startedAt)],
    ['ended', time(job.endedAt)],
    ['exit code', job.exitCode === null ? '-' : String(job.exitCode)],
    ['reason', job.reason ?? '-'],
  ];
  return `${rows.map(([k, v]) => `${k.padEnd(10)} ${v}`).join('\n')}\n--- log tail ---\n${job.logTail}${job.logTail.endsWith('\n') || !job.logTail ? '' : '\n'}`;
}

function positiveInt(flag: string, value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw invalidParameter(`${flag}: must be a whole number from 1 to ${max} (got '${value}').`);
  return n;
}

export function registerJobCommands(program: Command): void {
  const jobs = program
    .command('jobs')
    .description('jobs (training, trials, pipeline steps, commands): list, show, cancel, or run a command as a job')
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE));

  jobs
    .command('list', { isDefault: true })
    .description('the jobs, newest first (the default)')
    .option('--status <status>', `only this status: ${JOB_STATUSES.join(', ')}`)
    .option('--limit <n>', 'at most this many (default 50)')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', 'print one JSON object: {"jobs": [...]}')
    .action((flags: Flags & { status?: string; limit?: string }) =>
      withJobs(
        'jobs list',
        flags,
        (service) => {
          if (flags.status !== undefined && !JOB_STATUSES.includes(flags.status as JobStatus)) throw invalidParameter(`--status: must be one of ${JOB_STATUSES.join(', ')} (got '${flags.status}').`);
          const limit = positiveInt('--limit', flags.limit, 500) ?? 50;
          return { jobs: service.store.list({ status: flags.status ? [flags.status as JobStatus] : undefined, limit }).map(({ logTail: _logTail, ...job }) => job) };
        },
        ({ jobs: list }) => (list.length ? list.map((job) => line({ ...job, logTail: '' })).join('') : 'No jobs.\n'),
      ),
    );

  jobs
    .command('show <id>')
    .description("a job's details and the tail of its log")
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', 'print one JSON object: {"job": {...}}')
    .action((id: string, flags: Flags) => withJobs('jobs show', flags, (service) => ({ job: service.store.get(id) }), ({ job }) => detail(job)));

  jobs
    .command('cancel <id>')
    .description('cancel a queued or running job; a running one has its whole process tree killed by the process that runs it')
    .option('--reason <text>', 'why (shown with the job)', 'cancelled from the CLI')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', 'print one JSON object: {"job": {...}}')
    .action((id: string, flags: Flags & { reason: string }) => withJobs('jobs cancel', flags, async (service) => ({ job: await service.cancel(id, flags.reason) }), ({ job }) => line(job)));

  jobs
    .command('run')
    .description('run a command as a job in this process and wait for it: mldesk jobs run [--name N] -- PROGRAM [ARGS...]')
    .argument('<argv...>', 'the program and its arguments (put them after --)')
    .option('--name <name>', 'a label for the jobs list (default: the command)')
    .option('--max-attempts <n>', 'retry a failure until this many attempts (default 1)')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', 'print one JSON object when it ends: {"job": {...}}')
    .action((argv: string[], flags: Flags & { name?: string; maxAttempts?: string }) =>
      withJobs(
        'jobs run',
        flags,
        async (service) => {
          const maxAttempts = positiveInt('--max-attempts', flags.maxAttempts, 20);
          const job = await service.submit({ kind: 'command', name: flags.name ?? argv.join(' ').slice(0, 200), executor: 'local', spec: { type: 'command', argv }, maxAttempts });
          if (!flags.json) process.stdout.write(`job ${job.id} started\n`);
          // Ctrl-C cancels the job (its whole tree) instead of orphaning it.
          const interrupt = (signal: NodeJS.Signals) => void service.cancel(job.id, `interrupted (${signal})`).catch(() => undefined);
          process.once('SIGINT', interrupt);
          process.once('SIGTERM', interrupt);
          const done = await service.pool.waitFor(job.id);
          process.off('SIGINT', interrupt);
          process.off('SIGTERM', interrupt);
          if (done.status !== 'succeeded') process.exitCode = EXIT_JOB_FAILED;
          return { job: done };
        },
        ({ job }) => (isTerminalJobStatus(job.status) ? line(job) : ''),
      ),
    );
}
