import type { Command } from 'commander';
import { resolve } from 'node:path';
import { ArchiveError } from '../core/bundles/archive-reader.js';
import { importBundle } from '../core/bundles/bundle-import.js';
import { resolveDataDir } from '../core/data-dir.js';
import { MLDeskError } from '../core/errors.js';
import { NewerDatabaseError } from '../core/store/database.js';
import { TrackingStore } from '../core/store/tracking-store.js';

/**
 * `mldesk bundle import FILE [--json]`: merges a bundle into this store (bundle-import.ts). Exit
 * codes: 0 imported (or imported before: nothing changed), 1 the bundle does not check out (a
 * changed entry, a bad signature) or an unexpected error, 2 not a bundle or bad input. Whatever the
 * failure, the store is left as it was.
 */
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

interface ImportFlags {
  dataDir?: string;
  json?: boolean;
}

async function runImport(file: string, flags: ImportFlags): Promise<void> {
  let store: TrackingStore | undefined;
  try {
    store = TrackingStore.open(resolveDataDir(flags.dataDir));
    const result = await importBundle(store, resolve(file));
    if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else if (result.alreadyImported) {
      process.stdout.write(`${file} was imported before (${new Date(result.importedTime).toISOString()}): nothing changed.\n`);
    } else {
      const imported = result.runs.filter((r) => r.imported).length;
      const lines = [
        `Imported ${file} (signed by ${result.signer.name}, ${result.signer.fingerprint}):`,
        ...result.experiments.map((e) => `  experiment '${e.name}' (id ${e.id})${e.created ? '' : ': merged into the existing one'}`),
        `  ${imported} runs imported, ${result.runs.length - imported} already here (left as they are)`,
        `  ${result.artifacts.files} artifact files (${(result.artifacts.bytes / 1024 ** 2).toFixed(1)} MB)`,
        ...result.modelVersions.map((v) => `  model version ${v.name}/${v.version}${v.created ? (v.importedAs === v.version ? '' : ` as ${v.name}/${v.importedAs}`) : ` already here as ${v.name}/${v.importedAs}`}`),
        ...result.conflicts.map((c) => `  conflict: ${c}`),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    process.exitCode = 0;
  } catch (error) {
    const usage = error instanceof MLDeskError || error instanceof NewerDatabaseError || (error instanceof ArchiveError && error.notAnArchive) || (error as NodeJS.ErrnoException).code === 'ENOENT';
    const known = usage || error instanceof ArchiveError;
    const message = known ? (error as Error).message : `unexpected error: ${(error as Error).message ?? String(error)}`;
    if (flags.json) process.stdout.write(`${JSON.stringify({ error_code: error instanceof MLDeskError ? error.code : usage ? 'INVALID_PARAMETER_VALUE' : 'INVALID_STATE', message, path: error instanceof ArchiveError ? error.path : null })}\n`);
    process.stderr.write(`mldesk bundle import: ${message}${known ? '; nothing was imported' : ''}\n`);
    process.exitCode = usage ? EXIT_USAGE : EXIT_FAILED;
  } finally {
    store?.close();
  }
}

export function registerBundleImport(parent: Command): void {
  parent
    .command('import <file>')
    .description(
      'Merge an experiment bundle into this store, after checking its signature and every hash: runs keep their ids, experiments ' +
        'are matched by name, clashing ids and version numbers are renumbered (and reported). Importing the same runs again changes nothing.',
    )
    .option('--data-dir <dir>', 'directory holding the database (default: $MLDESK_HOME, else the OS app-data folder)')
    .option('--json', 'print the result (or the error) as one JSON object')
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE))
    .action((file: string, flags: ImportFlags) => runImport(file, flags));
}
