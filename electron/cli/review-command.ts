import type { Command } from 'commander';

/** `mldesk review import FILE`: comments and decisions from a review file onto this store (issue 14; owned by the review work, empty until it lands). */
export function registerReviewCommands(parent: Command): void {
  void parent;
}
