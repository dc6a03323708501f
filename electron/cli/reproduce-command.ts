import { InvalidArgumentError, type Command, type CommanderError } from 'commander';
import type { MetricComparison, ReproductionNote, ReproductionResult } from '../../shared/lineage.js';
import { resolveDataDir } from '../core/data-dir.js';
import { MLDeskError } from '../core/errors.js';
import { reproduceRun, ReproductionRefusedError } from '../core/training/reproduce.js';
import { createServices, type Services } from '../core/services.js';
import { ProgressPrinter } from './training-progress.js';

interface ReproduceFlags {
  tolerance: number;
  dataDir?: string;
  json?: boolean;
}

function tolerance(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) throw new InvalidArgumentError('--tolerance must be a relative tolerance of 0 or more (0.001 = 0.1 %).');
  return value;
}

const number = (value: number | null) => (value === null ? '-' : String(value));

/** A plain-text table: columns padded to their widest cell, numbers at full precision. */
function table(comparisons: MetricComparison[]): string {
  const header = ['metric', 'original', 'reproduced', 'abs diff', 'rel diff', 'equal'];
  const rows = comparisons.map((c) => [c.key, number(c.original), number(c.reproduced), number(c.absDiff), number(c.relDiff), c.equal ? 'yes' : 'NO']);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

const bullets = (notes: ReproductionNote[]) => notes.map((note) => `  - ${note.message}`).join('\n');

function printResult(result: ReproductionResult, flags: ReproduceFlags): void {
  if (flags.json) {
    const json = {
      run_id: result.runId,
      original_run_id: result.originalRunId,
      experiment_id: result.experimentId,
      reproduced: result.reproduced,
      status: result.status,
      tolerance: result.tolerance,
      warnings: result.warnings,
      comparisons: result.comparisons,
      ...(result.error ? { error: result.error } : {}),
    };
    process.stdout.write(`${JSON.stringify(json)}\n`);
    return;
  }
  const out: string[] = [`Run ${result.runId} reproduces run ${result.originalRunId} (experiment id ${result.experimentId}): ${result.status}`];
  if (result.warnings.length > 0) out.push('Differences that do not block a reproduction:', bullets(result.warnings));
  if (result.comparisons.length > 0) out.push('', table(result.comparisons), '');
  if (result.error) out.push(`error: ${result.error}`);
  const unequal = result.comparisons.filter((c) => !c.equal).length;
  const rule = result.tolerance === 0 ? 'exact equality' : `relative tolerance ${result.tolerance}`;
  out.push(
    result.reproduced
      ? `REPRODUCED: all ${result.comparisons.length} final metrics match (${rule}).`
      : `NOT REPRODUCED: ${result.status !== 'FINISHED' ? `the reproduction ended ${result.status}` : `${unequal} of ${result.comparisons.length} final metrics differ (${rule})`}.`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

/** A refusal is exit 2 like a usage error: nothing ran. --json still gets its one object. */
function refuse(runId: string, message: string, problems: ReproductionNote[], warnings: ReproductionNote[], flags: ReproduceFlags, listProblems = true): number {
  process.stderr.write(`mldesk reproduce: ${message}\n${listProblems && problems.length > 0 ? `${bullets(problems)}\n` : ''}`);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ run_id: null, original_run_id: runId, reproduced: false, status: 'REFUSED', problems, warnings, comparisons: [] })}\n`);
  }
  return 2;
}

async function runReproduce(runId: string, flags: ReproduceFlags): Promise<number> {
  let services: Services;
  try {
    services = createServices({ dataDir: resolveDataDir(flags.dataDir) });
  } catch (error) {
    if ((error as Error).name !== 'NewerDatabaseError') throw error;
    return refuse(runId, (error as Error).message, [], [], flags);
  }
  const printer = new ProgressPrinter(process.stderr);
  const abort = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    // A second Ctrl-C while the worker finishes its batch: stop waiting.
    if (interrupts > 1) process.exit(130);
    abort.abort(`interrupted (${signal})`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    process.stderr.write(`Checking that run ${runId} can be reproduced here (data, backend, TF.js version)...\n`);
    const result = await reproduceRun({
      store: services.store,
      runId,
      tolerance: flags.tolerance,
      signal: abort.signal,
      onStarted: (run) => process.stderr.write(`Reproducing run ${runId} as run ${run.runId} (Ctrl-C stops it and marks it KILLED)\n`),
      onMessage: (message) => printer.message(message),
    });
    printer.finish();
    printResult(result, flags);
    return result.reproduced ? 0 : 1;
  } catch (error) {
    printer.finish();
    if (error instanceof ReproductionRefusedError) return refuse(runId, `run ${runId} cannot be reproduced here:`, error.check.problems, error.check.warnings, flags);
    if (error instanceof MLDeskError && (error.code === 'RESOURCE_DOES_NOT_EXIST' || error.code === 'INVALID_PARAMETER_VALUE')) {
      return refuse(runId, error.message, [{ code: error.code === 'RESOURCE_DOES_NOT_EXIST' ? 'run_not_found' : 'invalid_parameter', message: error.message }], [], flags, false);
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await services.close();
  }
}

/** `mldesk reproduce RUN_ID`, registered beside `mldesk train`. */
export function registerReproduceCommand(program: Command): void {
  const command = program
    .command('reproduce')
    .description(
      'Train a run again from its recorded lineage (template, target, task, hyperparameters, seed, dataset version, backend) into a new run of the same experiment, ' +
        'then compare every final metric. Refuses, before creating a run, when the data changed or the backend or TF.js version differs. ' +
        'Exit 0 reproduced, 1 not reproduced or failed, 2 refused or usage error.',
    )
    .argument('<run-id>', 'the run to reproduce')
    .option('--tolerance <x>', 'relative tolerance per metric (default 0: the very same numbers, as the same backend and seed give)', tolerance, 0)
    .option('--data-dir <dir>', 'directory holding the database and artifacts (default: $MLDESK_HOME, else the OS app-data folder)')
    .option('--json', 'print one JSON object {run_id, original_run_id, reproduced, status, warnings, comparisons} on stdout')
    .action(async (runId: string, flags: ReproduceFlags) => {
      process.exitCode = await runReproduce(runId, flags);
    });
  command.exitOverride((error: CommanderError) => {
    process.exit(error.exitCode === 0 ? 0 : 2);
  });
}
