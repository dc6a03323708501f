import type { Command } from 'commander';
import { resolveDataDir } from '../core/data-dir.js';
import { MLDeskError } from '../core/errors.js';
import { createServices, type Services } from '../core/services.js';
import { NewerDatabaseError } from '../core/store/database.js';

/**
 * `mldesk models ...`: model registry actions from the terminal. Exit codes: 0 success, 1 an
 * unexpected error, 2 a usage problem (bad flags, unknown model or version).
 */
const EXIT_UNEXPECTED = 1;
const EXIT_USAGE = 2;

interface ApproveFlags {
  reviewer: string;
  comment?: string;
  reject?: boolean;
  dataDir?: string;
  json?: boolean;
}

export function registerModelCommands(program: Command): void {
  const models = program
    .command('models')
    .description('Model registry: review (approve or reject) registered model versions.')
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE));

  models
    .command('approve <name> <version>')
    .description('Record a review of a model version. Only an approved version can take the champion alias.')
    .requiredOption('--reviewer <who>', 'who reviewed the version')
    .option('--comment <text>', 'why it was approved or rejected')
    .option('--reject', 'record a rejection instead of an approval')
    .option('--data-dir <dir>', 'directory holding the database (default: $MLDESK_HOME, else the OS app-data folder)')
    .option('--json', 'print the review as JSON')
    .action(async (name: string, version: string, flags: ApproveFlags) => {
      let services: Services | undefined;
      try {
        services = createServices({ dataDir: resolveDataDir(flags.dataDir) });
        const review = services.registry.approvals.review(name, version, {
          reviewer: flags.reviewer,
          decision: flags.reject ? 'rejected' : 'approved',
          comment: flags.comment,
        });
        process.stdout.write(
          flags.json
            ? `${JSON.stringify({ ok: true, review }, null, 2)}\n`
            : `${review.decision === 'approved' ? 'Approved' : 'Rejected'} ${review.name} version ${review.version} (reviewer ${review.reviewer}).\n`,
        );
        process.exitCode = 0;
      } catch (error) {
        const usage = error instanceof MLDeskError || error instanceof NewerDatabaseError;
        const message = usage ? (error as Error).message : `unexpected error: ${(error as Error).message ?? String(error)}`;
        if (flags.json) {
          const code = error instanceof MLDeskError ? error.code : usage ? 'INVALID_PARAMETER_VALUE' : 'INTERNAL_ERROR';
          process.stdout.write(`${JSON.stringify({ ok: false, error: { code, message } })}\n`);
        }
        process.stderr.write(`mldesk models approve: ${message}\n`);
        process.exitCode = usage ? EXIT_USAGE : EXIT_UNEXPECTED;
      } finally {
        await services?.close();
      }
    });
}
