import type { Command } from 'commander';
import { resolve } from 'node:path';
import { exportBundle } from '../core/bundles/bundle-export.js';
import { mldeskPackage } from '../core/lineage/environment.js';
import { resolveDataDir } from '../core/data-dir.js';
import { MLDeskError } from '../core/errors.js';
import { NewerDatabaseError } from '../core/store/database.js';
import { TrackingStore } from '../core/store/tracking-store.js';

/**
 * `mldesk bundle export --experiment NAME [--run ID ...] [--with-data] [--anonymize] -o FILE`.
 * Progress on stderr, the result on stdout. Exit codes: 0 written, 2 bad input (naming the flag;
 * nothing written), 1 an unexpected error (nothing written either: the archive is renamed into place last).
 */
const EXIT_UNEXPECTED = 1;
const EXIT_USAGE = 2;

interface ExportFlags {
  experiment: string[];
  run?: string[];
  withData?: boolean;
  anonymize?: boolean;
  output: string;
  dataDir?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MB`;

async function runExport(flags: ExportFlags): Promise<void> {
  let store: TrackingStore | undefined;
  const started = performance.now();
  try {
    store = TrackingStore.open(resolveDataDir(flags.dataDir));
    let lastPercent = -1;
    const result = await exportBundle(store, {
      experiments: flags.experiment,
      runIds: flags.run,
      withData: flags.withData ?? false,
      anonymize: flags.anonymize ?? false,
      out: resolve(flags.output),
      appVersion: mldeskPackage().version ?? '0.0.0',
      onProgress: (p) => {
        if (p.phase !== 'files') return void process.stderr.write(`mldesk bundle export: ${p.message}\n`);
        const percent = p.totalBytes > 0 ? Math.floor((p.doneBytes / p.totalBytes) * 20) * 5 : 0;
        if (percent === lastPercent) return;
        lastPercent = percent;
        process.stderr.write(`mldesk bundle export: ${percent}% (${mb(p.doneBytes)} of ${mb(p.totalBytes)})\n`);
      },
    });
    const seconds = (performance.now() - started) / 1000;
    if (flags.json) process.stdout.write(`${JSON.stringify({ file: result.file, bytes: result.bytes, seconds, meta: result.meta })}\n`);
    else {
      const c = result.meta.counts;
      process.stdout.write(
        `Wrote ${result.file} (${mb(result.bytes)}) in ${seconds.toFixed(1)} s: ${c.runs} runs, ${c.metricPoints.toLocaleString('en-US')} metric points, ` +
          `${c.artifacts} artifact files (${mb(c.artifactBytes)}), ${c.datasets} dataset versions${result.meta.withData ? ' with their data' : ''}${result.meta.anonymized ? ', anonymised' : ''}.\n`,
      );
    }
    process.exitCode = 0;
  } catch (error) {
    const usage = error instanceof MLDeskError || error instanceof NewerDatabaseError;
    const message = usage ? (error as Error).message : `unexpected error: ${(error as Error).message ?? String(error)}`;
    if (flags.json) process.stdout.write(`${JSON.stringify({ error_code: error instanceof MLDeskError ? error.code : usage ? 'INVALID_PARAMETER_VALUE' : 'INTERNAL_ERROR', message })}\n`);
    process.stderr.write(`mldesk bundle export: ${message}\n`);
    process.exitCode = usage ? EXIT_USAGE : EXIT_UNEXPECTED;
  } finally {
    store?.close();
  }
}

export function registerBundleExport(parent: Command): void {
  parent
    .command('export')
    .description(
      'Write an experiment bundle (.mldesk, a signed zip): the runs with params, full metric histories, tags, notes, artifacts, ' +
        'lineage, and the model versions, reviews and alias history that point at them, plus a self-contained report.html.',
    )
    .requiredOption('--experiment <name>', 'an experiment to bundle (repeat for several)', collect)
    .option('--run <id>', 'a run of those experiments (repeat; default: every active run)', collect)
    .option('--with-data', 'include the bytes of the dataset versions the runs trained on')
    .option('--anonymize', 'replace user names, host names and file paths by pseudonyms (double-blind review)')
    .requiredOption('-o, --output <file>', 'the bundle file to write')
    .option('--data-dir <dir>', 'directory holding the database (default: $MLDESK_HOME, else the OS app-data folder)')
    .option('--json', 'print the result (or the error) as one JSON object')
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE))
    .action((flags: ExportFlags) => runExport(flags));
}
