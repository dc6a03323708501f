import type { Command } from 'commander';
import { registerArchiveVerify } from './archive-verify-cli.js';

/** `mldesk bundle verify FILE [--json]`: every hash and the signature of an experiment bundle. */
export function registerBundleVerify(parent: Command): void {
  registerArchiveVerify(parent, 'bundle');
}
