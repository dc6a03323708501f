import { InvalidArgumentError, Option, type Command, type CommanderError } from 'commander';
import { parse } from 'csv-parse/sync';
import { openSync, readSync, closeSync } from 'node:fs';
import { resolve } from 'node:path';
import { sniffDelimiter } from '../core/data/csv-delimiter.js';
import { DatasetStore } from '../core/data/dataset-store.js';
import { resolveDataDir } from '../core/data-dir.js';
import { MLDeskError } from '../core/errors.js';
import { BACKEND_NAMES, type BackendName } from '../core/training/backend.js';
import { MODEL_TEMPLATES, parseParamOverrides, type Hyperparameters, type ModelTemplate } from '../core/training/hyperparams.js';
import { MAX_SEED } from '../core/training/prng.js';
import type { Task } from '../core/training/table.js';
import type { TrainingData } from '../core/training/messages.js';
import { startTraining, type TrainingHandle, type TrainingOutcome } from '../core/training/training-run.js';
import { registerReproduceCommand } from './reproduce-command.js';
import { RemoteTrainError, remoteTrackingFor, trainIntoRemoteRun } from './train-remote.js';
import { formatMetrics, ProgressPrinter } from './training-progress.js';

interface TrainFlags {
  data?: string;
  dataset?: string;
  target: string;
  experiment: string;
  model: ModelTemplate;
  task?: Task;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  param: string[];
  seed?: number;
  backend?: BackendName;
  dataDir?: string;
  runName?: string;
  runId?: string;
  json?: boolean;
  keepIdColumns?: boolean;
}

/** Bad flags exit with 2, like `mldesk serve`'s configuration errors; a failed run exits with 1. */
export class TrainUsageError extends Error {}

const integer = (flag: string, min: number, max: number) => (text: string): number => {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) throw new InvalidArgumentError(`${flag} must be an integer from ${min} to ${max}.`);
  return value;
};

