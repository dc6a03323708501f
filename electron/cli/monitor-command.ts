import type { Command } from 'commander';
import { registerMonitorImport } from './monitor-import-command.js';
import { registerMonitorReference } from './monitor-reference-command.js';
import { registerMonitorReport } from './monitor-report-command.js';
import { registerMonitorTest } from './monitor-test-command.js';

/** `mldesk monitor …`: a model's monitoring report (NAME), and its subcommands. */
export function registerMonitorCommands(program: Command): void {
  const monitor = program.command('monitor').description("a model's drift, quality and alerts over its logged predictions");
  registerMonitorReport(monitor);
  registerMonitorImport(monitor);
  registerMonitorTest(monitor);
  registerMonitorReference(monitor);
}
