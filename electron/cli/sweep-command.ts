/**
 * `mldesk sweep SPEC.yaml`: a hyperparameter sweep over an MLflow project, trials run as jobs on the
 * local process pool (--parallel at a time) logging into the data dir's tracking server, started in
 * this process on 127.0.0.1 (a free port) as `mldesk run` does. With --redis the trials go to BullMQ
 * workers, on other machines too: --host/--port/--token open the server to them and --advertise-url
 * says where they find it.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { JobStore } from '../core/automation/job-store.js';
import type { BullMqExecutor } from '../core/automation/bullmq-executor.js';
import type { JobExecutor } from '../core/automation/executor.js';
import { LocalPoolExecutor } from '../core/automation/local-pool.js';
import { snapshotProject } from '../core/automation/projects/snapshot.js';
import { TrackingClient } from '../core/automation/projects/tracking-client.js';
import { SweepManager, projectFolder } from '../core/automation/sweeps/sweep-manager.js';
import { parseSweepSpecYaml } from '../core/automation/sweeps/sweep-spec.js';
import { MLDeskError } from '../core/errors.js';
import { bindWithoutTokenProblem, parseTokenSpec, tokenSetProblem, type NamedToken } from '../core/http-auth.js';
import { advertiseUrlOption, advertisedTrackingUrl } from './advertise-url.js';
import { portNumber } from './port-option.js';
import { QueueConnectError, openQueue, redactedUrl } from './queue-connect.js';
import { startLocalTracking } from './run-command.js';

interface SweepFlags {
  parallel: number;
  json?: boolean;
  dataDir?: string;
  redis?: string;
  queue?: string;
  host: string;
  port: number;
  advertiseUrl?: string;
  token: NamedToken[];
}

class SweepUsageError extends Error {}

function parallelNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError(`must be a whole number from 1 to 64 (got '${value}').`);
  return n;
}

export async function runSweepCommand(specPath: string, flags: SweepFlags, version: string): Promise<number> {
  if (flags.redis && !/^rediss?:\/\//.test(flags.redis)) throw new SweepUsageError(`--redis: '${flags.redis}' must start with redis:// or rediss://.`);
  if (flags.queue && !flags.redis) throw new SweepUsageError('--queue needs --redis: it names the BullMQ queue the workers take trials from.');
  if (flags.advertiseUrl && !flags.redis) throw new SweepUsageError('--advertise-url needs --redis: it is the tracking URL BullMQ workers are told to log into.');
  const tokenProblem = tokenSetProblem(flags.token);
  if (tokenProblem) throw new SweepUsageError(`--token: ${tokenProblem}`);
  const unguarded = bindWithoutTokenProblem(flags.host, flags.token);
  if (unguarded) throw new SweepUsageError(unguarded);
  const path = resolve(specPath);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SweepUsageError(`cannot read ${specPath}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  const parsed = parseSweepSpecYaml(text, specPath);
  // The project is relative to the spec file, so a spec travels with its project.
  const projectPath = projectFolder(parsed.project, dirname(path));
  const spec = { ...parsed, project: projectPath };
  const out = (line: string) => (flags.json ? process.stderr : process.stdout).write(`${line}\n`);
  const local = await startLocalTracking(flags.dataDir, version, { host: flags.host, port: flags.port, tokens: flags.token });
  // The first token is this process's own (its REST calls, its local trials); workers bring theirs.
  const token = flags.token[0]?.secret;
  const advertised = advertisedTrackingUrl(flags.host, local.port, flags.advertiseUrl);
  const jobs = new JobStore(local.services.store.db);
  let executor: JobExecutor;
  try {
    executor = flags.redis
      ? await openQueue({ store: jobs, redisUrl: flags.redis, queue: flags.queue, trackingUri: advertised, ownTrackingUri: local.url, token })
      : localPool(jobs, flags.parallel, local.url, token);
  } catch (error) {
    await local.close();
    throw error;
  }
  const manager = new SweepManager(local.services.store, () => ({ jobs, executor }));
  // Workers on other machines share no disk with this one: they get the project as a snapshot on the sweep's run.
  const shipProject = flags.redis ? (runId: string) => snapshotProject(new TrackingClient(local.url, token), projectPath, runId) : undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    out(`Received ${signal}: cancelling the sweep's trials...`);
    for (const id of manager.store.running()) manager.cancel(id, `mldesk sweep received ${signal}`);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    out(`Tracking server for the trials: ${flags.redis ? advertised : local.url} (data dir ${local.services.store.dataDir})`);
    if (flags.redis) {
      const queue = (executor as BullMqExecutor).queueName;
      // Names the token, never prints it: this line ends up in terminals and CI logs.
      const needs = token ? ` --token <the '${flags.token[0]!.name}' secret> (or MLDESK_TOKEN)` : '';
      out(`Trials go to BullMQ queue '${queue}' on ${redactedUrl(flags.redis)}: start \`mldesk worker --redis URL --queue ${queue}${needs}\` to run them.`);
    }
    const controller = manager.start(spec, { parallel: flags.parallel, projectPath, onProgress: out, shipProject });
    const summary = await controller.done;
    const detail = manager.store.detail(controller.id);
    const best = detail.trials.find((trial) => trial.number === detail.bestTrial);
    if (flags.json) {
      const result = {
        sweep_id: detail.id,
        run_id: detail.runId,
        experiment_id: detail.experimentId,
        state: detail.state,
        metric: detail.metric,
        best: best ? { number: best.number, run_id: best.runId, parameters: best.parameters, value: best.value } : null,
        trials: detail.trials.map((trial) => ({
          number: trial.number,
          run_id: trial.runId,
          state: trial.state,
          parameters: trial.parameters,
          value: trial.value,
          step: trial.step,
          reason: trial.reason,
          pruned_at_step: trial.prunedAtStep,
        })),
      };
      process.stdout.write(`${JSON.stringify(result)}\n`);
    }
    return summary.state === 'finished' ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await executor.close();
    await local.close();
  }
}

function localPool(jobs: JobStore, parallel: number, trackingUri: string, token: string | undefined): LocalPoolExecutor {
  const pool = new LocalPoolExecutor(jobs, { concurrency: parallel, killGraceMs: 2000 });
  pool.setTrackingServer({ trackingUri, token });
  return pool;
}

export function registerSweepCommand(program: Command, version: string): void {
  program
    .command('sweep')
    .description(
      'Run a hyperparameter sweep (W&B-like YAML spec: project, entry, method grid|random|tpe, metric, parameters, run_cap, early_terminate asha|median, stale_after_s) ' +
        'over an MLflow project: each trial is a child run of the sweep run and a job on the local pool; losers are pruned as they report. ' +
        'Exit code 0 when the sweep finished with a best trial, 1 otherwise, 2 for a bad spec.',
    )
    .argument('<spec>', 'the sweep spec (YAML); its project path is relative to the spec file')
    .addOption(new Option('--parallel <n>', 'trials running at once').argParser(parallelNumber).default(2))
    .option('--json', 'print one JSON object: sweep_id, run_id, best trial (number, run_id, parameters, value), trials with state/value/reason (progress goes to stderr)')
    .option('--data-dir <dir>', 'directory holding the database and artifacts (default: $MLDESK_HOME, else the OS app-data folder)')
    .option('--redis <url>', 'run the trials on BullMQ workers (`mldesk worker --redis URL`) instead of the local pool; the project goes to them as a snapshot on the sweep run')
    .option('--queue <name>', 'with --redis: the BullMQ queue (the workers use the same; default: theirs)')
    .option('--host <host>', "address the sweep's tracking server binds; anything but loopback requires --token (workers on other machines need 0.0.0.0 or this machine's address)", '127.0.0.1')
    .addOption(new Option('--port <port>', "the tracking server's port; 0 picks a free one").argParser(portNumber).default(0))
    .addOption(new Option('--advertise-url <url>', 'with --redis: the tracking URL workers log into (default: http://HOST:PORT of the bind; for 0.0.0.0 this machine\'s first external address)').argParser(advertiseUrlOption))
    .addOption(
      new Option('--token <[name=]secret>', 'bearer token the tracking server requires (repeatable, as `mldesk serve --token`); workers pass it with their own --token or MLDESK_TOKEN')
        .env('MLDESK_TOKEN')
        .argParser((spec: string, previous: NamedToken[]) => [...previous, parseTokenSpec(spec)])
        .default([], 'none'),
    )
    .action(async (specPath: string, flags: SweepFlags) => {
      let code: number;
      try {
        code = await runSweepCommand(specPath, flags, version);
      } catch (error) {
        const usage = error instanceof SweepUsageError || error instanceof QueueConnectError || (error instanceof MLDeskError && error.code === 'INVALID_PARAMETER_VALUE');
        process.stderr.write(`mldesk sweep: ${(error as Error).message}\n`);
        code = usage ? 2 : 1;
      }
      process.exit(code);
    });
}
