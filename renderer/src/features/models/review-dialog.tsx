import { useId, useState } from 'react';
import { FormDialog } from './form-dialog';
import { reviewVersion } from './models-store';

/** Approve or reject a version with a comment; the reviewer defaults to the OS user running MLDesk. */
export function ReviewDialog({ name, version, decision, onClose }: { name: string; version: string; decision: 'approved' | 'rejected'; onClose: () => void }) {
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
        {approve
          ? 'An approved version may be promoted to champion. The review is recorded with your user name and the time.'
          : 'A rejected version cannot become champion until a later review approves it.'}
      </p>
      <label className="dialog-field" htmlFor={commentId}>
        Comment {approve && <span className="muted">(optional)</span>}
      </label>
      <textarea id={commentId} rows={4} value={comment} onChange={(event) => setComment(event.target.value)} placeholder={approve ? 'What you checked: metrics, data, behaviour…' : 'What is wrong with it…'} />
    </FormDialog>
  );
}
