import type { Command } from 'commander';

/** `mldesk train` and `mldesk reproduce` (filled in by the training module). */
export function registerTrainCommands(_program: Command): void {}
