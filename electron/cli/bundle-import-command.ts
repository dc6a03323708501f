import type { Command } from 'commander';

/** `mldesk bundle import FILE`: merges a bundle into this store (issue 14; owned by the bexport work, empty until it lands). */
export function registerBundleImport(parent: Command): void {
  void parent;
}
