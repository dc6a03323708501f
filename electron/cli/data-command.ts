import { Option, type Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import type { z } from 'zod';
import { DatasetFormatSchema, parseDatasetRef } from '../../shared/datasets.js';
import { resolveDataDir } from '../core/data-dir.js';
import type { DatasetStore } from '../core/data/dataset-store.js';
import { formatBlobCheck, formatImport, formatList, formatValidation, formatVersion } from '../core/data/report-text.js';
import { generateTabular, SYNTHETIC_TASKS, TabularOptionsSchema, toCsv } from '../core/data/synthetic.js';
import { DatasetFileError } from '../core/data/table-reader.js';
import { MLDeskError } from '../core/errors.js';
import { createServices } from '../core/services.js';
import { NewerDatabaseError } from '../core/store/database.js';

/**
 * `mldesk data ...`: import, list, show, verify and validate datasets, and generate synthetic ones.
 * Exit codes: 0 success (validate: passed), 1 a data problem (validate: problems found; import:
 * a malformed file; verify: a damaged blob) or an unexpected error, 2 a usage problem (bad flags,
 * unknown dataset, missing file).
 */
const EXIT_PROBLEMS = 1;
const EXIT_USAGE = 2;

class UsageError extends Error {}

interface StoreFlags {
  dataDir?: string;
  json?: boolean;
}

const DATA_DIR_HELP = 'directory holding the database and datasets (default: $MLDESK_HOME, else the OS app-data folder)';

/** Flags are parsed with zod as every boundary input is; a failure is a usage error naming the flag. */
function parseFlags<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new UsageError(`--${String(issue.path[0] ?? 'value')}: ${issue.message}`);
}

function numberFlag(flag: string, text: string): number {
  if (!/^\s*[+-]?(?:\d+\.?\d*|\.\d+)\s*$/.test(text)) throw new UsageError(`--${flag}: expected a number, got '${text}'.`);
  return Number(text);
}

function print(flags: StoreFlags, json: unknown, text: string): void {
  process.stdout.write(flags.json ? `${JSON.stringify(json, null, 2)}\n` : `${text}\n`);
}

/** Runs an action: maps errors to messages and exit codes instead of stack traces. */
async function run(command: string, flags: StoreFlags, body: () => Promise<number>): Promise<void> {
  let code: number;
  try {
    code = await body();
  } catch (error) {
    const usage =
      error instanceof UsageError ||
      error instanceof NewerDatabaseError ||
      (error instanceof MLDeskError && !(error instanceof DatasetFileError) && error.code !== 'INVALID_STATE');
    // Anything else (a full disk, a permission error) is still a message, not a stack trace.
    const message = usage || error instanceof MLDeskError ? (error as Error).message : `unexpected error: ${(error as Error).message ?? String(error)}`;
    if (flags.json) {
      const errorCode = error instanceof MLDeskError ? error.code : usage ? 'INVALID_PARAMETER_VALUE' : 'INTERNAL_ERROR';
      process.stdout.write(`${JSON.stringify({ ok: false, error: { code: errorCode, message } })}\n`);
    }
    process.stderr.write(`mldesk data ${command}: ${message}\n`);
    code = usage ? EXIT_USAGE : EXIT_PROBLEMS;
  }
  process.exitCode = code;
}

async function withStore<T>(flags: StoreFlags, body: (store: DatasetStore) => Promise<T>): Promise<T> {
  const services = createServices({ dataDir: resolveDataDir(flags.dataDir) });
  try {
    return await body(services.datasets);
  } finally {
    await services.close();
  }
}

function refArgument(text: string): string {
  const ref = parseDatasetRef(text);
  if ('error' in ref) throw new UsageError(ref.error);
  return text;
}

const formatOption = () => new Option('--format <format>', 'file format when the extension does not tell').choices(DatasetFormatSchema.options);

