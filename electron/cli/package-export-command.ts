import type { Command } from 'commander';

/** `mldesk package export NAME@ALIAS|NAME/VERSION -o FILE` (issue 14; owned by the package work, empty until it lands). */
export function registerPackageExport(parent: Command): void {
  void parent;
}
