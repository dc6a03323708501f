import { useCallback, useEffect, useState } from 'react';
import type { StoredReviewComment, StoredVersionDecision, Reviewer } from '../../../../shared/app-api/reviews';
import { api } from '../../api/app-client';
import { formatRelative, formatTime } from '../../components/format';
import { DECISION_LABEL, REVIEWS_CHANGED, reviewerName, targetLabel } from './review-labels';
import './reviews.css';

function TrustBadge({ reviewer }: { reviewer: Reviewer }) {
  return reviewer.trusted ? (
    <span className="trust-badge trusted" data-testid="trust-badge" title={`Signed with the key you trust as '${reviewer.trustedName}' (${reviewer.fingerprint})`}>
      trusted
    </span>
  ) : (
    <span className="trust-badge untrusted" data-testid="trust-badge" title={`Signed with a key you do not trust (${reviewer.fingerprint}): the name '${reviewer.displayName}' is the reviewer's own claim. Trust it with mldesk keys trust.`}>
      not trusted
    </span>
  );
}

type Scope = { runId: string } | { name: string; version: string };

/**
 * Comments and version decisions imported from reviewers' review files, on the author's run or
 * model version page. Hidden while there are none.
 */
export function ReviewComments(props: Scope) {
  const [answer, setAnswer] = useState<{ comments: StoredReviewComment[]; decisions: StoredVersionDecision[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const key = 'runId' in props ? props.runId : `${props.name}/${props.version}`;
  const load = useCallback(() => {
    api['reviews.comments']('runId' in props ? { runId: props.runId } : { name: props.name, version: props.version }).then(
      (value) => {
        setAnswer(value);
        setError(null);
      },
      (e: unknown) => setError((e as Error).message),
    );
    // `key` says everything the props do.
  }, [key]);
  useEffect(() => {
    load();
    window.addEventListener(REVIEWS_CHANGED, load);
    return () => window.removeEventListener(REVIEWS_CHANGED, load);
  }, [load]);

  if (error) return <p className="muted review-comments-error">Could not load reviewer comments: {error}</p>;
  if (!answer || (answer.comments.length === 0 && answer.decisions.length === 0)) return null;
  return (
    <section className="card review-comments" data-testid="review-comments" aria-label="Reviewer comments">
      <div className="card-header">
        <span>
          Reviewer comments <span className="count">{answer.comments.length}</span>
        </span>
        <span className="muted">from imported review files</span>
      </div>
      <div className="card-body">
        {answer.decisions.length > 0 && (
          <ul className="review-decisions">
            {answer.decisions.map((d, i) => (
              <li key={i} data-testid="review-decision" data-counted={d.counted}>
                <span className={`decision-chip decision-${d.decision}`}>{d.decision === 'approve' ? 'Approved' : 'Changes requested'}</span> by <strong>{reviewerName(d.reviewer)}</strong> <TrustBadge reviewer={d.reviewer} />
                <span className="muted"> · {d.counted ? 'counts for the champion gate' : 'not counted (untrusted key or not eligible)'}</span>
              </li>
            ))}
          </ul>
        )}
        <ul className="review-comment-list">
          {answer.comments.map((c) => (
            <li key={c.id} className="review-comment-item" data-testid="review-comment">
              <div className="review-comment-head">
                <span className="review-target mono">{targetLabel(c.target)}</span>
                <strong>{reviewerName(c.reviewer)}</strong>
                <TrustBadge reviewer={c.reviewer} />
                <span className={`decision-chip decision-${c.reviewDecision}`}>{DECISION_LABEL[c.reviewDecision]}</span>
                <span className="muted review-time" title={formatTime(c.time)}>
                  {formatRelative(c.time)}
                </span>
              </div>
              <p className="review-comment-text">{c.text}</p>
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}
