import type { Command } from 'commander';
import { registerArchiveVerify } from './archive-verify-cli.js';

/** `mldesk package verify FILE [--trust KEY] [--json]`: every hash and the signature of a handoff package, optionally its signer. */
export function registerPackageVerify(parent: Command): void {
  registerArchiveVerify(parent, 'package');
}
