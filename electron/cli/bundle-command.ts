import type { Command } from 'commander';
import { registerBundleExport } from './bundle-export-command.js';
import { registerBundleImport } from './bundle-import-command.js';
import { registerBundleOpen } from './bundle-open-command.js';
import { registerBundleReview } from './bundle-review-command.js';
import { registerBundleVerify } from './bundle-verify-command.js';
import { registerPackageExport } from './package-export-command.js';
import { registerPackageVerify } from './package-verify-command.js';

/** `mldesk bundle …`: experiment bundles for reviewers (signed `.mldesk` zips). */
export function registerBundleCommands(program: Command): void {
  const bundle = program.command('bundle').description('experiment bundles: export, verify, open read-only, review, import');
  registerBundleExport(bundle);
  registerBundleVerify(bundle);
  registerBundleOpen(bundle);
  registerBundleReview(bundle);
  registerBundleImport(bundle);
}

/** `mldesk package …`: handoff packages for operations (signed `.mldesk-package` zips of an approved version). */
export function registerPackageCommands(program: Command): void {
  const pkg = program.command('package').description('handoff packages of approved model versions: export, verify');
  registerPackageExport(pkg);
  registerPackageVerify(pkg);
}
