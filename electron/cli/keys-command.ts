import type { Command } from 'commander';

/** `mldesk keys show|trust|list|untrust`: this installation's signing key and the keys it trusts (issue 14; owned by the sign work, empty until it lands). */
export function registerKeysCommands(parent: Command): void {
  void parent;
}
