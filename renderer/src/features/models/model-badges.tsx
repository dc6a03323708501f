import type { ApprovalState } from '../../../../shared/app-api/models';
import { CHAMPION } from '../../../../shared/app-api/models';

const APPROVAL_TITLES: Record<ApprovalState, string> = {
  approved: 'Its latest review approved it: it may be champion',
  rejected: 'Its latest review rejected it: it may not be champion',
  pending: 'Not reviewed yet: approve it before it can be champion',
};

const APPROVAL_LABELS: Record<ApprovalState, string> = { approved: 'Approved', rejected: 'Rejected', pending: 'Pending review' };

/** Narrow spots (a table column) get one word; the tooltip keeps the full label. */
const COMPACT_LABELS: Record<ApprovalState, string> = { approved: 'Approved', rejected: 'Rejected', pending: 'Pending' };

export function ApprovalBadge({ state, compact = false }: { state: ApprovalState; compact?: boolean }) {
  const title = compact ? `${APPROVAL_LABELS[state]}: ${APPROVAL_TITLES[state]}` : APPROVAL_TITLES[state];
  return (
    <span className={`approval approval-${state}`} title={title} data-testid="approval-badge" data-state={state}>
      {(compact ? COMPACT_LABELS : APPROVAL_LABELS)[state]}
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

/**
 * Who did something: the identity the server authenticated, with a name they typed beside it when
 * it differs. Records from before identities were kept only a typed name: shown as unverified.
 */
export function Who({ identity, display }: { identity: string | null; display: string }) {
  if (identity === null) {
    return (
      <span className="who" title="Recorded before MLDesk recorded authenticated identities: this name was typed, not verified">
        {display || 'unknown'} <span className="pill">unverified</span>
      </span>
    );
  }
  return (
    <span className="who" title={display && display !== identity ? `Authenticated as ${identity}; gave the name “${display}”` : `Authenticated as ${identity}`}>
      <strong>{identity}</strong>
      {display && display !== identity && <span className="muted"> as “{display}”</span>}
    </span>
  );
}

/** A card's title with the number of things in it. */
export function CountedTitle({ title, count }: { title: string; count: number }) {
  return (
    <span>
      {title} <span className="count">{count}</span>
    </span>
  );
}