function positiveNumber(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new InvalidArgumentError('--learning-rate must be a positive number.');
  return value;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** The header row only: a wrong --target is a usage error, caught before a run is created. */
function csvHeader(path: string): string[] {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new TrainUsageError(`--data: cannot read '${path}' (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
  }
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, read).toString('utf8');
    // The same separator the import will sniff, so `a;b;target` is three columns here too.
    const header = (parse(text, { bom: true, to_line: 1, relax_quotes: true, delimiter: sniffDelimiter(text) }) as string[][])[0];
    if (!header) throw new TrainUsageError(`--data: '${path}' is empty; a header row and data rows are needed.`);
    return header.map((name) => name.trim());
  } catch (error) {
    if (error instanceof TrainUsageError) throw error;
    throw new TrainUsageError(`--data: '${path}' does not start with a CSV header row (${(error as Error).message}).`);
  } finally {
    closeSync(fd);
  }
}

/** Flags to hyperparameters: the dedicated flags and --param must not disagree. */
function hyperparametersOf(flags: TrainFlags): Partial<Hyperparameters> {
  let fromParams: Partial<Hyperparameters>;
  try {
    fromParams = parseParamOverrides(flags.param);
  } catch (error) {
    throw new TrainUsageError((error as Error).message);
  }
  const dedicated: Partial<Hyperparameters> = {};
  const pairs: [keyof Hyperparameters, number | undefined, string][] = [
    ['epochs', flags.epochs, '--epochs'],
    ['batchSize', flags.batchSize, '--batch-size'],
    ['learningRate', flags.learningRate, '--learning-rate'],
    ['seed', flags.seed, '--seed'],
  ];
  if (flags.keepIdColumns) {
    if (fromParams.keepIdColumns === false) throw new TrainUsageError('--keep-id-columns and --param keep_id_columns=false disagree; give one.');
    dedicated.keepIdColumns = true;
  }
  for (const [field, value, flag] of pairs) {
    if (value === undefined) continue;
    if (fromParams[field] !== undefined && fromParams[field] !== value) throw new TrainUsageError(`${flag} ${value} and --param ${String(fromParams[field])} for the same setting disagree; give one.`);
    (dedicated as Record<string, number>)[field] = value;
  }
  return { ...fromParams, ...dedicated };
}

function printOutcome(outcome: TrainingOutcome, flags: TrainFlags): void {
  if (flags.json) {
    const result = {
      run_id: outcome.runId,
      experiment_id: outcome.experimentId,
      status: outcome.status,
      backend: outcome.backend?.name ?? null,
      metrics: outcome.metrics,
      ...(outcome.error ? { error: outcome.error } : {}),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const on = outcome.backend ? ` on ${outcome.backend.name}` : '';
  process.stdout.write(`Run ${outcome.runId} ${outcome.status} in experiment '${flags.experiment}' (id ${outcome.experimentId})${on}\n`);
  if (Object.keys(outcome.metrics).length > 0) process.stdout.write(`  ${formatMetrics(outcome.metrics)}\n`);
  if (outcome.status === 'FINISHED') process.stdout.write(`  model: runs:/${outcome.runId}/model\n`);
  if (outcome.error) process.stdout.write(`  error: ${outcome.error}\n`);
}

/**
 * A native backend that is not installed is a usage error found here, without loading TensorFlow
 * in this process; one that is installed but fails to load fails the run in the worker instead.
 */
function checkBackendInstalled(backend: BackendName | undefined): void {
  if (backend !== 'node' && backend !== 'node-gpu') return;
  const pkg = backend === 'node' ? '@tensorflow/tfjs-node' : '@tensorflow/tfjs-node-gpu';
  try {
    import.meta.resolve(pkg);
  } catch {
    throw new TrainUsageError(`--backend ${backend}: ${pkg} is not installed (an optional dependency whose install downloads libtensorflow). Omit --backend to use the fastest available one.`);
  }
}

/** The data flags to a training source plus its column names, checked before a run is created. */
function dataSource(flags: TrainFlags): { data: TrainingData; columns: string[]; label: string } {
  if ((flags.data === undefined) === (flags.dataset === undefined)) {
    throw new TrainUsageError('give either --data FILE (a CSV file) or --dataset NAME[@VERSION] (an imported dataset version), not both or neither.');
  }
  if (flags.data !== undefined) {
    const path = resolve(flags.data);
    return { data: { kind: 'csv', path }, columns: csvHeader(path), label: flags.data };
  }
  let datasets: DatasetStore | undefined;
  try {
    datasets = DatasetStore.open(resolveDataDir(flags.dataDir));
    const version = datasets.getVersion(flags.dataset!);
    return { data: { kind: 'dataset', ref: version.ref }, columns: version.schema.map((c) => c.name), label: version.ref };
  } catch (error) {
    throw new TrainUsageError(`--dataset: ${(error as Error).message}`);
  } finally {
    datasets?.close();
  }
}

/**
 * `--data FILE` is imported as a dataset version before training (the same bytes are the same
 * version), so the run names stored bytes that `mldesk reproduce` can train on again.
 */
async function importDataFile(path: string, dataDir: string | undefined): Promise<TrainingData> {
  let datasets: DatasetStore | undefined;
  try {
    datasets = DatasetStore.open(resolveDataDir(dataDir));
    const { version, created } = await datasets.importFile(path);
    process.stderr.write(`data: ${path} ${created ? 'imported as' : 'is'} dataset version ${version.ref} (sha256 ${version.sha256.slice(0, 12)}…, ${version.rows} rows)\n`);
    return { kind: 'dataset', ref: version.ref };
  } catch (error) {
    if ((error instanceof MLDeskError && error.code !== 'INTERNAL_ERROR') || (error as Error).name === 'NewerDatabaseError') throw new TrainUsageError(`--data: ${(error as Error).message}`);
    throw error;
  } finally {
    datasets?.close();
  }
}

async function runTrain(flags: TrainFlags): Promise<number> {
  checkBackendInstalled(flags.backend);
  const source = dataSource(flags);
  if (!source.columns.includes(flags.target)) throw new TrainUsageError(`--target: '${flags.target}' is not a column of ${source.label} (columns: ${source.columns.join(', ')}).`);
  const hyperparameters = hyperparametersOf(flags);
  const data = source.data.kind === 'csv' ? await importDataFile(source.data.path, flags.dataDir) : source.data;
  const printer = new ProgressPrinter(process.stderr);
  let handle: TrainingHandle;
  try {
    handle = startTraining({
      dataDir: flags.dataDir,
      data,
      target: flags.target,
      task: flags.task,
      experimentName: flags.experiment,
      runName: flags.runName,
      existingRunId: flags.runId,
      template: flags.model,
      hyperparameters,
      backend: flags.backend,
      source: 'mldesk train',
      onMessage: (message) => printer.message(message),
    });
  } catch (error) {
    if (error instanceof MLDeskError && error.code === 'INVALID_PARAMETER_VALUE') throw new TrainUsageError(error.message);
    if ((error as Error).name === 'NewerDatabaseError') throw new TrainUsageError((error as Error).message);
    throw error;
  }
  printer.started(handle.runId, flags.experiment);
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // The first Ctrl-C stops training cleanly (run KILLED, partial metrics kept); a second one
    // stops waiting for the worker's current batch.
    interrupts++;
    void handle.cancel(`interrupted (${signal})`, interrupts > 1 ? 0 : 3000);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const outcome = await handle.done;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  printer.finish();
  printOutcome(outcome, flags);
  return outcome.status === 'FINISHED' ? 0 : outcome.status === 'KILLED' ? 130 : 1;
}

/** `mldesk train` and `mldesk reproduce`. */
export function registerTrainCommands(program: Command): void {
  const command = program
    .command('train')
    .description('Train a model on a CSV file or dataset version in a child process and record it as an MLflow run: every hyperparameter as a param, per-epoch and system metrics, the model under artifacts/model.')
    .option('--data <file>', 'CSV file with a header row, imported as a dataset version first (the same bytes are the same version) so the run can be reproduced')
    .option('--dataset <name[@version]>', 'a dataset version imported with `mldesk data import` (latest when no version), instead of --data')
    .requiredOption('--target <column>', 'column to predict')
    .option('--experiment <name>', 'experiment to log to (created when missing)', 'Default')
    .addOption(new Option('--model <template>', 'model template').choices([...MODEL_TEMPLATES]).default('mlp'))
    .addOption(new Option('--task <task>', 'default: classification for categorical, boolean or few-valued integer targets, else regression').choices(['classification', 'regression']))
    .option('--epochs <n>', 'maximum epochs (default 100; early stopping usually ends sooner)', integer('--epochs', 1, 100_000))
    .option('--batch-size <n>', 'rows per optimizer step (default 32)', integer('--batch-size', 1, 1_000_000))
    .option('--learning-rate <x>', 'optimizer learning rate (default 0.001)', positiveNumber)
    .option('--param <key=value>', 'any hyperparameter, repeatable: hidden_units=64,64 activation dropout l2 optimizer validation_split early_stopping_patience early_stopping_min_delta ...', collect, [])
    .option('--seed <n>', 'seed for split, initial weights, shuffling and dropout (default: random, logged)', integer('--seed', 0, MAX_SEED))
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend (default: the fastest available)').choices([...BACKEND_NAMES]))
    .option('--data-dir <dir>', 'directory holding the database and artifacts (default: $MLDESK_HOME, else the OS app-data folder)')
    .option('--run-name <name>', 'run name (default: generated)')
    .option('--run-id <id>', 'log into this RUNNING run instead of creating one (a project run: `--run-id "$MLFLOW_RUN_ID"`): the data directory\'s, else the one on the http(s) MLFLOW_TRACKING_URI server, over REST')
    .option('--keep-id-columns', 'train on integer columns whose values are all distinct (row or customer ids); by default they are left out, as free-text columns are')
    .option('--json', 'print one JSON object with run_id, experiment_id, status, backend and final metrics on stdout')
    .action(async (flags: TrainFlags) => {
      try {
        const remote = flags.runId === undefined ? null : remoteTrackingFor(flags.runId, flags.dataDir);
        process.exitCode = remote ? await trainIntoRemoteRun(remote, flags.runId!, (dataDir) => runTrain({ ...flags, dataDir })) : await runTrain(flags);
      } catch (error) {
        if (error instanceof TrainUsageError || error instanceof RemoteTrainError) {
          process.stderr.write(`mldesk train: ${error.message}\n`);
          process.exitCode = 2;
          return;
        }
        throw error;
      }
    });
  command.exitOverride((error: CommanderError) => {
    process.exit(error.exitCode === 0 ? 0 : 2);
  });
  registerReproduceCommand(program);
}

