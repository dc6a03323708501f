import type { Command } from 'commander';
import type { ReviewImportReport } from '../../shared/app-api/reviews.js';
import { ArchiveError } from '../core/bundles/archive-reader.js';
import { ReviewFileError } from '../core/bundles/review-file.js';
import { importReviewFile } from '../core/bundles/review-import.js';
import { resolveDataDir } from '../core/data-dir.js';
import { MLDeskError } from '../core/errors.js';
import { NewerDatabaseError } from '../core/store/database.js';
import { TrackingStore } from '../core/store/tracking-store.js';

/**
 * `mldesk review import FILE`: a reviewer's signed review file onto this store. Exit codes: 0
 * imported (or already imported), 1 the file does not verify or its content is refused, 2 not a
 * review file / bad input.
 */
const EXIT_REFUSED = 1;
const EXIT_USAGE = 2;

function reportText(report: ReviewImportReport): string {
  const who = report.reviewer.trusted ? `'${report.reviewer.trustedName}' (trusted key)` : `'${report.reviewer.displayName}' (not trusted: unverified name)`;
  const lines = [
    `${report.alreadyImported ? 'Already imported' : 'Imported'} the review by ${who}, key ${report.reviewer.fingerprint}: decision ${report.decision.replace('_', ' ')}, ` +
      `${report.newComments} new comment(s) of ${report.comments}.`,
  ];
  for (const d of report.versionDecisions) {
    lines.push(`  ${d.decision === 'approve' ? 'Approval' : 'Request for changes'} of ${d.name} version ${d.version}: ${d.counted ? 'counts for the champion gate' : `not counted: ${d.reason}`}.`);
  }
  if (report.missing.length > 0) lines.push(`Not in this store (kept, shown nowhere):`, ...report.missing.map((m) => `  ${m}`));
  for (const w of report.warnings) lines.push(`Warning: ${w}`);
  return `${lines.join('\n')}\n`;
}

export function registerReviewCommands(parent: Command): void {
  const review = parent.command('review').description('review files from reviewers of your bundles');
  review
    .command('import')
    .description('import a signed review file (.mldesk-review): its comments appear on your runs and model versions; approvals count only from a trusted key')
    .argument('<file>', 'the .mldesk-review file')
    .option('--data-dir <dir>', 'directory holding the database (default: $MLDESK_HOME, else the OS app-data folder)')
    .option('--json', 'print the import report as JSON')
    .action(async (file: string, flags: { dataDir?: string; json?: boolean }) => {
      let store: TrackingStore | undefined;
      try {
        store = TrackingStore.open(resolveDataDir(flags.dataDir));
        const report = await importReviewFile(store.db, store.dataDir, file);
        process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : reportText(report));
        process.exitCode = 0;
      } catch (error) {
        const code =
          error instanceof ArchiveError ? (error.notAnArchive ? EXIT_USAGE : EXIT_REFUSED) : error instanceof ReviewFileError ? EXIT_REFUSED : error instanceof MLDeskError || error instanceof NewerDatabaseError ? EXIT_USAGE : EXIT_REFUSED;
        const known = error instanceof ArchiveError || error instanceof ReviewFileError || error instanceof MLDeskError || error instanceof NewerDatabaseError;
        const message = known ? (error as Error).message : `unexpected error: ${(error as Error).message}`;
        if (flags.json) process.stdout.write(`${JSON.stringify({ error: { message } })}\n`);
        process.stderr.write(`mldesk review import: ${message}\n`);
        process.exitCode = code;
      } finally {
        store?.close();
      }
    });
}
