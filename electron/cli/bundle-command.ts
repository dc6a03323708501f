import type { Command } from 'commander';
import { registerLazily, type RegistrarLoaders } from './lazy-commands.js';

const BUNDLE: RegistrarLoaders = {
  export: async () => (await import('./bundle-export-command.js')).registerBundleExport,
  verify: async () => (await import('./bundle-verify-command.js')).registerBundleVerify,
  // `bundle open` is timed from start to the runs table: it must not wait on the other commands' modules.
  open: async () => (await import('./bundle-open-command.js')).registerBundleOpen,
  review: async () => (await import('./bundle-review-command.js')).registerBundleReview,
  import: async () => (await import('./bundle-import-command.js')).registerBundleImport,
};

const PACKAGE: RegistrarLoaders = {
  export: async () => (await import('./package-export-command.js')).registerPackageExport,
  verify: async () => (await import('./package-verify-command.js')).registerPackageVerify,
};

/** `mldesk bundle …`: experiment bundles for reviewers (signed `.mldesk` zips). */
export async function registerBundleCommands(program: Command, version: string, argv: readonly string[] = process.argv): Promise<void> {
  const bundle = program.command('bundle').description('experiment bundles: export, verify, open read-only, review, import');
  await registerLazily(bundle, BUNDLE, version, argv, 1);
}

/** `mldesk package …`: handoff packages for operations (signed `.mldesk-package` zips of an approved version). */
export async function registerPackageCommands(program: Command, version: string, argv: readonly string[] = process.argv): Promise<void> {
  const pkg = program.command('package').description('handoff packages of approved model versions: export, verify');
  await registerLazily(pkg, PACKAGE, version, argv, 1);
}
