import type { Command } from 'commander';

/** `mldesk bundle export --experiment NAME [--run ID ...] [--with-data] [--anonymize] -o FILE` (issue 14; owned by the bexport work, empty until it lands). */
export function registerBundleExport(parent: Command): void {
  void parent;
}
