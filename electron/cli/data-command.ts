import type { Command } from 'commander';

/** `mldesk data ...`: dataset import, listing and validation (filled in by the data module). */
export function registerDataCommands(_program: Command): void {}
