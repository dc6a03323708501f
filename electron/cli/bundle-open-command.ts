import type { Command } from 'commander';

/** `mldesk bundle open FILE [--port N]`: the bundle read-only in the UI and over MLflow REST (issue 14; owned by the bopen work, empty until it lands). */
export function registerBundleOpen(parent: Command): void {
  void parent;
}
