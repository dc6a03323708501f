import { existsSync } from 'node:fs';
import { ArchiveError } from '../core/bundles/archive-reader.js';
import { TrustedKeys } from '../core/bundles/trusted-keys.js';
import { dataDirLayout } from '../core/data-dir.js';
import { MLDeskError } from '../core/errors.js';
import { NewerDatabaseError } from '../core/store/database.js';
import { TrackingStore } from '../core/store/tracking-store.js';

/**
 * What `mldesk keys …`, `mldesk bundle verify` and `mldesk package verify` share: exit codes,
 * the --data-dir help, the trusted-key store, and one way to report errors (text or --json).
 * Exit codes: 0 success, 1 an archive that does not check out (or an unexpected error), 2 bad input.
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const DATA_DIR_HELP = 'directory holding the database and signing key (default: $MLDESK_HOME, else the OS app-data folder)';

/** Commander's own errors (a missing argument or required option) are bad input too. */
export const usageExit = (error: { exitCode: number }): never => process.exit(error.exitCode === 0 ? EXIT_OK : EXIT_USAGE);

export interface KeyStore {
  readonly keys: TrustedKeys | null;
  close(): void;
}

/**
 * The data dir's trusted keys. `create: false` (verifying) opens the database only if it exists:
 * checking a file on a fresh machine must not create a data dir; it then trusts no key.
 */
export function openKeyStore(dataDir: string, create: boolean): KeyStore {
  if (!create && !existsSync(dataDirLayout(dataDir).database)) return { keys: null, close: () => undefined };
  const store = TrackingStore.open(dataDir);
  return { keys: new TrustedKeys(store.db), close: () => store.close() };
}

/**
 * Runs one command's action and sets the exit code. The action prints its own result and returns
 * its exit code; errors are reported here: bad input (MLDeskError, ArchiveError, a newer database)
 * exits 2 naming the problem, anything else 1. With --json the error is one JSON object on stdout.
 */
export async function runArchiveCommand(label: string, json: boolean | undefined, action: () => Promise<number> | number): Promise<void> {
  try {
    process.exitCode = await action();
  } catch (error) {
    const usage = error instanceof MLDeskError || error instanceof ArchiveError || error instanceof NewerDatabaseError;
    const message = usage ? (error as Error).message : `unexpected error: ${(error as Error).message}`;
    if (json) process.stdout.write(`${JSON.stringify({ error: { code: error instanceof MLDeskError ? error.code : usage ? 'INVALID_PARAMETER_VALUE' : 'INTERNAL_ERROR', message } })}\n`);
    process.stderr.write(`mldesk ${label}: ${message}\n`);
    process.exitCode = usage ? EXIT_USAGE : EXIT_FAILED;
  }
}
