import type { Command } from 'commander';

/** `mldesk bundle verify FILE [--json]` (issue 14; owned by the sign work, empty until it lands). */
export function registerBundleVerify(parent: Command): void {
  void parent;
}
