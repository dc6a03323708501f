import type { ModelVersionInfo, Review } from '../../../../shared/app-api/models';
import { CHAMPION } from '../../../../shared/app-api/models';
import { routeHref } from '../../app/router';
import { formatRelative, formatTime } from '../../components/format';
import { AliasBadge, ApprovalBadge, Who } from './model-badges';

const count = new Intl.NumberFormat('en-US');

/** dataset version(s) → run → model version, each a link to its own page. */
function LineageChain({ name, version }: { name: string; version: ModelVersionInfo }) {
  return (
    <ol className="lineage-chain" data-testid="version-lineage" aria-label="Lineage">
      <li className="chain-node" data-kind="dataset">
        <span className="chain-kind">Dataset</span>
        {version.datasets.length === 0 ? (
          <span className="muted">not recorded</span>
        ) : (
          version.datasets.map((d) => (
            <span key={d.ref} className="chain-entry">
              {d.version !== null ? (
                <a className="mono" href={routeHref({ view: 'dataset', ref: d.ref })}>
                  {d.ref}
                </a>
              ) : (
                <span className="mono">{d.ref}</span>
              )}
              <span className="muted chain-detail">
                {d.rows !== null ? `${count.format(d.rows)} rows` : ''}
                {d.sha256 ? ` · ${d.sha256.slice(0, 12)}` : ''}
              </span>
            </span>
          ))
        )}
      </li>
      <li className="chain-node" data-kind="run">
        <span className="chain-kind">Run</span>
        {version.run ? (
          <span className="chain-entry">
            <a href={routeHref({ view: 'run', runId: version.run.runId })}>{version.run.runName || version.run.runId}</a>
            <span className="muted chain-detail">
              {version.run.status} · <a href={`${routeHref({ view: 'run', runId: version.run.runId })}?tab=lineage`}>full lineage</a>
            </span>
          </span>
        ) : (
          <span className="muted">registered from a path, no run</span>
        )}
      </li>
      <li className="chain-node" data-kind="model">
        <span className="chain-kind">Model version</span>
        <span className="chain-entry">
          <strong>
            {name} v{version.version}
          </strong>
          <span className="muted chain-detail mono" title={version.source}>
            {version.source}
          </span>
        </span>
      </li>
    </ol>
  );
}

function Authors({ version, fourEyes }: { version: ModelVersionInfo; fourEyes: boolean }) {
  if (version.authors.length === 0) return null;
  return (
    <p className="muted version-authors" data-testid="version-authors">
      Author: {version.authors.join(', ')}
      {fourEyes && ' · four-eyes: their own approvals do not count towards champion'}
    </p>
  );
}

function Reviews({ version }: { version: ModelVersionInfo }) {
  if (version.reviews.length === 0) return <p className="muted reviews-empty">No reviews yet. Approve it before it can be promoted to champion.</p>;
  return (
    <ul className="reviews" data-testid="reviews">
      {[...version.reviews].reverse().map((r, i) => (
        <li key={`${r.time}-${i}`} className="review" data-testid="review" data-decision={r.decision}>
          <div className="review-head">
            <ApprovalBadge state={r.decision} />
            <Who identity={r.reviewerIdentity} display={r.reviewerDisplay} />
            <span className="muted" title={formatTime(r.time)}>
              {formatRelative(r.time)}
            </span>
          </div>
          {r.comment ? <p className="review-comment">{r.comment}</p> : <p className="muted review-comment">No comment.</p>}
        </li>
      ))}
    </ul>
  );
}

export type VersionAction = 'approve' | 'reject' | 'promote' | 'alias';

/** This reviewer's latest review while it still decides the version's state (no later review overturned it). */
export function standingReview(version: ModelVersionInfo, identity: string | null): Review | null {
  if (identity === null) return null;
  const mine = version.reviews.findLast((r) => r.reviewerIdentity === identity);
  return mine && mine.decision === version.approval ? mine : null;
}

/** What the Promote button says when the version may not be champion yet. */
export const promoteBlockedLabel = (refusal: string) => (refusal.includes('needs an approval first') ? 'Approve first to promote' : 'Another reviewer must approve first');

/** The selected version: what it came from, who reviewed it, and what can be done with it. */
export function VersionDetails({ name, version, fourEyes, identity, onAction }: {
  name: string;
  version: ModelVersionInfo;
  fourEyes: boolean;
  /** Who this user's reviews are recorded as; null while unknown. */
  identity: string | null;
  onAction: (action: VersionAction) => void;
}) {
  const isChampion = version.aliases.includes(CHAMPION);
  const standing = standingReview(version, identity);
  const decided = (decision: Review['decision']) => (standing?.decision === decision ? `You ${decision} v${version.version} ${formatRelative(standing.time)}; a review by you would repeat it` : undefined);
  const refusal = version.championRefusal;
  return (
    <section className="card version-details" data-testid="version-details" data-version={version.version}>
      <div className="card-header">
        <span className="version-details-title">
          Version {version.version} <ApprovalBadge state={version.approval} />
          {version.aliases.map((a) => (
            <AliasBadge key={a} alias={a} />
          ))}
        </span>
      </div>
      <div className="card-body version-details-body">
        <div className="version-actions">
          <button data-writes type="button" className="btn btn-small" disabled={standing?.decision === 'approved'} title={decided('approved')} onClick={() => onAction('approve')}>
            Approve
          </button>
          <button data-writes type="button" className="btn btn-small" disabled={standing?.decision === 'rejected'} title={decided('rejected')} onClick={() => onAction('reject')}>
            Reject
          </button>
          {isChampion ? (
            <span className="is-champion">Serves as champion</span>
          ) : refusal !== null ? (
            <button data-writes type="button" className="btn btn-small" disabled title={`It cannot be champion yet: ${refusal}`} data-testid="promote-blocked-button">
              {promoteBlockedLabel(refusal)}
            </button>
          ) : (
            <button data-writes type="button" className="btn btn-small btn-primary" onClick={() => onAction('promote')} title="Point @champion at this version">
              Promote to champion
            </button>
          )}
          <button data-writes type="button" className="btn btn-small" onClick={() => onAction('alias')}>
            Set alias…
          </button>
        </div>
        {standing && (
          <p className="muted my-decision" data-testid="my-decision">
            You {standing.decision} this version {formatRelative(standing.time)}. {standing.decision === 'approved' ? 'Rejecting' : 'Approving'} it now would supersede that review; every review stays listed below.
          </p>
        )}
        {!isChampion && refusal !== null && (
          <p className="promote-blocked" data-testid="promote-blocked">
            Not promotable to champion yet: {refusal}.
          </p>
        )}
        <h3 className="subsection-title">Lineage</h3>
        <LineageChain name={name} version={version} />
        <h3 className="subsection-title">
          Reviews <span className="count">{version.reviews.length}</span>
        </h3>
        <Authors version={version} fourEyes={fourEyes} />
        <Reviews version={version} />
      </div>
    </section>
  );
}
