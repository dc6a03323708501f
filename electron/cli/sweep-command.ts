/**
 * `mldesk sweep SPEC.yaml`: a hyperparameter sweep over an MLflow project, trials run as jobs on the
 * local process pool (--parallel at a time) logging into the data dir's tracking server, started in
 * this process on 127.0.0.1 (a free port) as `mldesk run` does.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { JobStore } from '../core/automation/job-store.js';
import { LocalPoolExecutor } from '../core/automation/local-pool.js';
import { SweepManager, projectFolder } from '../core/automation/sweeps/sweep-manager.js';
import { parseSweepSpecYaml } from '../core/automation/sweeps/sweep-spec.js';
import { MLDeskError } from '../core/errors.js';
import { startLocalTracking } from './run-command.js';

interface SweepFlags {
  parallel: number;
  json?: boolean;
  dataDir?: string;
  redis?: string;
}

class SweepUsageError extends Error {}

function parallelNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError(`must be a whole number from 1 to 64 (got '${value}').`);
  return n;
}

export async function runSweepCommand(specPath: string, flags: SweepFlags, version: string): Promise<number> {
  if (flags.redis) {
    throw new SweepUsageError(`--redis ${flags.redis}: sweeps on BullMQ workers are not wired into \`mldesk sweep\` yet; run without --redis to use the local process pool.`);
  }
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
  const local = await startLocalTracking(flags.dataDir, version);
  const jobs = new JobStore(local.services.store.db);
  const pool = new LocalPoolExecutor(jobs, { concurrency: flags.parallel, killGraceMs: 2000 });
  pool.setTrackingServer({ trackingUri: local.url });
  const manager = new SweepManager(local.services.store, () => ({ jobs, executor: pool }));
  const onSignal = (signal: NodeJS.Signals) => {
    out(`Received ${signal}: cancelling the sweep's trials...`);
    for (const id of manager.store.running()) manager.cancel(id, `mldesk sweep received ${signal}`);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    out(`Tracking server for the trials: ${local.url} (data dir ${local.services.store.dataDir})`);
    const controller = manager.start(spec, { parallel: flags.parallel, projectPath, onProgress: out });
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
    await pool.close();
    await local.close();
  }
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
    .option('--redis <url>', 'run trials on BullMQ workers (not wired into mldesk sweep yet: refused with a message)')
    .action(async (specPath: string, flags: SweepFlags) => {
      let code: number;
      try {
        code = await runSweepCommand(specPath, flags, version);
      } catch (error) {
        const usage = error instanceof SweepUsageError || (error instanceof MLDeskError && error.code === 'INVALID_PARAMETER_VALUE');
        process.stderr.write(`mldesk sweep: ${(error as Error).message}\n`);
        code = usage ? 2 : 1;
      }
      process.exit(code);
    });
}
