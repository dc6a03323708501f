import type { Command } from 'commander';

/** `mldesk bundle review FILE ...`: writes a signed review file headless (issue 14; owned by the review work, empty until it lands). */
export function registerBundleReview(parent: Command): void {
  void parent;
}
