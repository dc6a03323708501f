import { useEffect, useId, useRef, type FormEvent, type ReactNode } from 'react';

/**
 * A modal form: Escape and the backdrop cancel (unless busy), submit confirms, and a refusal from
 * the server stays in the dialog next to what the user typed, so it can be fixed and retried.
 */
export function FormDialog(props: {
  title: string;
  testId: string;
  children: ReactNode;
  confirmLabel: string;
  confirmClass?: string;
  busy: boolean;
  error: string | null;
  canConfirm?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { busy, onCancel } = props;
  const titleId = useId();
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    formRef.current?.querySelector<HTMLElement>('textarea, input, select')?.focus();
  }, []);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !busy) onCancel();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [busy, onCancel]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!busy && props.canConfirm !== false) props.onConfirm();
  };
  return (
    <div className="modal-backdrop" onClick={() => !busy && onCancel()}>
      <form ref={formRef} className="modal form-dialog" role="dialog" aria-modal="true" aria-labelledby={titleId} data-testid={props.testId} onClick={(event) => event.stopPropagation()} onSubmit={submit}>
        <h2 id={titleId}>{props.title}</h2>
        <div className="form-dialog-body">{props.children}</div>
        {props.error && (
          <div role="alert" className="error-banner" data-testid="dialog-error">
            {props.error}
          </div>
        )}
        <div className="modal-actions">
          <button type="button" className="btn" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className={`btn ${props.confirmClass ?? 'btn-primary'}`} disabled={busy || props.canConfirm === false}>
            {busy ? 'Working…' : props.confirmLabel}
          </button>
        </div>
      </form>
    </div>
  );
}
