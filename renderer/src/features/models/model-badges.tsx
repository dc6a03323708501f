import type { ApprovalState } from '../../../../shared/app-api/models';
import { CHAMPION } from '../../../../shared/app-api/models';

const APPROVAL_TITLES: Record<ApprovalState, string> = {
  approved: 'Its latest review approved it: it may be champion',
  rejected: 'Its latest review rejected it: it may not be champion',
  pending: 'Not reviewed yet: approve it before it can be champion',
};

const APPROVAL_LABELS: Record<ApprovalState, string> = { approved: 'Approved', rejected: 'Rejected', pending: 'Pending review' };

export function ApprovalBadge({ state }: { state: ApprovalState }) {
  return (
    <span className={`approval approval-${state}`} title={APPROVAL_TITLES[state]} data-testid="approval-badge" data-state={state}>
      {APPROVAL_LABELS[state]}
    </span>
  );
}

export function AliasBadge({ alias }: { alias: string }) {
  return (
    <span className={`alias-badge${alias === CHAMPION ? ' champion' : ''}`} data-testid="alias-badge" data-alias={alias}>
      @{alias}
    </span>
  );
}

export function VersionChip({ version }: { version: string }) {
  return <span className="version-chip">v{version}</span>;
}

/** A card's title with the number of things in it. */
export function CountedTitle({ title, count }: { title: string; count: number }) {
  return (
    <span>
      {title} <span className="count">{count}</span>
    </span>
  );
}
