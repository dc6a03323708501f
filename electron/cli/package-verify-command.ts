import type { Command } from 'commander';

/** `mldesk package verify FILE [--trust KEY] [--json]` (issue 14; owned by the sign work, empty until it lands). */
export function registerPackageVerify(parent: Command): void {
  void parent;
}
