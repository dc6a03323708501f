import type { Command } from 'commander';

/** CONTRACT STUB written by the lead; its helper replaces it. */
export function registerMonitorTest(monitor: Command): void {
  void monitor;
}
