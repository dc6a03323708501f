import { useId, useState } from 'react';
import type { Review } from '../../../../shared/app-api/models';
import { formatRelative } from '../../components/format';
import { FormDialog } from './form-dialog';
import { reviewVersion } from './models-store';

/**
 * Approve or reject a version with a comment. The review is recorded under the identity the server
 * authenticated (a token's name, or the OS user running MLDesk), which the dialog names.
 */
export function ReviewDialog({ name, version, decision, identity, previous, onClose }: {
  name: string;
  version: string;
  decision: 'approved' | 'rejected';
  identity: string | null;
  /** This reviewer's latest earlier review of the version, which the new one supersedes. */
  previous: Review | null;
  onClose: () => void;
}) {
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const commentId = useId();
  const approve = decision === 'approved';
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await reviewVersion(name, version, decision, comment);
      onClose();
    } catch (failure) {
      setError((failure as Error).message);
      setBusy(false);
    }
  };
  return (
    <FormDialog
      title={`${approve ? 'Approve' : 'Reject'} ${name} v${version}`}
      testId="review-dialog"
      confirmLabel={approve ? 'Approve' : 'Reject'}
      confirmClass={approve ? 'btn-primary' : 'btn-danger'}
      busy={busy}
      error={error}
      onConfirm={() => void confirm()}
      onCancel={onClose}
    >
      <p className="dialog-intro">
        {approve ? 'An approved version may be promoted to champion.' : 'A rejected version cannot become champion until a later review approves it.'}{' '}
        <span data-testid="review-identity">
          Recorded as <strong>{identity ?? 'the identity the server authenticated'}</strong>, with the time.
        </span>
      </p>
      {previous && (
        <p className="muted" data-testid="review-supersedes">
          Supersedes your review of {formatRelative(previous.time)} ({previous.decision}); both stay in the version’s review history.
        </p>
      )}
      <label className="dialog-field" htmlFor={commentId}>
        Comment {approve && <span className="muted">(optional)</span>}
      </label>
      <textarea id={commentId} rows={4} value={comment} onChange={(event) => setComment(event.target.value)} placeholder={approve ? 'What you checked: metrics, data, behaviour…' : 'What is wrong with it…'} />
    </FormDialog>
  );
}
