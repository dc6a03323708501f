import { useEffect, useRef, type ReactNode } from 'react';

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="spinner" role="status" aria-live="polite">
      <span className="spinner-dot" aria-hidden="true" />
      {label}
    </div>
  );
}

export function ErrorBanner({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div role="alert" className="error-banner">
      <span>{message}</span>
      {onRetry && (
        <button className="btn btn-small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

/** Full-page 404 for an entity the route names but the server does not have. */
export function NotFoundPage({ testId, title, children, backHref, backLabel }: { testId: string; title: string; children: ReactNode; backHref: string; backLabel: string }) {
  return (
    <main className="page">
      <div className="not-found" data-testid={testId}>
        <p className="not-found-code">404</p>
        <h1>{title}</h1>
        <p className="muted">{children}</p>
        <a className="btn btn-primary" href={backHref}>
          {backLabel}
        </a>
      </div>
    </main>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty-state">
      <p className="empty-title">{title}</p>
      {children && <div className="muted">{children}</div>}
    </div>
  );
}

/** The button under a list that shows the next page of it. */
export function ShowMore({ onMore, children }: { onMore: () => void; children: ReactNode }) {
  return (
    <div className="table-more">
      <button type="button" className="btn btn-small" onClick={onMore}>
        {children}
      </button>
    </div>
  );
}

/** A modal confirmation; Escape cancels, Enter confirms, focus starts on Cancel for destructive actions. */
export function ConfirmDialog(props: {
  title: string;
  body: ReactNode;
  confirmLabel: string;
  destructive?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    cancelRef.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') props.onCancel();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [props]);
  return (
    <div className="modal-backdrop" onClick={props.onCancel}>
      <div className="modal" role="dialog" aria-modal="true" aria-label={props.title} onClick={(event) => event.stopPropagation()}>
        <h2>{props.title}</h2>
        <div className="modal-body">{props.body}</div>
        <div className="modal-actions">
          <button ref={cancelRef} className="btn" onClick={props.onCancel}>
            Cancel
          </button>
          <button className={`btn ${props.destructive ? 'btn-danger' : 'btn-primary'}`} onClick={props.onConfirm}>
            {props.confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
