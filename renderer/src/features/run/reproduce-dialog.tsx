import { useCallback, useEffect, useId, useRef, useState } from 'react';
import type { ReproducibilityCheck } from '../../../../shared/lineage';
import { call } from '../../api/app-client';
import { ErrorBanner, Spinner } from '../../components/feedback';
import { Hash } from './copy-value';
import { formatCount, formatTolerance, parseTolerance } from './lineage-format';
import { NoteList } from './reproduction-verdict';

function Plan({ plan }: { plan: NonNullable<ReproducibilityCheck['plan']> }) {
  const hp = plan.hyperparameters;
  return (
    <dl className="plan" data-testid="reproduce-plan">
      <div data-fact="dataset">
        <dt>Dataset</dt>
        <dd>
          <span className="mono">{plan.dataset.ref}</span>
          <Hash value={plan.dataset.sha256} label="Copy the dataset's SHA-256" />
          <span className="muted">{formatCount(plan.dataset.rows)} rows</span>
        </dd>
      </div>
      <div data-fact="backend">
        <dt>Backend</dt>
        <dd className="mono">{plan.backend}</dd>
      </div>
      <div data-fact="seed">
        <dt>Seed</dt>
        <dd className="mono">{hp.seed}</dd>
      </div>
      <div data-fact="epochs">
        <dt>Epochs</dt>
        <dd className="mono">{hp.epochs}</dd>
      </div>
      <div data-fact="model">
        <dt>Model</dt>
        <dd>
          <span className="mono">{plan.template}</span> <span className="muted">predicting</span> <span className="mono">{plan.target}</span>{' '}
          <span className="muted">({plan.task ?? 'task inferred'})</span>
        </dd>
      </div>
    </dl>
  );
}

/**
 * Asks the server whether the run can be reproduced here, shows what blocks it or differs, and
 * starts the reproduction with a relative tolerance. Resolves to the new run through `onStarted`.
 */
export function ReproduceDialog({ runId, runName, onClose, onStarted }: { runId: string; runName: string; onClose(): void; onStarted(newRunId: string): void }) {
  const [check, setCheck] = useState<ReproducibilityCheck | null>(null);
  const [checkError, setCheckError] = useState<string | null>(null);
  const [toleranceText, setToleranceText] = useState('0');
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<string | null>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const toleranceId = useId();

  const runCheck = useCallback(async () => {
    setCheck(null);
    setCheckError(null);
    try {
      setCheck(await call('runs.reproduceCheck', { runId }));
    } catch (error) {
      setCheckError((error as Error).message);
    }
  }, [runId]);

  useEffect(() => {
    void runCheck();
  }, [runCheck]);

  useEffect(() => {
    cancelRef.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !starting) onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose, starting]);

  const tolerance = parseTolerance(toleranceText);
  const blocked = !check || check.problems.length > 0 || !check.plan;
  const canStart = !blocked && 'value' in tolerance && !starting;

  const start = async () => {
    if (!canStart) return;
    setStarting(true);
    setStartError(null);
    try {
      const { runId: newRunId } = await call('runs.reproduce', { runId, tolerance: tolerance.value });
      onStarted(newRunId);
    } catch (error) {
      setStartError((error as Error).message);
      setStarting(false);
    }
  };

  return (
    <div className="modal-backdrop" onClick={() => !starting && onClose()}>
      <div className="modal reproduce-dialog" role="dialog" aria-modal="true" aria-labelledby={titleId} data-testid="reproduce-dialog" onClick={(event) => event.stopPropagation()}>
        <h2 id={titleId}>Reproduce {runName}</h2>
        <p className="dialog-intro">
          Retrains this run from its recorded lineage (the same dataset version, backend, seed and hyperparameters) into a new run of the same experiment, then
          compares every final metric with the original.
        </p>
        {!check && !checkError && <Spinner label="Checking that this run can be reproduced here…" />}
        {checkError && <ErrorBanner message={`Could not check the run: ${checkError}`} onRetry={() => void runCheck()} />}
        {check && (
          <div className="check-result" data-testid="reproduce-check" data-ok={String(check.ok)}>
            {check.problems.length > 0 && (
              <div className="check-section">
                <h3 className="note-heading problem">Cannot be reproduced here</h3>
                <NoteList notes={check.problems} tone="problem" testId="reproduce-problems" />
              </div>
            )}
            {check.warnings.length > 0 && (
              <div className="check-section">
                <h3 className="note-heading warning">{check.problems.length > 0 ? 'Also different' : 'Will run, but note'}</h3>
                <NoteList notes={check.warnings} tone="warning" testId="reproduce-warnings" />
              </div>
            )}
            {check.ok && check.warnings.length === 0 && <p className="check-clean">Everything the original depended on is here and unchanged.</p>}
            {check.plan && (
              <div className="check-section">
                <h3 className="note-heading">What will be trained</h3>
                <Plan plan={check.plan} />
              </div>
            )}
            {!blocked && (
              <div className="tolerance-field">
                <label htmlFor={toleranceId}>Relative tolerance</label>
                <input
                  id={toleranceId}
                  type="text"
                  inputMode="decimal"
                  className={'error' in tolerance ? 'invalid' : ''}
                  value={toleranceText}
                  onChange={(event) => setToleranceText(event.target.value)}
                  onKeyDown={(event) => event.key === 'Enter' && void start()}
                  aria-describedby={`${toleranceId}-help`}
                />
                <span id={`${toleranceId}-help`} className={'error' in tolerance ? 'field-error' : 'muted'}>
                  {'error' in tolerance ? tolerance.error : `${formatTolerance(tolerance.value)}${tolerance.value === 0 ? ': every final metric must come out as the very same number' : ' per metric'}.`}
                </span>
              </div>
            )}
          </div>
        )}
        {startError && <ErrorBanner message={`Could not start the reproduction: ${startError}`} />}
        <div className="modal-actions">
          <button ref={cancelRef} className="btn" onClick={onClose} disabled={starting}>
            Cancel
          </button>
          <button className="btn btn-primary" onClick={() => void start()} disabled={!canStart} title={check && check.problems.length > 0 ? 'Resolve the problems above first' : undefined}>
            {starting ? 'Starting…' : 'Start reproduction'}
          </button>
        </div>
      </div>
    </div>
  );
}
