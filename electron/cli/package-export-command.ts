import type { Command } from 'commander';

interface ExportFlags {
  output: string;
  dataDir?: string;
  json?: boolean;
}

/**
 * `mldesk package export NAME@ALIAS|NAME/VERSION -o FILE`: an approved version as a signed handoff
 * package. Exit codes: 0 written, 2 refused (unknown version, no approved review, bad flags), 1 an
 * unexpected error. Nothing is written when it fails (the archive is renamed into place last).
 */
export function registerPackageExport(parent: Command): void {
  parent
    .command('export')
    .description('write an approved model version as a signed handoff package (model files, model card, lineage, approvals, SBOM, Dockerfile)')
    .argument('<target>', 'NAME@ALIAS or NAME/VERSION of an approved model version')
    .requiredOption('-o, --output <file>', 'package file to write (.mldesk-package)')
    .option('--data-dir <dir>', 'directory holding the database and artifacts (default: $MLDESK_HOME, else the OS app-data folder)')
    .option('--json', 'print the result as JSON')
    .action(async (target: string, flags: ExportFlags) => {
      const [{ resolveDataDir }, { createServices }, { exportPackage }, { MLDeskError }, { NewerDatabaseError }, { resolve }] = await Promise.all([
        import('../core/data-dir.js'),
        import('../core/services.js'),
        import('../core/bundles/package-export.js'),
        import('../core/errors.js'),
        import('../core/store/database.js'),
        import('node:path'),
      ]);
      let services;
      try {
        const dataDir = resolveDataDir(flags.dataDir);
        services = createServices({ dataDir });
        const out = resolve(flags.output);
        const exported = await exportPackage({ store: services.store, registry: services.registry, datasets: services.datasets, dataDir }, target, out);
        const meta = exported.manifest.meta as { model: string; version: string; approvedBy: string };
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ ok: true, file: out, model: meta.model, version: meta.version, entries: exported.manifest.entries.length, bytes: exported.bytes, signer: exported.manifest.signer })}\n`);
        } else {
          process.stdout.write(
            `Wrote ${out}: ${meta.model} version ${meta.version} (approved by ${meta.approvedBy}), ${exported.manifest.entries.length} entries, ${exported.bytes} bytes, ` +
              `signed by ${exported.manifest.signer.name} (${exported.manifest.signer.fingerprint}).\n`,
          );
        }
        process.exitCode = 0;
      } catch (error) {
        const usage = error instanceof MLDeskError || error instanceof NewerDatabaseError;
        const message = (error as Error).message;
        if (flags.json) process.stdout.write(`${JSON.stringify({ ok: false, error: { code: error instanceof MLDeskError ? error.code : 'INTERNAL_ERROR', message } })}\n`);
        process.stderr.write(`mldesk package export: ${message}\n`);
        process.exitCode = usage ? 2 : 1;
      } finally {
        await services?.close();
      }
    });
}
