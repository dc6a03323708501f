import { useEffect, useState } from 'react';
import { api } from '../../api/app-client';
import { ReviewDropZone } from './review-import';
import { ReviewPanel, type BundleReview } from './review-panel';

/**
 * Reviews in the app shell: over an opened bundle, the reviewer's panel; over the author's own
 * data dir, dropping a review file imports it.
 */
export function ReviewShell() {
  const [review, setReview] = useState<BundleReview | null | undefined>(undefined);
  useEffect(() => {
    api['reviews.draft']({}).then(
      (answer) => setReview(answer.review),
      () => setReview(null),
    );
  }, []);
  if (review === undefined) return null;
  return review ? <ReviewPanel review={review} /> : <ReviewDropZone />;
}
