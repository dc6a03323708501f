import type { Command } from 'commander';

/** CONTRACT STUB written by the lead; its helper replaces it. */
export function registerMonitorReport(monitor: Command): void {
  void monitor;
}