export function registerDataCommands(program: Command): void {
  const data = program
    .command('data')
    .description('Versioned datasets: import CSV / JSON lines, list, show, verify, validate new files against a version, generate synthetic data.')
    // Commander exits 1 on usage errors; here 1 means "the data has problems", so usage is 2.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE));

  data
    .command('import <file>')
    .description('Import a file as a new version of a dataset (the same bytes again give the same version).')
    .option('--name <name>', "dataset name (default: the dataset already holding these bytes, else the file's base name)")
    .addOption(formatOption())
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', 'print the version as JSON')
    .action((file: string, flags: StoreFlags & { name?: string; format?: string }) =>
      run('import', flags, () =>
        withStore(flags, async (store) => {
          const result = await store.importFile(file, { name: flags.name, format: flags.format });
          print(flags, { created: result.created, version: result.version }, formatImport(result));
          return 0;
        }),
      ),
    );

  data
    .command('list')
    .description('List the datasets with their latest version.')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', 'print the list as JSON')
    .action((flags: StoreFlags) =>
      run('list', flags, () =>
        withStore(flags, async (store) => {
          const datasets = store.list();
          print(flags, { datasets }, formatList(datasets));
          return 0;
        }),
      ),
    );

  data
    .command('show <dataset>')
    .description('Show a version (NAME for the latest, NAME@VERSION for another): schema and statistics.')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', 'print the version as JSON')
    .action((ref: string, flags: StoreFlags) =>
      run('show', flags, async () => {
        refArgument(ref);
        return withStore(flags, async (store) => {
          const version = store.getVersion(ref);
          print(flags, version, formatVersion(version, store.get(version.name).versions));
          return 0;
        });
      }),
    );

  data
    .command('verify <dataset>')
    .description("Check that a version's stored bytes still match its SHA-256 (what reproducing a run relies on).")
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', 'print the check as JSON')
    .action((ref: string, flags: StoreFlags) =>
      run('verify', flags, async () => {
        refArgument(ref);
        return withStore(flags, async (store) => {
          const version = store.getVersion(ref);
          const check = await store.verify(version);
          print(flags, { ref: version.ref, ...check }, formatBlobCheck(version.ref, check));
          return check.ok ? 0 : EXIT_PROBLEMS;
        });
      }),
    );

  data
    .command('validate <file>')
    .description('Check a file against a dataset version: columns, types, ranges, categories, null rates. Exit 0 passed, 1 problems, 2 usage.')
    .requiredOption('--against <dataset>', 'the version to check against: NAME (latest) or NAME@VERSION')
    .addOption(formatOption())
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', 'print the report as one JSON object')
    .action((file: string, flags: StoreFlags & { against: string; format?: string }) =>
      run('validate', flags, async () => {
        refArgument(flags.against);
        return withStore(flags, async (store) => {
          const report = await store.validateFile(file, flags.against, { format: flags.format });
          print(flags, report, formatValidation(report));
          return report.passed ? 0 : EXIT_PROBLEMS;
        });
      }),
    );

  data
    .command('generate')
    .description('Write a synthetic churn table as CSV; --drift shifts feature distributions and category mix (0 none, 1 most).')
    .requiredOption('--out <file>', 'CSV file to write')
    .option('--rows <n>', 'number of rows', '5000')
    .option('--seed <n>', 'random seed (same seed and options, same bytes)', '42')
    .option('--drift <d>', 'drift from 0 to 1', '0')
    .addOption(new Option('--task <task>', 'target: churned (classification) or lifetime_value (regression)').choices(SYNTHETIC_TASKS).default('classification'))
    .option('--features <n>', 'feature columns (4 or more; past 8 come noise_1, noise_2, ...)', '8')
    .option('--json', 'print a summary as JSON')
    .action((flags: { out: string; rows: string; seed: string; drift: string; task: string; features: string; json?: boolean }) =>
      run('generate', flags, async () => {
        const options = parseFlags(TabularOptionsSchema, {
          rows: numberFlag('rows', flags.rows),
          seed: numberFlag('seed', flags.seed),
          drift: numberFlag('drift', flags.drift),
          task: flags.task,
          features: numberFlag('features', flags.features),
        });
        const table = generateTabular(options);
        try {
          await writeFile(flags.out, toCsv(table));
        } catch (error) {
          throw new UsageError(`cannot write ${flags.out}: ${(error as Error).message}`);
        }
        print(
          flags,
          { file: flags.out, rows: table.rows.length, columns: table.columns, target: table.target, options },
          `Wrote ${table.rows.length} rows (${options.task}, target ${table.target}, seed ${options.seed}, drift ${options.drift}) to ${flags.out}.`,
        );
        return 0;
      }),
    );
}
