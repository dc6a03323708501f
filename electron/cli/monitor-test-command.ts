import type { Command } from 'commander';
import type { QualityTest } from '../../shared/app-api/quality-tests.js';
import { resolveDataDir } from '../core/data-dir.js';
import { MLDeskError } from '../core/errors.js';
import { runQualityTest } from '../core/monitoring/quality-tests.js';
import { parseTarget, resolveTarget } from '../core/serving/serving-target.js';
import { createServices, type Services } from '../core/services.js';
import { NewerDatabaseError } from '../core/store/database.js';

/**
 * `mldesk monitor test NAME/VERSION --dataset NAME[@V]`: a quality test on demand, kept in the data
 * directory beside the version (the app lists it on the version's page). Exit codes: 0 tested
 * (an overlap with the training data is a warning, not a failure), 1 an unexpected error, 2 bad
 * input (unknown model, version or dataset, a dataset without the model's columns).
 */
const EXIT_UNEXPECTED = 1;
const EXIT_USAGE = 2;

interface TestFlags {
  dataset: string;
  dataDir?: string;
  json?: boolean;
}

const figure = (value: number | null) => (value === null ? '—' : Number.isInteger(value) ? String(value) : value.toFixed(4));

/** The headline figures first, then every per-class one. */
const HEADLINE = ['accuracy', 'f1_macro', 'roc_auc', 'log_loss', 'calibration_error', 'rmse', 'mae', 'r2'];

export function describeQualityTest(test: QualityTest): string {
  const lines = [
    `Quality test #${test.id}: ${test.model}/${test.version} on ${test.dataset.ref} (sha256 ${test.dataset.sha256.slice(0, 12)}…, ${test.dataset.rows} rows; ${test.rows} scored)`,
    test.training ? `Trained on ${test.training.ref} (sha256 ${test.training.sha256.slice(0, 12)}…)` : 'Training data: unknown (no dataset in lineage): overlap not checked',
  ];
  if (test.skipped.missingLabel || test.skipped.unknownClass) lines.push(`Skipped: ${test.skipped.missingLabel} rows without a label, ${test.skipped.unknownClass} with a class the model does not know`);
  const names = [...HEADLINE.filter((m) => m in test.metrics), ...Object.keys(test.metrics).filter((m) => !HEADLINE.includes(m))];
  const width = Math.max(...names.map((n) => n.length));
  for (const name of names) lines.push(`  ${name.padEnd(width)}  ${figure(test.metrics[name] ?? null)}`);
  lines.push(test.overlap.warning ? `WARNING: ${test.overlap.warning}` : test.overlap.checked ? 'No evaluated row is a training row.' : '');
  return lines.filter((l) => l !== '').join('\n');
}

export function registerMonitorTest(monitor: Command): void {
  monitor
    .command('test <model>')
    .description(
      'Evaluate a model version (NAME/VERSION, NAME@ALIAS, or NAME: its champion, else its latest) on a dataset version and keep the result; ' +
        'warns when evaluated rows are also training rows (same features and label).',
    )
    .requiredOption('--dataset <ref>', 'the dataset version to evaluate on: NAME (its latest version) or NAME@VERSION')
    .option('--data-dir <dir>', 'directory holding the database (default: $MLDESK_HOME, else the OS app-data folder)')
    .option('--json', 'print the result as one JSON object (without the evaluation curves the app draws)')
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE))
    .action(async (model: string, flags: TestFlags) => {
      let services: Services | undefined;
      try {
        services = createServices({ dataDir: resolveDataDir(flags.dataDir) });
        const version = resolveTarget(services.registry, parseTarget(model));
        const test = await runQualityTest(services, { model: version.name, version: version.version, dataset: flags.dataset });
        const { evaluation: _curves, ...summary } = test;
        process.stdout.write(flags.json ? `${JSON.stringify({ ok: true, ...summary })}\n` : `${describeQualityTest(test)}\n`);
        if (flags.json && test.overlap.warning) process.stderr.write(`mldesk monitor test: warning: ${test.overlap.warning}\n`);
        process.exitCode = 0;
      } catch (error) {
        const usage = error instanceof MLDeskError || error instanceof NewerDatabaseError;
        const message = usage ? (error as Error).message : `unexpected error: ${(error as Error).message ?? String(error)}`;
        if (flags.json) {
          const code = error instanceof MLDeskError ? error.code : usage ? 'INVALID_PARAMETER_VALUE' : 'INTERNAL_ERROR';
          process.stdout.write(`${JSON.stringify({ ok: false, error: { code, message } })}\n`);
        }
        process.stderr.write(`mldesk monitor test: ${message}\n`);
        process.exitCode = usage ? EXIT_USAGE : EXIT_UNEXPECTED;
      } finally {
        await services?.close();
      }
    });
}
