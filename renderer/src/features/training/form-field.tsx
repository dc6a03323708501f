import type { ReactNode } from 'react';

export interface ControlProps {
  id: string;
  'aria-invalid': boolean;
  'aria-describedby': string | undefined;
  className: string;
}

/**
 * A labelled form control with its hint, or its error in place of the hint. The message is tied
 * to the control (aria-describedby) so a screen reader reads it with the field.
 */
export function Field({ name, label, error, hint, children, className = '' }: { name: string; label: ReactNode; error?: string; hint?: ReactNode; children: (props: ControlProps) => ReactNode; className?: string }) {
  const id = `field-${name}`;
  const messageId = error || hint ? `${id}-message` : undefined;
  return (
    <div className={`field ${className}${error ? ' has-error' : ''}`} data-field={name}>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      {children({ id, 'aria-invalid': !!error, 'aria-describedby': messageId, className: `input${error ? ' invalid' : ''}` })}
      {error ? (
        <p className="field-error" id={messageId} role="alert" data-testid={`error-${name}`}>
          {error}
        </p>
      ) : (
        hint && (
          <p className="field-hint" id={messageId}>
            {hint}
          </p>
        )
      )}
    </div>
  );
}
