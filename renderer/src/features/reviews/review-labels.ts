import type { Reviewer } from '../../../../shared/app-api/reviews';
import type { ReviewDecision, ReviewTarget } from '../../../../shared/reviews';

export const DECISION_LABEL: Record<ReviewDecision, string> = { approve: 'Approved', request_changes: 'Changes requested', comment: 'Comments only' };

/** What a comment is about, in words (the run itself is implied on its own page). */
export function targetLabel(target: ReviewTarget): string {
  switch (target.kind) {
    case 'run':
      return 'Run';
    case 'metric':
      return `Metric ${target.key}${target.step === null ? '' : ` at step ${target.step}`}`;
    case 'artifact':
      return `Artifact ${target.path}`;
    case 'version':
      return `Version ${target.version}`;
  }
}

/** A trusted key shows its local name; otherwise the name the file gave, which nothing vouches for. */
export function reviewerName(reviewer: Reviewer): string {
  return reviewer.trusted && reviewer.trustedName ? reviewer.trustedName : reviewer.displayName;
}

/** Tells the comment lists to reload (a review was imported in this window). */
export const REVIEWS_CHANGED = 'mldesk:reviews-changed';
