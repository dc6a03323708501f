import type { Command } from 'commander';
import { resolveDataDir } from '../core/data-dir.js';
import { MLDeskError } from '../core/errors.js';
import { createServices, type Services } from '../core/services.js';
import { ImportRefusedError, parseModelVersion } from '../core/serving/prediction-import.js';
import { importPredictionsFile } from '../core/serving/prediction-import-sources.js';
import { NewerDatabaseError } from '../core/store/database.js';

/**
 * `mldesk monitor import FILE --model NAME/VERSION`: predictions made by a model served elsewhere,
 * into the prediction log (prediction-import.ts). Exit codes: 0 imported, 2 bad input (a refused
 * row, an unknown model version, a bad flag: nothing stored), 1 an unexpected error.
 */
const EXIT_UNEXPECTED = 1;
const EXIT_USAGE = 2;

interface ImportFlags {
  model: string;
  format?: string;
  dataDir?: string;
  json?: boolean;
}

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

async function runImport(file: string, flags: ImportFlags): Promise<void> {
  let services: Services | undefined;
  const started = performance.now();
  try {
    const target = parseModelVersion(flags.model);
    services = createServices({ dataDir: resolveDataDir(flags.dataDir) });
    const result = await importPredictionsFile(services.store, services.registry, file, { ...target, format: flags.format });
    const seconds = (performance.now() - started) / 1000;
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      process.stdout.write(
        `Imported ${plural(result.imported, 'prediction')} into ${result.model}/${result.version} in ${seconds.toFixed(1)} s` +
          ` (${plural(result.skipped_duplicates, 'row')} already in the log, skipped; ${plural(result.labelled, 'ground-truth label')} stored).\n`,
      );
    }
    process.exitCode = 0;
  } catch (error) {
    const usage = error instanceof MLDeskError || error instanceof NewerDatabaseError;
    const message = usage ? (error as Error).message : `unexpected error: ${(error as Error).message ?? String(error)}`;
    if (flags.json) {
      const code = error instanceof MLDeskError ? error.code : usage ? 'INVALID_PARAMETER_VALUE' : 'INTERNAL_ERROR';
      const listed = error instanceof ImportRefusedError ? { errors: error.problems, error_count: error.total } : {};
      process.stdout.write(`${JSON.stringify({ error_code: code, message, ...listed })}\n`);
    }
    if (error instanceof ImportRefusedError) {
      const more = error.total > error.problems.length ? ` (the first ${error.problems.length} listed)` : '';
      const lines = error.problems.map((problem) => `  ${problem.message}\n`).join('');
      process.stderr.write(`mldesk monitor import: ${plural(error.total, 'problem')} in ${file}${more}; nothing was imported:\n${lines}`);
    } else {
      process.stderr.write(`mldesk monitor import: ${message}\n`);
    }
    process.exitCode = usage ? EXIT_USAGE : EXIT_UNEXPECTED;
  } finally {
    await services?.close();
  }
}

export function registerMonitorImport(monitor: Command): void {
  monitor
    .command('import <file>')
    .description(
      'Import predictions made by a model served outside MLDesk (CSV with a header line, or JSON lines) into the prediction log, ' +
        "checked against the version's signature: nothing is stored unless every row passes. Columns: the features, 'prediction', " +
        "and optionally 'id', 'time' (ISO 8601 or ms since the epoch), 'label' (ground truth), 'label_time', 'probability.CLASS'.",
    )
    .requiredOption('--model <name/version>', 'the registered model version that made the predictions, e.g. churn/3')
    .option('--format <format>', 'csv or jsonl (default: from the file extension)')
    .option('--data-dir <dir>', 'directory holding the database (default: $MLDESK_HOME, else the OS app-data folder)')
    .option('--json', 'print the result (or the errors) as one JSON object')
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE))
    .action((file: string, flags: ImportFlags) => runImport(file, flags));
}
