import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { osUser } from '../core/caller-identity.js';
import { resolveDataDir } from '../core/data-dir.js';
import { MLDeskError } from '../core/errors.js';
import type { ModelRegistry } from '../core/registry/model-registry.js';
import { createServices, type Services } from '../core/services.js';
import { NewerDatabaseError } from '../core/store/database.js';

/**
 * `mldesk models ...`: model registry actions from the terminal. Exit codes: 0 success, 1 an
 * unexpected error, 2 a usage problem (bad flags, unknown model or version). The CLI acts as the
 * OS user running it: that is the identity reviews record.
 */
const EXIT_UNEXPECTED = 1;
const EXIT_USAGE = 2;

interface CommonFlags {
  dataDir?: string;
  json?: boolean;
}

interface ApproveFlags extends CommonFlags {
  reviewer?: string;
  comment?: string;
  reject?: boolean;
}

interface SettingsFlags extends CommonFlags {
  fourEyes?: boolean;
}

function onOff(value: string): boolean {
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new InvalidArgumentError(`'${value}' is not on or off.`);
}

/** Opens the registry, runs `action` and prints its answer (or the error), setting the exit code. */
async function withRegistry<T>(command: string, flags: CommonFlags, action: (registry: ModelRegistry) => T, describe: (value: T) => string, key: string): Promise<void> {
  let services: Services | undefined;
  try {
    services = createServices({ dataDir: resolveDataDir(flags.dataDir) });
    const value = action(services.registry);
    process.stdout.write(flags.json ? `${JSON.stringify({ ok: true, [key]: value }, null, 2)}\n` : `${describe(value)}\n`);
    process.exitCode = 0;
  } catch (error) {
    const usage = error instanceof MLDeskError || error instanceof NewerDatabaseError;
    const message = usage ? (error as Error).message : `unexpected error: ${(error as Error).message ?? String(error)}`;
    if (flags.json) {
      const code = error instanceof MLDeskError ? error.code : usage ? 'INVALID_PARAMETER_VALUE' : 'INTERNAL_ERROR';
      process.stdout.write(`${JSON.stringify({ ok: false, error: { code, message } })}\n`);
    }
    process.stderr.write(`mldesk models ${command}: ${message}\n`);
    process.exitCode = usage ? EXIT_USAGE : EXIT_UNEXPECTED;
  } finally {
    await services?.close();
  }
}

export function registerModelCommands(program: Command): void {
  const models = program
    .command('models')
    .description('Model registry: review (approve or reject) registered model versions, and the registry settings.')
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE));

  models
    .command('approve <name> <version>')
    .description('Record a review of a model version as the OS user running this command. Only an approved version can take the champion alias.')
    .option('--reviewer <name>', 'a display name shown beside your OS user name (it does not change who the review is recorded for)')
    .option('--comment <text>', 'why it was approved or rejected')
    .option('--reject', 'record a rejection instead of an approval')
    .option('--data-dir <dir>', 'directory holding the database (default: $MLDESK_HOME, else the OS app-data folder)')
    .option('--json', 'print the review as JSON')
    .action((name: string, version: string, flags: ApproveFlags) =>
      withRegistry(
        'approve',
        flags,
        (registry) =>
          registry.approvals.review(name, version, { reviewer: osUser(), reviewerDisplay: flags.reviewer, decision: flags.reject ? 'rejected' : 'approved', comment: flags.comment }),
        (review) => `${review.decision === 'approved' ? 'Approved' : 'Rejected'} ${review.name} version ${review.version} (reviewer ${review.reviewer_identity}).`,
        'review',
      ),
    );

  models
    .command('settings')
    .description('Show the registry settings, or change them.')
    .option('--four-eyes <on|off>', "champion needs an approval by someone other than the version's author (the run's user, or who registered it)", onOff)
    .option('--data-dir <dir>', 'directory holding the database (default: $MLDESK_HOME, else the OS app-data folder)')
    .option('--json', 'print the settings as JSON')
    .action((flags: SettingsFlags) =>
      withRegistry(
        'settings',
        flags,
        (registry) => (flags.fourEyes === undefined ? registry.settings() : registry.setFourEyes(flags.fourEyes, osUser())),
        (settings) =>
          `Four-eyes review: ${settings.four_eyes ? 'on' : 'off'}` +
          (settings.updated_by && settings.updated_time !== null ? ` (set by ${settings.updated_by} on ${new Date(settings.updated_time).toISOString()})` : '') +
          `.\n${settings.four_eyes ? "A version's approvals count towards champion only from someone other than its author." : 'Any approval lets a version become champion.'}`,
        'settings',
      ),
    );
}
