import { useCallback, useEffect, useState } from 'react';
import type { OperationOutput } from '../../../../shared/app-api/operations';
import type { ReviewDecision, ReviewDraft, ReviewTargetInput, VersionDecision } from '../../../../shared/reviews';
import { api } from '../../api/app-client';
import { useRoute } from '../../app/router';
import { useCommentRequests, type CommentRequest } from './comment-button';
import { DECISION_LABEL, targetLabel } from './review-labels';
import { ReviewTargetForm } from './review-target-form';
import './reviews.css';

export type BundleReview = NonNullable<OperationOutput<'reviews.draft'>['review']>;

/** Saves the bytes as a download (the browser's, or Electron's save path): nothing is written where a page says. */
function download(fileName: string, base64: string): void {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The reviewer's panel over an opened bundle: comments on what the page shows (run, metric,
 * artifact, model version), the decision, and "Save review file". The draft is kept in the
 * reviewer's own data dir after every change, so closing the app loses nothing.
 */
export function ReviewPanel({ review }: { review: BundleReview }) {
  const route = useRoute();
  const [draft, setDraft] = useState<ReviewDraft>(review.draft);
  const [open, setOpen] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [name, setName] = useState(review.draft.reviewerName);
  const [request, setRequest] = useState<CommentRequest | null>(null);
  useEffect(() => setSaved(null), [draft]);
  // A page's Comment button: the panel opens on that chart or artifact (a new object each time, so a second click refocuses).
  useCommentRequests(
    useCallback((next: CommentRequest) => {
      setOpen(true);
      setRequest({ ...next });
    }, []),
  );
  useEffect(() => {
    document.body.classList.toggle('with-review-panel', open);
    return () => document.body.classList.remove('with-review-panel');
  }, [open]);

  async function change(action: () => Promise<{ draft: ReviewDraft }>): Promise<boolean> {
    setBusy(true);
    try {
      setDraft((await action()).draft);
      setError(null);
      return true;
    } catch (e) {
      setError((e as Error).message);
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function save() {
    setBusy(true);
    try {
      const file = await api['reviews.draft.save']({});
      download(file.fileName, file.base64);
      setSaved(file.fileName);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  const runName = (runId: string) => review.meta.runs.find((r) => r.runId === runId)?.name || runId.slice(0, 8);
  const versionDecision = (v: { name: string; version: string }) => draft.versionDecisions.find((d) => d.name === v.name && d.version === v.version)?.decision ?? '';
  const setVersionDecision = (v: { name: string; version: string }, decision: string) => {
    const others: VersionDecision[] = draft.versionDecisions.filter((d) => !(d.name === v.name && d.version === v.version));
    const next: VersionDecision[] = decision === 'approve' || decision === 'request_changes' ? [...others, { name: v.name, version: v.version, decision, runId: null }] : others;
    void change(() => api['reviews.draft.update']({ versionDecisions: next }));
  };

  if (!open) {
    return (
      <button type="button" className="btn btn-primary review-panel-toggle" onClick={() => setOpen(true)} data-testid="review-panel-open">
        Review · {draft.comments.length} comment{draft.comments.length === 1 ? '' : 's'}
      </button>
    );
  }
  return (
    <aside className="card review-panel" data-testid="review-panel" aria-label="Review of this bundle">
      <div className="card-header">
        <span>Your review</span>
        <button type="button" className="btn btn-small" onClick={() => setOpen(false)} aria-label="Minimise the review panel">
          –
        </button>
      </div>
      <div className="card-body">
        <label className="field">
          <span className="muted">Your name (signed with key {review.reviewerKey.fingerprint.slice(7, 19)}…)</span>
          <input type="text" value={name} placeholder={review.reviewerKey.name} maxLength={200} onChange={(e) => setName(e.target.value)} onBlur={() => name !== draft.reviewerName && void change(() => api['reviews.draft.update']({ reviewerName: name }))} aria-label="Your name" />
        </label>
        <fieldset>
          <legend>Decision</legend>
          {(['approve', 'request_changes', 'comment'] as ReviewDecision[]).map((d) => (
            <label key={d}>
              <input type="radio" name="review-decision" checked={draft.decision === d} disabled={busy} onChange={() => void change(() => api['reviews.draft.update']({ decision: d }))} />
              {d === 'comment' ? 'Comment only' : d === 'approve' ? 'Approve' : 'Request changes'}
            </label>
          ))}
        </fieldset>
        {review.meta.modelVersions.length > 0 && (
          <fieldset>
            <legend>Model versions</legend>
            {review.meta.modelVersions.map((v) => (
              <label key={`${v.name}/${v.version}`} className="row">
                <span className="mono">
                  {v.name} v{v.version}
                </span>
                <select value={versionDecision(v)} disabled={busy} onChange={(e) => setVersionDecision(v, e.target.value)} aria-label={`Decision on ${v.name} version ${v.version}`}>
                  <option value="">No decision</option>
                  <option value="approve">Approve</option>
                  <option value="request_changes">Request changes</option>
                </select>
              </label>
            ))}
          </fieldset>
        )}
        <ReviewTargetForm route={route} meta={review.meta} busy={busy} request={request} onAdd={(target: ReviewTargetInput, text: string) => change(() => api['reviews.draft.addComment']({ target, text }))} />
        {draft.comments.length > 0 && (
          <ul className="review-draft-comments" data-testid="review-draft-comments">
            {draft.comments.map((c) => (
              <li key={c.id} data-testid="review-draft-comment">
                <span className="review-target mono">
                  {c.target.kind === 'version' ? `${c.target.name} v${c.target.version}` : `${runName(c.target.runId)} · ${targetLabel(c.target)}`}
                </span>
                <p>{c.text}</p>
                <button type="button" className="btn btn-small" disabled={busy} onClick={() => void change(() => api['reviews.draft.removeComment']({ id: c.id }))} aria-label="Remove this comment">
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
        {error && (
          <p className="review-error" role="alert">
            {error}
          </p>
        )}
      </div>
      <div className="review-panel-footer">
        <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void save()}>
          Save review file
        </button>
        <span className="muted" data-testid="review-save-status">
          {saved ? `Saved ${saved}` : `${DECISION_LABEL[draft.decision]} · ${draft.comments.length} comment${draft.comments.length === 1 ? '' : 's'}`}
        </span>
      </div>
    </aside>
  );
}
