import { useEffect } from 'react';
import { useReadOnly } from '../../app/bundle-mode';

/** What a page's "Comment" button asks the review panel to comment on. */
export type CommentRequest = { kind: 'metric'; runId: string; key: string } | { kind: 'artifact'; runId: string; path: string };

// A window event, not a context: the panel lives in the app shell, the buttons deep in pages.
const EVENT = 'mldesk:review-comment';

/** Calls `handler` for each request made by a Comment button while the component is mounted. */
export function useCommentRequests(handler: (request: CommentRequest) => void): void {
  useEffect(() => {
    const listener = (event: Event) => handler((event as CustomEvent<CommentRequest>).detail);
    window.addEventListener(EVENT, listener);
    return () => window.removeEventListener(EVENT, listener);
  }, [handler]);
}

/**
 * Over an opened bundle (the reviewer's view), a button that points the review panel at this
 * metric chart or artifact and puts the cursor in its comment box. Nothing elsewhere.
 */
export function CommentButton({ request, label }: { request: CommentRequest; label: string }) {
  const reviewing = useReadOnly();
  if (!reviewing) return null;
  return (
    <button
      type="button"
      className="btn btn-small review-comment-button"
      data-testid="review-comment-button"
      aria-label={label}
      title={label}
      onClick={() => window.dispatchEvent(new CustomEvent<CommentRequest>(EVENT, { detail: request }))}
    >
      Comment
    </button>
  );
}
